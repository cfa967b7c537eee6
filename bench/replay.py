"""Replaying a run of 100k events: GET /api/runs/{id}/events and the websocket (target < 1 s)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from layerlab.api.testing import ServerProcess
from layerlab.storage.store import EventRecord, RunRow, RunStore

EVENTS = 100_000
TARGET_S = 1.0
STEP = '{"seq":%d,"run_id":"bench","time":0.0,"type":"step","epoch":1,"step":%d,"loss":0.5,"learning_rate":0.001,"samples_per_s":1000.0,"steps_per_epoch":null}'
FINAL = '{"seq":%d,"run_id":"bench","time":0.0,"type":"status","status":"completed"}'


def seed(home: Path) -> None:
    store = RunStore.open(f"sqlite:///{home / 'layerlab.db'}")
    store.create_run(
        RunRow(
            id="bench", status="completed", dataset="circle", request_json="{}", created_at=time.time(), last_seq=EVENTS
        )
    )
    records = [EventRecord("bench", i, "step", STEP % (i, i)) for i in range(1, EVENTS)]
    records.append(EventRecord("bench", EVENTS, "status", FINAL % EVENTS))
    store.write_batch(records, {})
    store.close()


async def over_websocket(server: ServerProcess, batch: bool) -> tuple[float, int]:
    """Seconds until the websocket closed after the whole replay, and how many events came."""
    started = time.perf_counter()
    count = 0
    url = server.ws_url(f"/api/runs/bench/events?batch={str(batch).lower()}")
    async with connect(url, max_size=None) as ws:
        async for message in ws:
            text = message if isinstance(message, str) else message.decode()
            count += text.count('"seq"') if batch else 1
    return time.perf_counter() - started, count


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        seed(home)
        with ServerProcess(home) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
            client.get("/api/runs/bench/events", params={"limit": 10})  # warm the connection
            started = time.perf_counter()
            response = client.get("/api/runs/bench/events", params={"limit": EVENTS})
            http_s = time.perf_counter() - started
            started = time.perf_counter()
            events = response.json()
            parse_s = time.perf_counter() - started
            batched_s, batched = asyncio.run(over_websocket(server, batch=True))
            single_s, single = asyncio.run(over_websocket(server, batch=False))
    assert len(events) == EVENTS and batched == EVENTS and single == EVENTS
    print(f"replay of {EVENTS} events ({len(response.content) / 1e6:.1f} MB):")
    print(f"  HTTP GET {http_s:.2f} s (+ {parse_s:.2f} s Python json.loads in this client)")
    print(f"  websocket batch=true {batched_s:.2f} s; one message per event {single_s:.2f} s")
    ok = http_s < TARGET_S and batched_s < TARGET_S
    print("PASS" if ok else "MISS", f"(target < {TARGET_S:.0f} s for HTTP and the batched websocket replay)")


if __name__ == "__main__":
    main()
