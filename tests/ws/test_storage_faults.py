"""Storage failures are loud and lose nothing: a full disk, a locked database.

The server runs on a real SQLite file. "Disk full" is a store whose writes raise SQLite's
"database or disk is full" while a flag file exists (``faulty_storage_app.py``); "locked" is
real: the test holds an exclusive lock on the database file. While storage fails, health is
``degraded`` with the reason, clients get nothing uncommitted, and POST /api/runs answers
503; past ``LAYERLAB_STORAGE_FAILURE_TIMEOUT_S`` the active runs end ``failed`` /
``storage_error``. Once storage works again every event recorded meanwhile is committed:
the history is whole and what the client saw is in it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from ws_servers import serve

from layerlab.api.testing import ServerProcess, run_body, wait_for_status

TESTS = Path(__file__).resolve().parents[1]  # where faulty_storage_app.py lives
ENV = {
    "LAYERLAB_MAX_CONCURRENT_RUNS": "2",
    "LAYERLAB_MAX_RUNS_PER_CLIENT": "50",
    "LAYERLAB_STORAGE_FAILURE_TIMEOUT_S": "3",
    "LAYERLAB_STORAGE_RETRY_MAX_S": "0.2",
    "LAYERLAB_SQLITE_BUSY_TIMEOUT_S": "0.2",
}
LONG = run_body(dataset="spiral", n=2000, epochs=500)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, "storage", ENV, factory="faulty_storage_app:create_app", app_dir=TESTS)


class Watcher:
    """A websocket client reading a run's events on a thread, as a page would."""

    def __init__(self, server: ServerProcess, run_id: str) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.close_code: int | None = None
        self._url = server.ws_url(f"/api/runs/{run_id}/events")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with connect(self._url, max_size=None, open_timeout=10) as ws:
            try:
                while True:
                    self.events.append((time.monotonic(), json.loads(ws.recv())))
            except ConnectionClosed:
                self.close_code = ws.close_code

    def seen(self) -> list[dict[str, Any]]:
        return [event for _, event in self.events]

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the stream did not end"


def _wait(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_full_disk_is_reported_ends_the_runs_and_loses_nothing(server: ServerProcess, http: httpx.Client) -> None:
    flag = server.home / "storage-full"
    run_id = http.post("/api/runs", json=LONG).json()["id"]
    watcher = Watcher(server, run_id)
    _wait(lambda: len(watcher.events) >= 5, 30, "the first events")
    flag.touch()
    try:
        failing_since = time.monotonic()
        _wait(lambda: http.get("/api/health").json()["status"] == "degraded", 10, "health to degrade")
        health = http.get("/api/health").json()
        assert "database or disk is full" in health["reason"] and health["hint"] and health["pending_events"] > 0
        refused = http.post("/api/runs", json=run_body())
        assert refused.status_code == 503 and refused.json()["code"] == "storage_error"
        assert refused.headers["retry-after"]
        failed = wait_for_status(http, run_id, {"failed"}, timeout_s=20)
        assert failed["error"]["code"] == "storage_error" and "database or disk is full" in failed["error"]["message"]
        assert time.monotonic() - failing_since >= 2.5  # after the failure timeout, not at the first error
        # Nothing uncommitted reached the client: what it got after the failure began was committed before it.
        late = [event for at, event in watcher.events if at > failing_since + 0.5]
        assert late == []
    finally:
        flag.unlink()
    _wait(lambda: http.get("/api/health").json() == {"status": "ok", "version": "0.1.0", "device": "cpu"}, 15, "ok")
    watcher.join(30)
    history = http.get(f"/api/runs/{run_id}/events").json()
    assert [e["seq"] for e in history] == list(range(1, len(history) + 1))  # nothing dropped
    assert history[-1]["type"] == "status" and history[-1]["status"] == "failed"
    assert history[-1]["code"] == "storage_error"
    assert watcher.seen() == history and watcher.close_code == 1000  # the stream resumed, then ended
    detail = http.get(f"/api/runs/{run_id}").json()
    assert detail["status"] == "failed" and detail["last_seq"] == len(history)
    run = http.post("/api/runs", json=run_body()).json()["id"]  # and training works again
    assert wait_for_status(http, run, {"completed", "failed"})["status"] == "completed"


def test_a_locked_database_delays_events_and_the_run_completes_whole(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body(dataset="spiral", n=2000, epochs=4)).json()["id"]
    watcher = Watcher(server, run_id)
    _wait(lambda: any(e.get("status") == "running" for e in watcher.seen()), 30, "the run to start")
    lock = sqlite3.connect(server.home / "layerlab.db", timeout=5, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # a real lock on the real file: every write of the server now waits, then fails
        locked_at = time.monotonic()
        _wait(lambda: http.get("/api/health").json()["status"] == "degraded", 10, "health to degrade")
        assert "database is locked" in http.get("/api/health").json()["reason"]
        time.sleep(max(0.0, locked_at + 1.0 - time.monotonic()))
        assert [at for at, _ in watcher.events if at > locked_at + 0.5] == []  # nothing reaches a client meanwhile
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    final = wait_for_status(http, run_id, {"completed", "failed", "stopped"}, timeout_s=60)
    assert final["status"] == "completed"  # a short failure ends no run
    watcher.join(30)
    history = http.get(f"/api/runs/{run_id}/events").json()
    assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
    assert watcher.seen() == history and [e["type"] for e in history].count("epoch") == 4
    assert http.get("/api/health").json()["status"] == "ok"
