"""A LayerLab app whose database reports a full disk while the file ``<home>/storage-full`` exists.

Started by the storage-fault tests as ``uvicorn faulty_storage_app:create_app --factory``
(with this folder as the app dir): the real server, the real SQLite file, and a store whose
writes raise SQLite's own "database or disk is full" error for as long as the flag exists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from layerlab.main import create_app as create_layerlab_app
from layerlab.settings import Settings
from layerlab.storage.store import EventRecord, RunRow, RunStore


class FullDiskStore(RunStore):
    """A :class:`RunStore` whose writes fail while ``flag`` exists."""

    def __init__(self, engine: Engine, flag: Path) -> None:
        super().__init__(engine)
        self.flag = flag

    def _check(self, statement: str) -> None:
        if self.flag.exists():
            raise OperationalError(statement, {}, sqlite3.OperationalError("database or disk is full"))

    def write_batch(self, records: Sequence[EventRecord], patches: Mapping[str, Mapping[str, Any]]) -> None:
        self._check("INSERT INTO events")
        super().write_batch(records, patches)

    def create_run(self, row: RunRow) -> None:
        self._check("INSERT INTO runs")
        super().create_run(row)


def open_store(url: str, settings: Settings) -> RunStore:
    store = RunStore.open(url, busy_timeout_s=settings.sqlite_busy_timeout_s)
    return FullDiskStore(store.engine, settings.home / "storage-full")


def create_app() -> FastAPI:
    return create_layerlab_app(open_store=open_store)
