"""A killed worker fails only its run; a restarted server keeps history and marks runs interrupted."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from layerlab.api.testing import ServerProcess, run_body, wait_for_status
from layerlab.api.testing import stream_events as stream

LONG: dict[str, Any] = {"epochs": 500, "n": 2000}


def test_sigkilled_worker_fails_its_run_and_is_replaced(server: ServerProcess, http: httpx.Client) -> None:
    victim = http.post("/api/runs", json=run_body(**LONG)).json()["id"]
    detail = wait_for_status(http, victim, {"running"})
    pid = detail["worker_pid"]
    assert server.process is not None and pid and pid != server.process.pid
    time.sleep(0.3)
    seq_before = http.get(f"/api/runs/{victim}").json()["last_seq"]
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    failed = wait_for_status(http, victim, {"failed"}, timeout_s=10)
    assert time.monotonic() - killed_at < 5
    assert failed["error"]["code"] == "worker_crashed" and "SIGKILL" in failed["error"]["message"]
    assert failed["error"]["hint"] and failed["last_seq"] > seq_before
    events, code = stream(server, victim)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)) and code == 1000
    assert events[-1]["status"] == "failed" and events[-1]["code"] == "worker_crashed"
    assert http.get("/api/health").status_code == 200
    # The pool has a fresh worker: more runs than the others could take complete.
    ids = [http.post("/api/runs", json=run_body()).json()["id"] for _ in range(3)]
    for run_id in ids:
        assert wait_for_status(http, run_id, {"completed", "failed"}, timeout_s=60)["status"] == "completed"
    assert wait_for_status(http, ids[-1], {"completed"})["worker_pid"] is None


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_server_restart_keeps_history_and_interrupts_active_runs(
    tmp_path: Path, how: str, server_env: dict[str, str]
) -> None:
    home = tmp_path / "home"
    env = {**server_env, "LAYERLAB_MAX_CONCURRENT_RUNS": "1"}
    first = ServerProcess(home, env=env).start()
    try:
        with httpx.Client(base_url=first.base_url, timeout=30) as http:
            done = http.post("/api/runs", json=run_body()).json()["id"]
            wait_for_status(http, done, {"completed"})
            active = http.post("/api/runs", json=run_body(**LONG)).json()["id"]
            wait_for_status(http, active, {"running"})
            time.sleep(1.0)  # past a flush
            before = http.get(f"/api/runs/{active}/events").json()
            done_events = http.get(f"/api/runs/{done}/events").json()
            time.sleep(0.8)  # what we read is flushed by now (a SIGKILL loses only the last ~0.25 s)
    finally:
        if how == "sigterm":
            first.stop()
        else:
            first.kill()
    with ServerProcess(home, env=env) as second, httpx.Client(base_url=second.base_url, timeout=30) as http:
        assert http.get(f"/api/runs/{done}/events").json() == done_events
        detail = http.get(f"/api/runs/{active}").json()
        assert detail["status"] == "interrupted" and detail["finished_at"] is not None
        after = http.get(f"/api/runs/{active}/events").json()
        assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
        assert after[: len(before)] == before
        assert after[-1]["type"] == "status" and after[-1]["status"] == "interrupted"
        events, code = stream(second, active)
        assert events == after and code == 1000
        assert http.post(f"/api/runs/{active}/resume").status_code == 409
