"""30 concurrent small runs queued on one machine: all complete; p95 of GET /api/runs during the load ≤ 200 ms."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from layerlab.api.testing import ServerProcess, run_body

RUNS = 30
TARGET_P95_MS = 200.0


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp) / "home") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            started = time.perf_counter()
            ids = []
            for i in range(RUNS):
                response = await client.post(
                    "/api/runs", json=run_body(epochs=3, n=1000), headers={"X-Client-Id": f"student-{i}"}
                )
                assert response.status_code == 201, response.text
                ids.append(response.json()["id"])
            latencies = []
            statuses: dict[str, str] = {}
            while time.perf_counter() - started < 600:
                t0 = time.perf_counter()
                runs = (await client.get("/api/runs")).json()
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses = {run["id"]: run["status"] for run in runs if run["id"] in ids}
                if all(status in ("completed", "failed", "stopped") for status in statuses.values()):
                    break
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
    completed = sum(1 for status in statuses.values() if status == "completed")
    latencies.sort()
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(
        f"{completed}/{RUNS} runs completed in {elapsed:.1f} s; GET /api/runs p50 {latencies[len(latencies) // 2]:.1f} ms, "
        f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms over {len(latencies)} requests"
    )
    print(
        "PASS" if completed == RUNS and p95 <= TARGET_P95_MS else "MISS",
        f"(targets: all complete, p95 <= {TARGET_P95_MS:.0f} ms)",
    )


if __name__ == "__main__":
    asyncio.run(main())
