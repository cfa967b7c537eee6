"""FastAPI dependencies: the app's settings, store, event writer and runner.

They read ``app.state`` (filled by the lifespan in :mod:`layerlab.main`); tests replace
any of them with ``app.dependency_overrides[get_store] = …``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from layerlab.api.handlers import ApiError
from layerlab.runs.runner import Runner
from layerlab.settings import Settings
from layerlab.storage.store import RunStore
from layerlab.storage.writer import EventWriter

__all__ = [
    "RunnerDep",
    "SettingsDep",
    "StoreDep",
    "WriterDep",
    "client_id",
    "get_app_settings",
    "get_runner",
    "get_store",
    "get_writer",
]


def get_app_settings(connection: HTTPConnection) -> Settings:
    """The settings the app was created with."""
    settings: Settings = connection.app.state.settings
    return settings


def _state(connection: HTTPConnection, name: str) -> object:
    value = getattr(connection.app.state, name, None)
    if value is None:
        raise ApiError(503, "The server is starting or stopping; try again in a moment.")
    return value


def get_store(connection: HTTPConnection) -> RunStore:
    """The database."""
    store = _state(connection, "store")
    assert isinstance(store, RunStore)
    return store


def get_writer(connection: HTTPConnection) -> EventWriter:
    """The event writer (holds the not-yet-flushed tail of every run)."""
    writer = _state(connection, "writer")
    assert isinstance(writer, EventWriter)
    return writer


def get_runner(connection: HTTPConnection) -> Runner:
    """The run queue and worker pool."""
    runner = _state(connection, "runner")
    assert isinstance(runner, Runner)
    return runner


def client_id(connection: HTTPConnection) -> str | None:
    """Who is asking, for per-client limits: the ``X-Client-Id`` header, else the client's IP address."""
    header = connection.headers.get("x-client-id")
    if header:
        return header.strip()[:200]
    return connection.client.host if connection.client is not None else None


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[RunStore, Depends(get_store)]
WriterDep = Annotated[EventWriter, Depends(get_writer)]
RunnerDep = Annotated[Runner, Depends(get_runner)]
