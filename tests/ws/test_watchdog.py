"""Nothing hangs: a stopped (SIGSTOP) worker, a stop inside a long batch, a run paused or running too long,
and a run that needs more memory than its worker may take each end with a reason, and the next run is fine.

One server for the module, with short limits: heartbeats every 0.25 s and 2 s of silence
allowed, 1 s for a stop to take effect, 2 s of pause, 8 s of running, 1.6 GB per worker.
"""

from __future__ import annotations

import json
import os
import signal
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

ENV = {
    "LAYERLAB_MAX_CONCURRENT_RUNS": "2",
    "LAYERLAB_MAX_RUNS_PER_CLIENT": "50",
    "LAYERLAB_WORKER_HEARTBEAT_S": "0.25",
    "LAYERLAB_WORKER_HEARTBEAT_TIMEOUT_S": "2",
    "LAYERLAB_STOP_GRACE_S": "1",
    "LAYERLAB_MAX_PAUSE_S": "2",
    "LAYERLAB_MAX_RUN_S": "8",
    "LAYERLAB_WORKER_MEMORY_MB": "1600",
    "LAYERLAB_MAX_RUN_MEMORY_MB": "100000",  # the estimate lets these through: the OS limit must catch them
    "LAYERLAB_MAX_BATCH_SIZE": "8192",
}
LONG = run_body(dataset="spiral", n=2000, epochs=500)


def _mlp(*units: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "Input"}]
    for i, width in enumerate(units):
        nodes.append({"id": f"h{i}", "type": "Dense", "params": {"units": width, "activation": "relu"}})
    nodes.append({"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"version": 1, "nodes": nodes, "edges": edges}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, "watchdog", ENV)


def _read_until_final(server: ServerProcess, run_id: str, timeout_s: float = 60) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with connect(server.ws_url(f"/api/runs/{run_id}/events"), max_size=None, open_timeout=10) as ws:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                events.append(json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic()))))
            except (ConnectionClosed, TimeoutError):
                break
    return events


def _next_run_completes(http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body()).json()["id"]
    assert wait_for_status(http, run_id, {"completed", "failed", "stopped"}, timeout_s=90)["status"] == "completed"


def test_a_stopped_worker_is_ended_and_its_run_fails_unresponsive(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=LONG).json()["id"]
    pid = wait_for_status(http, run_id, {"running"})["worker_pid"]
    os.kill(pid, signal.SIGSTOP)  # alive but silent: no heartbeat, no event
    stopped_at = time.monotonic()
    try:
        failed = wait_for_status(http, run_id, {"failed"}, timeout_s=15)
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert time.monotonic() - stopped_at < 8  # 2 s of silence allowed, then ended
    assert failed["error"]["code"] == "worker_unresponsive" and failed["error"]["hint"]
    events = _read_until_final(server, run_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["status"] == "failed" and events[-1]["code"] == "worker_unresponsive"
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the hung process is gone
    _next_run_completes(http)


def test_stop_inside_a_long_batch_takes_effect_within_two_seconds(server: ServerProcess, http: httpx.Client) -> None:
    # One batch of 8192 samples through three 2048-wide layers: many seconds of matrix products per step.
    body = run_body(graph=_mlp(2048, 2048, 2048), dataset="circle", n=12_000, epochs=3, batch_size=8192)
    run_id = http.post("/api/runs", json=body).json()["id"]
    events: list[dict[str, Any]] = []
    with connect(server.ws_url(f"/api/runs/{run_id}/events"), max_size=None, open_timeout=10) as ws:
        while not any(e.get("status") == "running" for e in events):
            events.append(json.loads(ws.recv(timeout=60)))
        time.sleep(0.5)  # well inside the first batch
        asked = time.monotonic()
        assert http.post(f"/api/runs/{run_id}/stop").status_code == 200
        while events[-1].get("status") not in ("stopped", "failed", "completed"):
            events.append(json.loads(ws.recv(timeout=30)))
        took = time.monotonic() - asked
    assert took < 2.0, f"the stop took {took:.1f} s"
    final = events[-1]
    assert final["status"] == "stopped" and "worker process was ended" in final["message"]
    assert not any(e["type"] in ("step", "epoch") for e in events)  # the first batch never finished
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    _next_run_completes(http)


def test_a_run_paused_too_long_is_stopped_with_the_reason(http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=LONG).json()["id"]
    wait_for_status(http, run_id, {"running"})
    assert http.post(f"/api/runs/{run_id}/pause").status_code == 200
    wait_for_status(http, run_id, {"paused"}, timeout_s=15)
    paused_at = time.monotonic()
    stopped = wait_for_status(http, run_id, {"stopped", "failed"}, timeout_s=15)
    assert 1.5 < time.monotonic() - paused_at < 8
    assert stopped["status"] == "stopped" and stopped["error"]["code"] == "pause_time_limit"
    assert "paused longer" in stopped["error"]["message"] and stopped["error"]["hint"]
    _next_run_completes(http)


def test_a_run_over_the_time_limit_is_stopped_with_the_reason(http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=LONG).json()["id"]
    started = wait_for_status(http, run_id, {"running"})
    stopped = wait_for_status(http, run_id, {"stopped", "failed", "completed"}, timeout_s=30)
    assert stopped["status"] == "stopped" and stopped["error"]["code"] == "run_time_limit"
    assert "8 s" in stopped["error"]["message"]
    assert stopped["finished_at"] - started["started_at"] >= 7.5
    assert stopped["latest"] is not None  # it trained until then: its epochs are kept


def test_a_run_needing_more_memory_than_its_worker_may_take_fails_alone(http: httpx.Client) -> None:
    # 8192 × 40,000 hidden values ≈ 1.3 GB per tensor: past the 1.6 GB limit of the worker.
    body = run_body(graph=_mlp(40_000), dataset="circle", n=12_000, epochs=1, batch_size=8192)
    run_id = http.post("/api/runs", json=body).json()["id"]
    failed = wait_for_status(http, run_id, {"failed", "completed"}, timeout_s=60)
    assert failed["status"] == "failed" and failed["error"]["code"] == "out_of_memory"
    assert "batch_size" in failed["error"]["hint"]
    assert http.get("/api/health").json()["status"] == "ok"
    _next_run_completes(http)


def test_worker_processes_run_under_the_memory_limit(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=LONG).json()["id"]
    pid = wait_for_status(http, run_id, {"running"})["worker_pid"]
    limits = Path(f"/proc/{pid}/limits").read_text()
    http.post(f"/api/runs/{run_id}/stop")
    line = next(line for line in limits.splitlines() if line.startswith("Max data size"))
    assert str(1600 * 1024 * 1024) in line
