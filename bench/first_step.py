"""POST /api/runs → first `step` event at a websocket client, on a warm server (target: median ≤ 300 ms).

Starts its own server (uvicorn subprocess, tmp home), runs a small MLP on circle 22 times
(2 warm-up), one at a time, and reports the median and p95 of the last 20.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from layerlab.api.testing import ServerProcess, run_body

TARGET_MS = 300.0
RUNS = 20


async def one_run(client: httpx.AsyncClient, server: ServerProcess) -> float:
    started = time.perf_counter()
    response = await client.post("/api/runs", json=run_body(epochs=1))
    run_id = response.json()["id"]
    first_step = None
    async with connect(server.ws_url(f"/api/runs/{run_id}/events")) as ws:
        async for message in ws:
            event = json.loads(message)
            if first_step is None and event["type"] == "step":
                first_step = time.perf_counter() - started
    assert first_step is not None, "no step event"
    return first_step * 1000


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp) / "home") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            times = [await one_run(client, server) for _ in range(RUNS + 2)][2:]
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * len(times)) - 1]
    print(f"first step: median {median:.1f} ms, p95 {p95:.1f} ms, min {min(times):.1f} ms over {RUNS} runs")
    print("PASS" if median <= TARGET_MS else "MISS", f"(target median <= {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
