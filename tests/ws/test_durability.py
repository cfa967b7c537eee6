"""Durable before visible: a SIGKILLed server loses nothing any client saw, reuses no seq, and ends the stream.

A websocket client reads a long run's events live; the server is killed (SIGKILL) at one of
several moments — in the middle of the first epoch, right as an epoch ends, just after one
ended — and started again on the same home. Every event the client held must be in the
history with the same text, the history must run 1, 2, 3 … without a gap, the
``interrupted`` status must come after everything the client saw, and reconnecting with any
``after`` must get that final status and a normal close.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from layerlab.api.testing import ServerProcess, run_body, wait_for_status

#: Epochs of ~900 steps (a few tenths of a second each), so a client sees several step events inside one.
LONG = run_body(dataset="spiral", n=20000, epochs=100, batch_size=16)


def _kill_moment(moment: str, seen: list[dict[str, Any]]) -> bool:
    """True when the events seen so far reach ``moment``."""
    types = [e["type"] for e in seen]
    if not types:
        return False
    since_epoch = types[::-1].index("epoch") if "epoch" in types else len(types)
    if moment == "mid_epoch":  # a few steps into an epoch
        return types[-1] == "step" and types[-since_epoch:].count("step") >= 3
    if moment == "epoch_end":  # the epoch event itself
        return types[-1] == "epoch"
    assert moment == "after_epoch"  # the first step after an epoch ended (and its matrix and boundary)
    return "epoch" in types and types[-1] == "step" and types[-since_epoch:].count("step") == 1


def _replay(server: ServerProcess, run_id: str, after: int) -> tuple[list[dict[str, Any]], int | None]:
    out: list[dict[str, Any]] = []
    with connect(server.ws_url(f"/api/runs/{run_id}/events?after={after}"), max_size=None, open_timeout=10) as ws:
        try:
            while True:
                out.append(json.loads(ws.recv(timeout=20)))
        except ConnectionClosed:
            pass
        return out, ws.close_code


@pytest.mark.parametrize("moment", ["mid_epoch", "epoch_end", "after_epoch"])
def test_a_killed_server_loses_nothing_a_client_saw(tmp_path: Path, server_env: dict[str, str], moment: str) -> None:
    home = tmp_path / "home"
    env = {**server_env, "LAYERLAB_MAX_CONCURRENT_RUNS": "1"}
    first = ServerProcess(home, env=env).start()
    seen: list[dict[str, Any]] = []
    try:
        with httpx.Client(base_url=first.base_url, timeout=30) as http:
            run_id = http.post("/api/runs", json=LONG).json()["id"]
        with connect(first.ws_url(f"/api/runs/{run_id}/events"), max_size=None, open_timeout=10) as ws:
            while not _kill_moment(moment, seen):
                try:
                    seen.append(json.loads(ws.recv(timeout=30)))
                except ConnectionClosed as exc:
                    pytest.fail(
                        f"the stream closed ({exc}) before the kill; seen: {seen[-3:]}\n{first.log_text()[-3000:]}"
                    )
            first.kill()  # SIGKILL the moment the client has seen it: whatever it saw must survive
    finally:
        first.kill()
    assert seen and seen[-1]["run_id"] == run_id
    last_seen = seen[-1]["seq"]

    with ServerProcess(home, env=env) as second, httpx.Client(base_url=second.base_url, timeout=30) as http:
        history = http.get(f"/api/runs/{run_id}/events").json()
        assert [e["seq"] for e in history] == list(range(1, len(history) + 1))  # no gap, no reuse
        by_seq = {e["seq"]: e for e in history}
        for event in seen:
            assert by_seq.get(event["seq"]) == event, f"event {event['seq']} seen by the client was lost or changed"
        final = history[-1]
        assert final["type"] == "status" and final["status"] == "interrupted"
        assert final["seq"] > last_seen  # the restart's status takes a number no client has seen
        assert wait_for_status(http, run_id, {"interrupted"})["last_seq"] == final["seq"]

        events, code = _replay(second, run_id, after=last_seen)
        assert events == history[last_seen:] and code == 1000
        # A client resuming at or past the end (however it got there) still learns the run ended.
        for after in (final["seq"], final["seq"] + 100, 10**30):
            events, code = _replay(second, run_id, after=after)
            assert [(e["seq"], e["status"]) for e in events] == [(final["seq"], "interrupted")] and code == 1000
