"""A run through the server (worker process, pipe, database, websocket) vs run_job called directly (target ≥ 0.95×).

Both are timed the same way: from the `running` status event to the final status event
(times stamped by the training process), over alternating rounds of the same request (9 by
default: with 5, the ratio swung between 0.87 and 1.02 on this 2-core machine); the ratio
is of the medians, and the median of the per-round ratios is printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from layerlab.api.testing import ServerProcess, run_body
from layerlab.settings import Settings
from layerlab.training.events import Event, StatusEvent
from layerlab.training.job import run_job
from layerlab.training.request import RunRequest

ROUNDS = 9
TARGET = 0.95
BODY = run_body(epochs=8, n=20_000, batch_size=32)


def _span(events: list[dict[str, Any]]) -> float:
    if not any(e["type"] == "status" and e["status"] == "running" for e in events):
        raise RuntimeError(f"the run never ran: {[e for e in events if e['type'] == 'status']}")
    running = next(e["time"] for e in events if e["type"] == "status" and e["status"] == "running")
    assert events[-1]["status"] == "completed", events[-1]
    return float(events[-1]["time"] - running)


def direct(home: Path) -> float:
    events: list[Event] = []
    settings = Settings(home=home, device="cpu", allow_download=False)
    run_job(RunRequest.model_validate(BODY), run_id="direct", emit=events.append, settings=settings)
    assert isinstance(events[-1], StatusEvent)
    return _span([e.model_dump() for e in events])


def through_server(client: httpx.Client) -> float:
    run_id = client.post("/api/runs", json=BODY).json()["id"]
    while client.get(f"/api/runs/{run_id}").json()["status"] not in ("completed", "failed", "stopped"):
        time.sleep(0.5)
    return _span(client.get(f"/api/runs/{run_id}/events").json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"alternating rounds (default {ROUNDS})")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        direct(home)  # warm up this process like a warm worker
        with (
            ServerProcess(home, env={"LAYERLAB_MAX_CONCURRENT_RUNS": "1"}) as server,
            httpx.Client(base_url=server.base_url, timeout=60) as client,
        ):
            served, plain = [], []
            for round_ in range(1, rounds + 1):
                served.append(through_server(client))
                plain.append(direct(home))
                print(f"round {round_}: server {served[-1]:.2f} s, direct {plain[-1]:.2f} s", flush=True)
    ratio = statistics.median(plain) / statistics.median(served)
    per_round = statistics.median(p / s for p, s in zip(plain, served, strict=True))
    print(
        f"direct run_job {statistics.median(plain):.2f} s, through the server {statistics.median(served):.2f} s "
        f"(medians of {rounds}); ratio {ratio:.3f}; median of the per-round ratios {per_round:.3f}"
    )
    print("PASS" if ratio >= TARGET else "MISS", f"(target >= {TARGET})")


if __name__ == "__main__":
    main()
