"""One run watched by 200 websocket clients on loopback (targets: 0 scalar events lost, p95 latency ≤ 100 ms).

Latency is event creation (its `time`, stamped in the worker) → receipt at a client, over
the events created after every client was connected. "Lost" counts scalar (non-bulky)
events some client never received, compared with the run's recorded events.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from layerlab.api.testing import ServerProcess, run_body
from layerlab.training.events import BULKY_EVENT_TYPES

HEADER = re.compile(r'\{"seq":(?P<seq>\d+),"run_id":"[^"]*","time":(?P<time>[0-9.e+-]+),"type":"(?P<type>\w+)"')
CLIENTS = 200
TARGET_P95_MS = 100.0
TIME_LIMIT_S = 120.0


async def watch(
    url: str, ready: asyncio.Event, connected: list[int], client: str
) -> list[tuple[int, str, float, float]]:
    got: list[tuple[int, str, float, float]] = []
    # 200 people watching: each its own client (one address would hit the per-client websocket cap)
    async with connect(url, max_size=None, open_timeout=60, additional_headers={"X-Client-Id": client}) as ws:
        connected[0] += 1
        if connected[0] == CLIENTS:
            ready.set()
        async for message in ws:
            received = time.time()
            text = message if isinstance(message, str) else message.decode()
            # Only the header fields are needed: skip parsing bulky payloads (200 clients share one process).
            match = HEADER.match(text)
            assert match is not None, text[:200]
            got.append((int(match["seq"]), match["type"], float(match["time"]), received))
    return got


async def main() -> None:
    env = {"LAYERLAB_MAX_RUNS_PER_CLIENT": "10"}
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp) / "home", env=env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            run_id = (await client.post("/api/runs", json=run_body(epochs=20, n=4000, batch_size=8))).json()["id"]
            ready = asyncio.Event()
            connected = [0]
            url = server.ws_url(f"/api/runs/{run_id}/events")
            tasks = [asyncio.ensure_future(watch(url, ready, connected, f"watcher-{i}")) for i in range(CLIENTS)]
            await asyncio.wait_for(ready.wait(), 60)
            all_connected = time.time()
            results = await asyncio.wait_for(asyncio.gather(*tasks), TIME_LIMIT_S)
            recorded = (await client.get(f"/api/runs/{run_id}/events")).json()
    scalar = {e["seq"] for e in recorded if e["type"] not in BULKY_EVENT_TYPES}
    lost = sum(len(scalar - {seq for seq, _, _, _ in got}) for got in results)
    latencies = sorted(
        (received - created) * 1000 for got in results for _, _, created, received in got if created > all_connected
    )
    p95 = latencies[int(0.95 * len(latencies)) - 1] if latencies else float("nan")
    p50 = latencies[len(latencies) // 2] if latencies else float("nan")
    bulky_latencies = sorted(
        (received - created) * 1000
        for got in results
        for _, kind, created, received in got
        if created > all_connected and kind in BULKY_EVENT_TYPES
    )
    scalar_latencies = sorted(
        (received - created) * 1000
        for got in results
        for _, kind, created, received in got
        if created > all_connected and kind not in BULKY_EVENT_TYPES
    )
    sizes = {e["type"]: len(json.dumps(e)) for e in recorded}
    thinned = sum(len({e["seq"] for e in recorded} - {s for s, _, _, _ in got}) for got in results) - lost
    print(
        f"{CLIENTS} clients, {len(recorded)} events ({len(scalar)} scalar), {len(latencies)} live deliveries measured"
    )
    print(f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms; scalar events lost {lost}; bulky events thinned {thinned}")
    if scalar_latencies and bulky_latencies:
        print(
            f"scalar events p95 {scalar_latencies[int(0.95 * len(scalar_latencies)) - 1]:.1f} ms; "
            f"bulky events p95 {bulky_latencies[int(0.95 * len(bulky_latencies)) - 1]:.1f} ms; "
            f"largest event {max(sizes.values()) / 1000:.0f} kB ({max(sizes, key=lambda k: sizes[k])})"
        )
    print("PASS" if lost == 0 and p95 <= TARGET_P95_MS else "MISS", f"(targets: 0 lost, p95 <= {TARGET_P95_MS:.0f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
