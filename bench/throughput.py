"""Training throughput: LayerLab's engine (with live event streaming and telemetry) vs a hand-written PyTorch loop.

``docs/contract.md`` §5.2: the training loop with live streaming runs at ≥ 95 % of the throughput of a
minimal hand-written PyTorch loop on the same model, data and device.

The model is the seed MNIST MLP (Flatten → Dense 128 relu → Dropout 0.2 → Dense 10
softmax), batch 32, Adam 1e-3, one epoch over 60,000 images (real MNIST when
``LAYERLAB_DATA_DIR`` or a ``shared/datasets`` folder beside the repository has it, else synthetic 28×28 images):

  (a) engine:  the graph JSON compiled by ``layerlab.graph.compile_graph`` and trained by
               ``layerlab.training.engine.fit`` with an ``EventEmitter`` carrying the run's real
               producers at their defaults (``build_producers``: decision boundary, diagnostics,
               weights file, the inside-of-the-network telemetry), whose events are serialized
               to JSON as the server does, and a ``RunControl`` polled each batch;
  (b) manual:  an identical ``nn.Sequential`` and loop (seeded randperm + index slicing).

``--model cifar`` trains the seed CIFAR CNN template (``templates/cifar10_cnn.json``) on generated
CIFAR-shaped data (3×32×32) instead, the manual loop on a fresh compile of the same graph (it runs
its layers in a chain, as ``nn.Sequential`` does). Each engine run also prints the telemetry's own
share of the training time (the producer's measured time / the run's wall time, as the producer
measures itself by the wall clock even with ``--cpu-time``) and the bytes per second of bulky
events (what one watching client receives at most).

Runs alternate a/b (after one warm-up of each), so drift hits both; prints each run,
the medians (samples/s) and the ratio a/b, then PASS/MISS against 0.95. Always exits 0.
On a shared, busy machine use more, shorter reps (``--reps 15 --samples 20000``) and
``--threads 1 --cpu-time``; the per-pair ratio is printed too.

    python bench/throughput.py [--model mnist|cifar] [--reps 9] [--quick] [--threads N] [--no-telemetry]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
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
from layerlab.training.events import BULKY_EVENT_TYPES, Event
from layerlab.training.producers import build_producers
from layerlab.training.request import RunRequest
from layerlab.training.telemetry import InsideProducer

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


def load_cifar_shaped(n: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """(n, 3, 32, 32) generated images in [0, 1] with (n,) labels (one blurred prototype per class plus noise)."""
    generator = torch.Generator().manual_seed(0)
    prototypes = torch.nn.functional.avg_pool2d(torch.rand(10, 3, 32, 32, generator=generator), 5, 1, 2)
    y = torch.randint(0, 10, (n,), generator=generator)
    x = (prototypes[y] + 0.3 * torch.rand(n, 3, 32, 32, generator=generator)).clamp(0, 1)
    return x.contiguous(), y, "generated CIFAR-shaped images"


def cifar_graph() -> dict[str, object]:
    from layerlab.templates.loader import get_template

    template = get_template("cifar10_cnn")
    assert template is not None
    graph: dict[str, object] = template.graph.model_dump(mode="json")
    return graph


class Model:
    """One benchmarked model: its graph JSON, per-sample input shape, data set name and data."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "cifar":
            self.graph, self.input_shape, self.dataset = cifar_graph(), (3, 32, 32), "cifar10"
            self.load = load_cifar_shaped
        else:
            self.graph, self.input_shape, self.dataset = GRAPH, (1, 28, 28), "mnist"
            self.load = load_images

    def engine_model(self) -> nn.Module:
        """The graph compiled by LayerLab."""
        from layerlab.graph import compile_graph

        return compile_graph(GraphSpec.model_validate(self.graph), self.input_shape)

    def manual_model(self) -> nn.Module:
        if self.name == "cifar":  # the same layers, run as a chain (the compiled module's forward is that loop)
            return self.engine_model()
        return manual_model()


def manual_model() -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))


#: The clock both loops are timed with: wall time, or this process's CPU time (``--cpu-time``), which a
#: busy shared machine disturbs far less (use it with ``--threads 1``).
CLOCK = time.perf_counter
#: training.telemetry of the engine runs (``--no-telemetry``: off).
TELEMETRY = True


class EngineResult:
    """samples/s of one engine run, the telemetry's share of its time and its bulky bytes per second."""

    def __init__(self, rate: float, telemetry_share: float, bulky_bytes_per_s: float, snapshots: int) -> None:
        self.rate, self.telemetry_share = rate, telemetry_share
        self.bulky_bytes_per_s, self.snapshots = bulky_bytes_per_s, snapshots


def run_engine(model: nn.Module, spec: Model, x: torch.Tensor, y: torch.Tensor, seed: int) -> EngineResult:
    """One epoch through ``fit`` with streaming and the run's producers on."""
    info = DatasetInfo(
        name=spec.dataset, title=spec.dataset, description="bench", task="classification", kind="image",
        input_shape=list(spec.input_shape), num_classes=10,
    )  # fmt: skip
    empty = Split(x[:0], y[:0])  # no validation split: the telemetry's monitor batch comes from train
    data = DatasetSplits(info=info, train=Split(x, y), val=empty, test=empty)
    config = TrainConfig(
        epochs=1,
        batch_size=BATCH_SIZE,
        optimizer="adam",
        learning_rate=1e-3,
        seed=seed,
        device="cpu",
        validation_split=0.0,
        telemetry=TELEMETRY,
    )
    lines: list[str] = []
    bulky = 0

    def emit(event: Event) -> None:  # what the server does with each event
        nonlocal bulky
        line = json.dumps(event.model_dump(mode="json"))
        lines.append(line)
        if event.type in BULKY_EVENT_TYPES:
            bulky += len(line)

    with tempfile.TemporaryDirectory() as home:
        defaults = Settings(home=Path(home))
        request = RunRequest.model_validate(
            {"graph": spec.graph, "dataset": spec.dataset, "training": config.model_dump()}
        )
        producers = build_producers(request, defaults, "bench")
        emitter = EventEmitter(
            "bench",
            emit,
            step_events_per_s=defaults.step_events_per_s,
            step_events_per_epoch=defaults.step_events_per_epoch,
            producers=producers,
        )
        started, wall_started = CLOCK(), time.perf_counter()
        fit(model, data, config, [emitter], control=RunControl(), device="cpu")
        elapsed, wall = CLOCK() - started, time.perf_counter() - wall_started
    assert any('"type": "step"' in line for line in lines)
    inside = [p for p in producers if isinstance(p, InsideProducer)]
    spent = sum(p.spent_s for p in inside)  # the producer times itself by the wall clock: so is its share
    return EngineResult(len(data.train) / elapsed, spent / wall, bulky / wall, sum(p.snapshots for p in inside))


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
    parser.add_argument("--model", choices=["mnist", "cifar"], default="mnist", help="the seed MNIST MLP or CIFAR CNN")
    parser.add_argument("--reps", type=int, default=9, help="timed runs of each (default 9)")
    parser.add_argument("--quick", action="store_true", help="3 reps on 20,000 images (CIFAR: 4,000)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for both (default: torch's)")
    parser.add_argument("--samples", type=int, default=None, help="images per epoch (default 60,000; CIFAR 10,000)")
    parser.add_argument("--cpu-time", action="store_true", help="time by process CPU time (for busy machines)")
    parser.add_argument(
        "--no-telemetry", action="store_true", help="training.telemetry off (what the other producers cost)"
    )
    args = parser.parse_args()
    global CLOCK, TELEMETRY
    TELEMETRY = not args.no_telemetry
    if args.cpu_time:
        CLOCK = time.process_time
    spec = Model(args.model)
    full = args.samples or (10_000 if args.model == "cifar" else 60_000)
    reps, samples = (3, 4_000 if args.model == "cifar" else 20_000) if args.quick else (args.reps, full)
    if args.threads:
        torch.set_num_threads(args.threads)

    x, y, source = spec.load(samples)
    print(
        f"model: {args.model}; data: {source}, {len(x)} samples; batch {BATCH_SIZE}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; timed by {'process CPU time' if args.cpu_time else 'wall time'}"
    )
    warm = min(len(x), 2_000 if args.model == "cifar" else 5_000)
    run_engine(spec.engine_model(), spec, x[:warm], y[:warm], seed=0)  # warm-up
    run_manual(spec.manual_model(), x[:warm], y[:warm], seed=0)
    engine_runs: list[EngineResult] = []
    manual_rates: list[float] = []
    for rep in range(reps):
        engine_runs.append(run_engine(spec.engine_model(), spec, x, y, seed=rep))
        manual_rates.append(run_manual(spec.manual_model(), x, y, seed=rep))
        last = engine_runs[-1]
        print(
            f"rep {rep + 1}: engine {last.rate:9.0f} samples/s   manual {manual_rates[-1]:9.0f} samples/s   "
            f"telemetry {last.telemetry_share * 100:.2f} % of the run ({last.snapshots} snapshots), "
            f"bulky events {last.bulky_bytes_per_s / 1000:.1f} KB/s"
        )
    engine_rates = [r.rate for r in engine_runs]
    engine, manual = statistics.median(engine_rates), statistics.median(manual_rates)
    ratio = engine / manual
    pair_ratio = statistics.median(a / b for a, b in zip(engine_rates, manual_rates, strict=True))
    share = statistics.median(r.telemetry_share for r in engine_runs)
    print(f"engine (compiled from graph JSON, streaming + producers on): {engine:.0f} samples/s (median of {reps})")
    print(f"manual PyTorch loop:                 {manual:.0f} samples/s (median of {reps})")
    print(f"telemetry's own share of the run: {share * 100:.2f} % (median; budget 5 %)")
    print(f"bulky events: {statistics.median(r.bulky_bytes_per_s for r in engine_runs) / 1000:.1f} KB/s (median)")
    print(f"median of the per-pair ratios: {pair_ratio:.3f} (less sensitive to a busy machine)")
    print(f"ratio engine/manual: {ratio:.3f}  target ≥ {TARGET}: {'PASS' if ratio >= TARGET else 'MISS'}")


if __name__ == "__main__":
    main()
