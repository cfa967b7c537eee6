"""The server applies the retention of finished runs on its own (LAYERLAB_RUN_RETENTION_*)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from layerlab.api.testing import ServerProcess
from layerlab.storage.store import EventRecord, RunRow, RunStore


def test_the_server_deletes_finished_runs_past_retention(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = RunStore.open(f"sqlite:///{home / 'layerlab.db'}")
    now = time.time()
    for run_id, age_days in (("a1b2c3d4e5f6", 30), ("0a1b2c3d4e5f", 2)):
        finished = now - age_days * 86_400
        store.create_run(
            RunRow(
                id=run_id,
                status="completed",
                dataset="circle",
                request_json="{}",
                created_at=finished - 5,
                finished_at=finished,
            )
        )
        store.insert_events([EventRecord(run_id, 1, "status", '{"seq": 1, "type": "status"}')])
    store.close()
    (tmp_path / "data").mkdir()
    env = {
        "LAYERLAB_RUN_RETENTION_DAYS": "7",
        "LAYERLAB_RUN_RETENTION_INTERVAL_S": "0.2",
        "LAYERLAB_MAX_CONCURRENT_RUNS": "1",
        "LAYERLAB_STATIC_DIR": "/nonexistent-layerlab-page",
        "LAYERLAB_DATA_DIR": str(tmp_path / "data"),
    }
    with ServerProcess(home, env=env) as server:
        deadline = time.monotonic() + 30
        listed: set[str] = {"a1b2c3d4e5f6"}
        while "a1b2c3d4e5f6" in listed and time.monotonic() < deadline:
            listed = {run["id"] for run in httpx.get(server.url("/api/runs")).json()}
            time.sleep(0.1)
        assert listed == {"0a1b2c3d4e5f"}
        assert httpx.get(server.url("/api/runs/a1b2c3d4e5f6/events")).status_code == 404
