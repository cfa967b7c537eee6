"""Does the page keep up, without slowing the run it shows? (targets: watched ≤ 1.5× unwatched, staleness ≤ 0.5 s, ≥ 30 fps).

Starts a real server on the built page (``frontend/dist`` unless ``--dist`` says otherwise) and
runs a template twice: once *unwatched* (posted over HTTP, a script waits on its websocket) and
once *watched* by the page in Chromium at 1280×720 (the template loaded and trained through the
page, as a user does). Reported per template:

- server-side duration, from the run's own event times: first ``step`` event → final status
  (the worker's clock; the page's drawing competes with the worker for the CPU);
- staleness: for each event a chart shows, the wall clock when the page first showed it (or a
  newer one of its kind) minus the event's ``time``. Measured two ways: from the charts' ``data-*``
  attributes (``data-points`` of the loss chart, ``data-epochs`` of the accuracy chart,
  ``data-epoch`` of the confusion matrix and the boundary; a MutationObserver notes when each
  changes; works on any build of the page), and, where the page has it, from
  ``window.__layerlab.draws`` (every view's draws with the newest ``seq`` it had);
- the page's frame rate while the run streams (``requestAnimationFrame`` callbacks counted) and
  its longest frame;
- with ``--profile``, the page's busiest functions (self time) from a CDP CPU profile.

The CIFAR-10 CNN runs on generated CIFAR-shaped data (random pixels, written to a temporary
``LAYERLAB_DATA_DIR``) and is kept short. Usage::

    python bench/page_keeps_up.py [--dist frontend/dist] [--templates spiral_mlp cifar10_cnn] [--reps 1] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from websockets.sync.client import connect

from layerlab.api.testing import ServerProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
DIST = REPO_ROOT / "frontend" / "dist"
CHROMIUM = os.environ.get("LAYERLAB_CHROMIUM", "/usr/bin/chromium")
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}
FINAL = {"completed", "failed", "stopped", "interrupted"}
TARGET_RATIO = 1.5
TARGET_STALENESS_S = 0.5
TARGET_FPS = 30.0
#: Short CIFAR runs: this many generated training records (one batch file), epochs as below.
CIFAR_RECORDS = 1500
EPOCHS = {"spiral_mlp": 60, "cifar10_cnn": 2}

#: Runs in the page before it loads: notes every frame and when each chart's data-* attribute changed.
PAGE_PROBE = """
(() => {
  const t = () => (performance.timeOrigin + performance.now()) / 1000;
  window.__bench = { frames: [], marks: [], received: [] };
  // When each event reached the page (its seq), to tell delivery from drawing.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (m) => {
        const now = t();
        const text = typeof m.data === 'string' ? m.data : '';
        for (const match of text.matchAll(/"seq":(\d+)/g)) window.__bench.received.push([Number(match[1]), now]);
      });
    }
  };
  const frame = () => { window.__bench.frames.push(t()); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  const watch = () => {
    const observer = new MutationObserver((records) => {
      const now = t();
      for (const r of records) {
        const el = r.target;
        const label = el.getAttribute && el.getAttribute('aria-label');
        if (!label) continue;
        window.__bench.marks.push([label, r.attributeName, el.getAttribute(r.attributeName), el.dataset.split || '', now]);
      }
    });
    observer.observe(document.documentElement, {
      subtree: true, attributes: true, attributeFilter: ['data-points', 'data-epochs', 'data-epoch'],
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
})();
"""


@dataclass
class Result:
    """One run: server-side duration and, when watched, what the page did."""

    run_id: str
    duration_s: float
    steps: int
    staleness: dict[str, list[float]] = field(default_factory=dict)
    hook_staleness: dict[str, list[float]] = field(default_factory=dict)
    fps: float | None = None
    longest_frame_ms: float | None = None
    draws: Counter[str] = field(default_factory=Counter)
    #: Per view: the draws' durations, ms.
    draw_ms: dict[str, list[float]] = field(default_factory=dict)
    #: Event time → arrival at the page (websocket message), seconds: p50 and max.
    delivery: tuple[float, float] | None = None
    profile: list[tuple[str, float]] = field(default_factory=list)


def write_fake_cifar(folder: Path, records: int) -> None:
    """CIFAR-10 binary batches of random pixels (label byte + 3072 pixel bytes per record)."""
    target = folder / "cifar-10"
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, n in (("data_batch_1", records), ("test_batch", max(200, records // 5))):
        data = np.empty((n, 3073), dtype=np.uint8)
        data[:, 0] = np.arange(n) % 10
        data[:, 1:] = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        (target / f"{name}.bin").write_bytes(data.tobytes())


def server_duration(events: list[dict[str, Any]]) -> tuple[float, int]:
    """First step event → final status, by the events' own times; and the number of steps."""
    steps = [e for e in events if e["type"] == "step"]
    final = [e for e in events if e["type"] == "status" and e["status"] in FINAL]
    if not steps or not final:
        raise RuntimeError(f"run did not train: {[e['type'] for e in events][-5:]}")
    if final[-1]["status"] != "completed":
        raise RuntimeError(f"run ended {final[-1]['status']}: {final[-1].get('message')}")
    return final[-1]["time"] - steps[0]["time"], max(e["step"] for e in steps)


def run_body(client: httpx.Client, template: str) -> dict[str, Any]:
    t = client.get(f"/api/templates/{template}").json()
    training = {**t["training"], "epochs": EPOCHS[template]}
    return {"graph": t["graph"], "dataset": t["dataset"], "training": training}


def _wait_final(url: str) -> None:
    with connect(url, max_size=None) as ws:
        for message in ws:
            event = json.loads(message)
            if event["type"] == "status" and event["status"] in FINAL:
                return


def unwatched(server: ServerProcess, template: str) -> Result:
    """Post the template's run, wait for its end on the websocket (reading every event)."""
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        run_id = client.post("/api/runs", json=run_body(client, template)).raise_for_status().json()["id"]
        _wait_final(server.ws_url(f"/api/runs/{run_id}/events"))
        events = client.get(f"/api/runs/{run_id}/events").json()
    duration, steps = server_duration(events)
    return Result(run_id, duration, steps)


def _first_at_least(marks: list[tuple[float, float]], value: float) -> float | None:
    """The first time a mark with a value ≥ ``value`` was seen (marks in time order)."""
    for v, t in marks:
        if v >= value:
            return t
    return None


def attribute_staleness(events: list[dict[str, Any]], marks: list[list[Any]]) -> dict[str, list[float]]:
    """Per chart: for each event it draws, when the page first showed it or a newer one, minus its time."""
    by_chart: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for label, attribute, value, split, at in marks:
        if value in (None, ""):
            continue
        if label == "Loss chart" and attribute == "data-points":
            by_chart["loss"].append((float(value), at))
        elif label == "Accuracy chart" and attribute == "data-epochs":
            by_chart["accuracy"].append((float(value), at))
        elif label == "Decision boundary" and attribute == "data-epoch":
            by_chart["boundary"].append((float(value), at))
        elif label == "Confusion matrix" and attribute == "data-epoch" and split == "val":
            by_chart["confusion"].append((float(value), at))
    out: dict[str, list[float]] = defaultdict(list)
    steps = [e for e in events if e["type"] == "step"]
    for i, e in enumerate(steps, start=1):
        if (t := _first_at_least(by_chart["loss"], i)) is not None:
            out["loss"].append(t - e["time"])
    epochs = [e for e in events if e["type"] == "epoch"]
    for i, e in enumerate(epochs, start=1):
        if (t := _first_at_least(by_chart["accuracy"], i)) is not None:
            out["accuracy"].append(t - e["time"])
    for chart, kind in (("boundary", "decision_boundary"), ("confusion", "confusion_matrix")):
        for e in events:
            if e["type"] != kind or e.get("epoch") is None or (kind == "confusion_matrix" and e.get("split") != "val"):
                continue
            if (t := _first_at_least(by_chart[chart], e["epoch"])) is not None:
                out[chart].append(t - e["time"])
    return dict(out)


#: The event types each view of the page draws (for the draw-hook staleness).
#: The event types each view draws (a view is late only for the events it shows: a node card
#: does not redraw for a confusion matrix). Views not named here: every non-training event.
VIEW_TYPES = {
    "loss": {"step", "epoch"},
    "accuracy": {"epoch"},
    "confusion": {"confusion_matrix"},
    "boundary": {"decision_boundary"},
    "node-sparkline": {"activations"},
    "node-tiles": {"activations"},
}


def hook_staleness(events: list[dict[str, Any]], draws: list[dict[str, Any]], run_id: str) -> dict[str, list[float]]:
    """Per view: for each event of its types, the first draw that had it (seq ≥ its seq) minus its time."""
    out: dict[str, list[float]] = {}
    by_view: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for d in draws:
        if d["runId"] == run_id:
            by_view[d["view"]].append((d["seq"], d["drawnAt"]))
    for view, marks in by_view.items():
        types = VIEW_TYPES.get(view)
        values = []
        for e in events:
            if types is not None and e["type"] not in types:
                continue
            if types is None and e["type"] in {"status", "step", "epoch", "evaluation"}:
                continue  # views of the inside of the network: their own event types
            if (t := _first_at_least(marks, e["seq"])) is not None:
                values.append(t - e["time"])
        if values:
            out[view] = values
    return out


def top_functions(profile: dict[str, Any], count: int = 12) -> list[tuple[str, float]]:
    """The busiest functions of a CDP CPU profile by self time (ms)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_ms: Counter[str] = Counter()
    deltas = profile.get("timeDeltas", [])
    for sample, delta in zip(profile.get("samples", []), deltas, strict=False):
        frame = nodes[sample]["callFrame"]
        url = frame.get("url", "").rsplit("/", 1)[-1]
        name = (
            f"{frame.get('functionName') or '(anonymous)'} {url}:{frame.get('lineNumber', 0)}"
            if url
            else frame["functionName"]
        )
        self_ms[name] += delta / 1000
    return self_ms.most_common(count)


def watched(server: ServerProcess, browser: Browser, template: str, profile: bool, layout: str) -> Result:
    """Load the template in the page, train it there, and watch it to the end.

    ``layout``: ``strip`` (the page as it opens: at 1280 px the chart strip shows loss and
    accuracy) or ``expanded`` (the dashboard over the whole page: every view in sight).
    """
    context = browser.new_context(viewport=VIEWPORT)
    page: Page = context.new_page()
    page.add_init_script(PAGE_PROBE)
    expanded = "1" if layout == "expanded" else "0"
    page.add_init_script(f"window.localStorage.setItem('layerlab.dashboardExpanded', '{expanded}')")
    page.goto(server.url("/"))
    train = page.get_by_role("button", name="Train", exact=True)
    train.wait_for(timeout=30_000)
    page.get_by_role("button", name="Templates").click()
    title = {"spiral_mlp": "Spiral", "cifar10_cnn": "CIFAR"}[template]
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(f"^{title}", re.I)).click()
    page.get_by_label("Epochs").fill(str(EPOCHS[template]))
    page.wait_for_timeout(1500)  # plotly loaded, the page idle, as a user would be before pressing Train
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        before = {r["id"] for r in client.get("/api/runs").json()}
        cdp = context.new_cdp_session(page) if profile else None
        if cdp:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 500})
            cdp.send("Profiler.start")
        page.evaluate("() => { window.__bench.frames.length = 0 }")
        train.click()
        # The test results show once the selected run has ended (other runs in the list say "Completed" too).
        page.get_by_role("region", name="Test results").wait_for(timeout=300_000)
        page.wait_for_timeout(1000)  # the last draws (heavy views draw at most every few hundred ms)
        prof = cdp.send("Profiler.stop")["profile"] if cdp else None
        runs = [r for r in client.get("/api/runs").json() if r["id"] not in before]
        run_id = runs[0]["id"]
        events = client.get(f"/api/runs/{run_id}/events").json()
    bench = page.evaluate("() => window.__bench")
    debug = page.evaluate("() => window.__layerlab ? window.__layerlab.draws : null")
    context.close()
    duration, steps = server_duration(events)
    first = next(e["time"] for e in events if e["type"] == "step")
    end = next(e["time"] for e in reversed(events) if e["type"] == "status")
    frames = [f for f in bench["frames"] if first <= f <= end]
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    result = Result(run_id, duration, steps)
    result.fps = (len(frames) - 1) / (frames[-1] - frames[0]) if len(frames) > 2 else 0.0
    result.longest_frame_ms = max(gaps) * 1000 if gaps else None
    result.staleness = attribute_staleness(events, bench["marks"])
    times = {e["seq"]: e["time"] for e in events}
    lags = [at - times[seq] for seq, at in bench["received"] if seq in times]
    if lags:
        result.delivery = (statistics.median(lags), max(lags))
    if debug is not None:
        result.hook_staleness = hook_staleness(events, debug, run_id)
        result.draws = Counter(d["view"] for d in debug if d["runId"] == run_id)
        for d in debug:
            if d["runId"] == run_id:
                result.draw_ms.setdefault(d["view"], []).append(d["ms"])
    if prof:
        result.profile = top_functions(prof)
    return result


def _stale_line(values: dict[str, list[float]]) -> str:
    parts = []
    for chart, v in sorted(values.items()):
        parts.append(f"{chart} p50 {statistics.median(v):.3f} max {max(v):.3f} s (n={len(v)})")
    return "; ".join(parts) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=DIST, help=f"the built page (default {DIST})")
    parser.add_argument("--templates", nargs="+", default=["spiral_mlp", "cifar10_cnn"], choices=sorted(EPOCHS))
    parser.add_argument("--reps", type=int, default=1, help="runs of each kind per template")
    parser.add_argument("--layouts", nargs="+", default=["strip", "expanded"], choices=["strip", "expanded"])
    parser.add_argument("--profile", action="store_true", help="print the page's busiest functions while watched")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    dist = args.dist.resolve()
    if not (dist / "index.html").is_file():
        raise SystemExit(f"no built page at {dist} (cd frontend && npm ci && npm run build)")
    summary: dict[str, Any] = {}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_fake_cifar(data, CIFAR_RECORDS)
        env = {"LAYERLAB_STATIC_DIR": str(dist), "LAYERLAB_DATA_DIR": str(data), "LAYERLAB_MAX_CONCURRENT_RUNS": "1"}
        with ServerProcess(Path(tmp) / "home", env=env) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            print(f"page: {dist}")
            for template in args.templates:
                plain = [unwatched(server, template) for _ in range(args.reps)]
                base = statistics.median(r.duration_s for r in plain)
                print(f"\n{template} ({EPOCHS[template]} epochs, {plain[0].steps} steps)")
                print(f"  unwatched: {', '.join(f'{r.duration_s:.2f}' for r in plain)} s")
                summary[template] = {"unwatched_s": [r.duration_s for r in plain]}
                for layout in args.layouts:
                    seen = [watched(server, browser, template, args.profile, layout) for _ in range(args.reps)]
                    ratio = statistics.median(r.duration_s for r in seen) / base
                    stale = [max(v) for r in seen for v in (r.hook_staleness or r.staleness).values()]
                    worst = max(stale) if stale else float("nan")
                    fps = min(r.fps or 0.0 for r in seen)
                    durations = ", ".join(f"{r.duration_s:.2f}" for r in seen)
                    print(f"  watched ({layout}): {durations} s  → ratio {ratio:.2f} (target ≤ {TARGET_RATIO})")
                    for r in seen:
                        print(f"    staleness (chart attributes): {_stale_line(r.staleness)}")
                        if r.delivery:
                            print(f"    delivery to the page: p50 {r.delivery[0]:.3f} max {r.delivery[1]:.3f} s")
                        if r.hook_staleness:
                            print(f"    staleness (draw hook):        {_stale_line(r.hook_staleness)}")
                            ms = ", ".join(
                                f"{v} {' '.join(f'{x:.0f}' for x in t)}" for v, t in sorted(r.draw_ms.items())
                            )
                            print(f"    draws (ms each): {ms}")
                        print(
                            f"    frame rate {r.fps:.1f} fps, longest frame {r.longest_frame_ms or 0:.0f} ms"
                            f" (target ≥ {TARGET_FPS} fps)"
                        )
                        for name, ms in r.profile:
                            print(f"      {ms:8.1f} ms  {name}")
                    good = ratio <= TARGET_RATIO and worst <= TARGET_STALENESS_S and fps >= TARGET_FPS
                    ok &= good
                    print(
                        f"    worst staleness {worst:.3f} s (target ≤ {TARGET_STALENESS_S}) → {'ok' if good else 'MISSED'}"
                    )
                    summary[template][layout] = {
                        "watched_s": [r.duration_s for r in seen],
                        "ratio": ratio,
                        "worst_staleness_s": worst,
                        "fps": [r.fps for r in seen],
                        "longest_frame_ms": [r.longest_frame_ms for r in seen],
                        "draws": [dict(r.draws) for r in seen],
                    }
            browser.close()
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(f"\n{'all targets met' if ok else 'some targets missed'} ({time.strftime('%H:%M:%S')})")


if __name__ == "__main__":
    main()
