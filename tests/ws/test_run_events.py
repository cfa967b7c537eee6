"""WS /api/runs/{id}/events: a whole run gap-free, replay with after, concurrency, unknown runs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import connect

from layerlab.api.testing import ServerProcess, read_stream, run_body, wait_for_status
from layerlab.api.testing import stream_events as stream


def _assert_whole_run(events: list[dict[str, Any]], run_id: str) -> None:
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["run_id"] == run_id for e in events)
    assert events[0]["type"] == "status" and events[0]["status"] == "queued"
    assert events[-1]["type"] == "status" and events[-1]["status"] == "completed"
    types = {e["type"] for e in events}
    assert {"step", "epoch", "evaluation", "confusion_matrix"} <= types


def test_a_whole_run_streams_without_gaps_and_closes_1000(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body(epochs=3)).json()["id"]
    events, code = stream(server, run_id)
    _assert_whole_run(events, run_id)
    assert code == 1000
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1, 2, 3]


def test_reconnect_with_after_gets_the_rest_exactly_once(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body(epochs=3, n=1000)).json()["id"]
    first, _ = stream(server, run_id, limit=4)
    rest, code = stream(server, run_id, after=first[-1]["seq"])
    _assert_whole_run(first + rest, run_id)
    assert code == 1000
    again, _ = stream(server, run_id, after=0)
    assert again == first + rest


def test_finished_run_replays_and_closes(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body()).json()["id"]
    detail = wait_for_status(http, run_id, {"completed"})
    events, code = stream(server, run_id, after=2)
    assert [e["seq"] for e in events] == list(range(3, detail["last_seq"] + 1)) and code == 1000


def test_two_runs_at_once_each_stream_whole(server: ServerProcess, http: httpx.Client) -> None:
    ids = [http.post("/api/runs", json=run_body(epochs=2, n=1000)).json()["id"] for _ in range(2)]

    async def both() -> list[tuple[list[dict[str, Any]], int | None]]:
        urls = [server.ws_url(f"/api/runs/{run_id}/events") for run_id in ids]
        return await asyncio.gather(*(read_stream(url) for url in urls))

    results = asyncio.run(both())
    for run_id, (events, code) in zip(ids, results, strict=True):
        _assert_whole_run(events, run_id)
        assert code == 1000
    starts = [next(e["time"] for e in events if e.get("status") == "running") for events, _ in results]
    ends = [events[-1]["time"] for events, _ in results]
    assert max(starts) < min(ends), "the two runs should have overlapped (2 workers)"


def test_many_clients_on_one_run_all_get_everything(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body(epochs=3, n=1000)).json()["id"]

    async def many() -> list[tuple[list[dict[str, Any]], int | None]]:
        url = server.ws_url(f"/api/runs/{run_id}/events")
        return await asyncio.gather(*(read_stream(url) for _ in range(20)))

    results = asyncio.run(many())
    reference = results[0][0]
    _assert_whole_run(reference, run_id)
    assert all(events == reference and code == 1000 for events, code in results)


def test_batched_replay_sends_arrays_then_closes(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body(epochs=2)).json()["id"]
    detail = wait_for_status(http, run_id, {"completed"})

    async def read_raw() -> list[Any]:
        messages = []
        async with connect(server.ws_url(f"/api/runs/{run_id}/events?after=1&batch=true")) as ws:
            async for message in ws:
                messages.append(json.loads(message))
        return messages

    messages = asyncio.run(read_raw())
    assert all(isinstance(m, list) for m in messages)
    seqs = [e["seq"] for m in messages for e in m]
    assert seqs == list(range(2, detail["last_seq"] + 1))


def test_unknown_run_closes_4404(server: ServerProcess) -> None:
    events, code = stream(server, "doesnotexist")
    assert events == [] and code == 4404
