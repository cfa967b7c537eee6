"""Forecasting quality of the sequence templates, over several seeds.

Targets (``docs/recipes.md``): the ``sine_lstm`` template reaches a test R² ≥ 0.95; the
``sunspots_gru`` template's test MAE is below the naive forecast's (repeat the last value). Each
template runs through ``run_job`` — the worker's path: plan, data, compile, recipe, fit, test
evaluation — with its own settings and a different seed per run.

    python bench/sequences.py [--seeds 0 1 2] [--json]

Prints one row per run, then PASS/MISS per template. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from layerlab.settings import Settings
from layerlab.templates import get_template
from layerlab.training.events import Event
from layerlab.training.job import run_job
from layerlab.training.request import RunRequest


def _test_metrics(name: str, seed: int, settings: Settings) -> dict[str, Any]:
    template = get_template(name)
    assert template is not None
    training = template.training.model_copy(update={"seed": seed, "telemetry": False})
    request = RunRequest(graph=template.graph, dataset=template.dataset, training=training)
    events: list[Event] = []
    start = time.perf_counter()
    state = run_job(request, run_id=f"{name}-{seed}", emit=events.append, settings=settings)
    seconds = time.perf_counter() - start
    final = [e for e in events if e.type == "evaluation"]
    if not final:
        raise SystemExit(f"{name} seed {seed} ended {state}: {events[-1].model_dump()}")
    metrics = dict(final[-1].model_dump()["metrics"])
    return {"template": name, "seed": seed, "seconds": round(seconds, 1), **metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), device="cpu", allow_download=False)
        rows = [_test_metrics(n, s, settings) for n in ("sine_lstm", "sunspots_gru") for s in args.seeds]
    if args.json:
        print(json.dumps(rows, indent=2))
    for row in rows:
        print(
            f"{row['template']:14s} seed {row['seed']}: R² {row['r2']:.3f}  MAE {row['mae']:.3f}  "
            f"naive MAE {row['naive_mae']:.3f}  ({row['seconds']} s)"
        )
    sine = [r for r in rows if r["template"] == "sine_lstm"]
    spots = [r for r in rows if r["template"] == "sunspots_gru"]
    print(
        f"sine_lstm: min test R² {min(r['r2'] for r in sine):.3f} (target ≥ 0.95): "
        f"{'PASS' if all(r['r2'] >= 0.95 for r in sine) else 'MISS'}"
    )
    print(
        f"sunspots_gru: model MAE below naive on {sum(r['mae'] < r['naive_mae'] for r in spots)}/{len(spots)} "
        f"seeds: {'PASS' if all(r['mae'] < r['naive_mae'] for r in spots) else 'MISS'}"
    )


if __name__ == "__main__":
    main()
