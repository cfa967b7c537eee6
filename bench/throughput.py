"""Training throughput: LayerLab's engine (with live event streaming) vs a hand-written PyTorch loop.

``docs/contract.md`` §5.2: the training loop with live streaming runs at ≥ 95 % of the throughput of a
minimal hand-written PyTorch loop on the same model, data and device.

The model is the seed MNIST MLP (Flatten → Dense 128 relu → Dropout 0.2 → Dense 10
softmax), batch 32, Adam 1e-3, one epoch over 60,000 images (real MNIST when
``LAYERLAB_DATA_DIR`` or a ``shared/datasets`` folder beside the repository has it, else synthetic 28×28 images):

  (a) engine:  the graph JSON compiled by ``layerlab.graph.compile_graph`` and trained by
               ``layerlab.training.engine.fit`` with an ``EventEmitter`` whose events are
               serialized to JSON as the server does, and a ``RunControl`` polled each batch;
  (b) manual:  an identical ``nn.Sequential`` and loop (seeded randperm + index slicing).

Runs alternate a/b (after one warm-up of each), so drift hits both; prints each run,
the medians (samples/s) and the ratio a/b, then PASS/MISS against 0.95. Always exits 0.
On a shared, busy machine use more, shorter reps (``--reps 15 --samples 20000``) and
``--threads 1 --cpu-time``; the per-pair ratio is printed too.

    python bench/throughput.py [--reps 9] [--quick] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets.base import DatasetInfo, DatasetSplits, Split
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.training.callbacks import EventEmitter
from layerlab.training.config import TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.engine import fit
from layerlab.training.events import Event

TARGET = 0.95
BATCH_SIZE = 32
GRAPH = {
    "version": 1,
    "nodes": [
        {"id": "in", "type": "Input"},
        {"id": "f", "type": "Flatten"},
        {"id": "h", "type": "Dense", "params": {"units": 128, "activation": "relu"}},
        {"id": "d", "type": "Dropout", "params": {"rate": 0.2}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ],
    "edges": [
        {"source": "in", "target": "f"},
        {"source": "f", "target": "h"},
        {"source": "h", "target": "d"},
        {"source": "d", "target": "out"},
    ],
}


def load_images(n: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """(n, 1, 28, 28) float32 in [0, 1] and (n,) int64 labels: real MNIST if found, else synthetic."""
    folder = Path(os.environ.get("LAYERLAB_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "datasets")
    if (folder / "mnist").is_dir():
        try:
            from layerlab.datasets import load_dataset
            from layerlab.datasets.base import DatasetRef
            from layerlab.settings import Settings

            settings = Settings(data_dir=folder, allow_download=False, device="cpu")
            data = load_dataset(DatasetRef(name="mnist"), settings, seed=0)
            x = torch.cat([data.train.x, data.val.x])[:n]
            y = torch.cat([data.train.y, data.val.y])[:n]
            return x.contiguous(), y.contiguous(), f"real MNIST from {folder}"
        except Exception as exc:  # noqa: BLE001 - a benchmark falls back to synthetic data
            print(f"(could not load real MNIST: {exc}; using synthetic images)")
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 28, 28, generator=generator)
    y = torch.randint(0, 10, (n,), generator=generator)
    return x, y, "synthetic images"


def engine_model() -> nn.Module:
    """The graph compiled by LayerLab (or, before the compiler exists, an equivalent Sequential)."""
    from layerlab.graph import compile_graph

    return compile_graph(GraphSpec.model_validate(GRAPH), (1, 28, 28))


def manual_model() -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))


#: The clock both loops are timed with: wall time, or this process's CPU time (``--cpu-time``), which a
#: busy shared machine disturbs far less (use it with ``--threads 1``).
CLOCK = time.perf_counter


def run_engine(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> float:
    """One epoch through ``fit`` with streaming on; returns samples/s."""
    info = DatasetInfo(
        name="mnist", title="MNIST", description="bench", task="classification", kind="image",
        input_shape=[1, 28, 28], num_classes=10,
    )  # fmt: skip
    empty = Split(x[:0], y[:0])
    data = DatasetSplits(info=info, train=Split(x, y), val=empty, test=empty)
    config = TrainConfig(
        epochs=1,
        batch_size=BATCH_SIZE,
        optimizer="adam",
        learning_rate=1e-3,
        seed=seed,
        device="cpu",
        validation_split=0.0,
    )
    lines: list[str] = []

    def emit(event: Event) -> None:  # what the server does with each event
        lines.append(json.dumps(event.model_dump(mode="json")))

    defaults = Settings()
    emitter = EventEmitter(
        "bench",
        emit,
        step_events_per_s=defaults.step_events_per_s,
        step_events_per_epoch=defaults.step_events_per_epoch,
    )
    started = CLOCK()
    fit(model, data, config, [emitter], control=RunControl(), device="cpu")
    elapsed = CLOCK() - started
    assert any('"type": "step"' in line for line in lines)
    return len(x) / elapsed


def run_manual(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> float:
    """One epoch of the minimal loop; returns samples/s."""
    started = CLOCK()
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    n = len(x)
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, BATCH_SIZE):
        index = order[start : start + BATCH_SIZE]
        xb, yb = x[index], y[index]
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)  # = loss.backward() (typed)
        optimizer.step()
    float(loss.detach())  # the one read a real script does at the end
    return n / (CLOCK() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9, help="timed runs of each (default 9)")
    parser.add_argument("--quick", action="store_true", help="3 reps on 20,000 images")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for both (default: torch's)")
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--cpu-time", action="store_true", help="time by process CPU time (for busy machines)")
    args = parser.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time
    reps, samples = (3, 20_000) if args.quick else (args.reps, args.samples)
    if args.threads:
        torch.set_num_threads(args.threads)

    x, y, source = load_images(samples)
    print(
        f"data: {source}, {len(x)} samples; batch {BATCH_SIZE}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; timed by {'process CPU time' if args.cpu_time else 'wall time'}"
    )
    try:
        make_engine_model = engine_model
        make_engine_model()
        model_note = "compiled from graph JSON"
    except Exception as exc:  # noqa: BLE001 - until the graph compiler exists
        print(f"(compile_graph unavailable: {exc}; engine trains an equivalent nn.Sequential)")
        make_engine_model = manual_model
        model_note = "nn.Sequential (compiler unavailable)"

    run_engine(make_engine_model(), x[:5_000], y[:5_000], seed=0)  # warm-up
    run_manual(manual_model(), x[:5_000], y[:5_000], seed=0)
    engine_rates: list[float] = []
    manual_rates: list[float] = []
    for rep in range(reps):
        engine_rates.append(run_engine(make_engine_model(), x, y, seed=rep))
        manual_rates.append(run_manual(manual_model(), x, y, seed=rep))
        print(f"rep {rep + 1}: engine {engine_rates[-1]:9.0f} samples/s   manual {manual_rates[-1]:9.0f} samples/s")
    engine, manual = statistics.median(engine_rates), statistics.median(manual_rates)
    ratio = engine / manual
    pair_ratio = statistics.median(a / b for a, b in zip(engine_rates, manual_rates, strict=True))
    print(f"engine ({model_note}, streaming on): {engine:.0f} samples/s (median of {reps})")
    print(f"manual PyTorch loop:                 {manual:.0f} samples/s (median of {reps})")
    print(f"median of the per-pair ratios: {pair_ratio:.3f} (less sensitive to a busy machine)")
    print(f"ratio engine/manual: {ratio:.3f}  target ≥ {TARGET}: {'PASS' if ratio >= TARGET else 'MISS'}")


if __name__ == "__main__":
    main()
