"""Torch threads per run: epoch time of the templates with 1 vs 2 (or N) threads, and the engine's choice.

A tiny MLP gains nothing from a second thread and loses most to contention (with the page, or
another run); a convolution net gains. ``layerlab.runs.threads.threads_for`` picks the count per
run from the graph's FLOPs per step (docs/architecture.md). This times each template's training
(``run_job``, events serialised as the server does) with every thread count, alternating, and
prints the medians and what ``threads_for`` picks. MNIST and CIFAR-10 run on generated data of
their shape (a temporary ``LAYERLAB_DATA_DIR``), cut short with ``max_steps``::

    python bench/worker_threads.py [--reps 3] [--threads 1 2] [--templates spiral_mlp mnist_mlp cifar10_cnn]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from layerlab.runs.threads import flops_per_step, threads_for
from layerlab.settings import Settings
from layerlab.templates import get_template
from layerlab.training.events import Event
from layerlab.training.job import RunRequest, run_job

#: Training steps timed per template (the data sets are generated, so accuracy means nothing).
MAX_STEPS = {"spiral_mlp": None, "digits_mlp": None, "mnist_mlp": 600, "cifar10_cnn": 120}
EPOCHS = {"spiral_mlp": 60, "digits_mlp": 10, "mnist_mlp": 1, "cifar10_cnn": 1}


def write_data(folder: Path) -> None:
    """MNIST (IDX, gzip) and CIFAR-10 (binary batches) folders of random images."""
    rng = np.random.default_rng(0)
    mnist = folder / "mnist"
    mnist.mkdir(parents=True)
    for prefix, n in (("train", 20_000), ("t10k", 2_000)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
            (mnist / f"{prefix}-{kind}.gz").write_bytes(gzip.compress(header + array.tobytes(), mtime=0))
    cifar = folder / "cifar-10"
    cifar.mkdir(parents=True)
    for name, n in (("data_batch_1", 5_000), ("test_batch", 1_000)):
        records = np.empty((n, 3073), dtype=np.uint8)
        records[:, 0] = np.arange(n) % 10
        records[:, 1:] = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        (cifar / f"{name}.bin").write_bytes(records.tobytes())


def request_for(template: str) -> RunRequest:
    t = get_template(template)
    assert t is not None, template
    training = t.training.model_copy(update={"epochs": EPOCHS[template], "max_steps": MAX_STEPS[template], "seed": 0})
    return RunRequest(graph=t.graph, dataset=t.dataset, training=training)


def time_run(request: RunRequest, settings: Settings, threads: int) -> float:
    """Seconds from the first step event to the final status (as the page bench measures)."""
    torch.set_num_threads(threads)
    times: list[tuple[str, float]] = []

    def emit(event: Event) -> None:
        event.model_dump_json()  # what the worker does with every event
        times.append((event.type, time.perf_counter()))

    state = run_job(request, run_id="bench", emit=emit, settings=settings)
    assert state == "completed", state
    first = next(t for kind, t in times if kind == "step")
    return times[-1][1] - first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--templates", nargs="+", default=["spiral_mlp", "mnist_mlp", "cifar10_cnn"], choices=sorted(EPOCHS)
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_data(Path(tmp))
        settings = Settings(home=Path(tmp) / "home", data_dir=Path(tmp), allow_download=False, device="cpu")
        pool = max(args.threads)
        for template in args.templates:
            request = request_for(template)
            time_run(request, settings, pool)  # warm-up
            results: dict[int, list[float]] = {n: [] for n in args.threads}
            for _ in range(args.reps):
                for n in args.threads:
                    results[n].append(time_run(request, settings, n))
            flops = flops_per_step(request, settings)
            pick = threads_for(request, settings, pool)
            medians = {n: statistics.median(v) for n, v in results.items()}
            print(f"{template}: {flops or 0:,.0f} FLOPs/step; threads_for → {pick}")
            for n, v in results.items():
                print(f"  {n} thread(s): {', '.join(f'{x:.2f}' for x in v)} s (median {medians[n]:.2f})")
            base = medians[args.threads[0]]
            for n in args.threads[1:]:
                print(f"  {n} vs {args.threads[0]}: {medians[n] / base:.2f}× the time")


if __name__ == "__main__":
    main()
