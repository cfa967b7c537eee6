"""Websocket tests run against real servers (uvicorn subprocesses with warm workers)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ws_servers import serve

from layerlab.api.testing import ServerProcess

SERVER_ENV = {"LAYERLAB_MAX_CONCURRENT_RUNS": "2", "LAYERLAB_MAX_RUNS_PER_CLIENT": "50"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server shared by one test module (a module may define its own, with other settings)."""
    yield from serve(tmp_path_factory, "ws", SERVER_ENV)


@pytest.fixture
def server_env() -> dict[str, str]:
    """The environment of the module's server (for tests that start their own)."""
    return dict(SERVER_ENV)


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    """An HTTP client of the module's server (whichever ``server`` the module uses)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client
