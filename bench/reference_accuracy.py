"""Reference accuracy: the two reference examples, trained as the shipped templates, must reach their accuracy.

``docs/contract.md`` §5.1: the MNIST MLP (Flatten → Dense 128 relu → Dropout 0.2 → Dense 10 softmax, Adam,
5 epochs) reaches ≈ 98 % test accuracy; the CIFAR-10 CNN (3 × Conv2D, 2 × MaxPool, Dense 64,
Dense 10 softmax, Adam, 10 epochs) ≈ 70 %. Both ship as templates (``mnist_mlp``,
``cifar10_cnn``) and must reach those accuracies when trained in LayerLab.

Each template is trained exactly as the server trains a run: its ``RunRequest`` goes through a
JSON round trip (as the runner hands it to a worker) into ``layerlab.training.job.run_job``, and
every event is serialized to JSON as the worker does. The data comes from ``LAYERLAB_DATA_DIR``
(default: a ``shared/datasets`` folder beside the repository, when present); nothing is downloaded
unless ``--allow-download`` is given. A template whose data set is unavailable is reported as
SKIPPED with the reason.

Prints, per template: epochs, wall time (the whole job: data loading, training, evaluation),
training samples/s, final test accuracy, the expected accuracy and PASS/MISS
(MNIST ≥ 97.5 %, CIFAR-10 ≥ 68 %). Exits 1 when a run fails, or misses at the template's own
number of epochs; 0 otherwise (an ``--epochs`` override only reports).

    python bench/reference_accuracy.py [--template mnist_mlp] [--epochs N] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from layerlab.datasets import get_dataset_info
from layerlab.errors import LayerLabError
from layerlab.settings import Settings
from layerlab.templates import get_template
from layerlab.training.events import EpochEvent, EvaluationEvent, Event, StatusEvent, StepEvent
from layerlab.training.job import run_job
from layerlab.training.request import RunRequest


@dataclass(frozen=True)
class Reference:
    """One reference example: its template, the accuracy expected of it and the bar to pass."""

    template: str
    expected: float
    threshold: float


REFERENCES = (
    Reference("mnist_mlp", expected=0.98, threshold=0.975),
    Reference("cifar10_cnn", expected=0.70, threshold=0.68),
)


@dataclass
class Outcome:
    """What one template's run gave."""

    template: str
    verdict: str  # PASS, MISS, SKIPPED, FAILED
    epochs: int = 0
    full_epochs: bool = True
    wall_s: float = 0.0
    samples_per_s: float | None = None
    accuracy: float | None = None
    expected: float = 0.0
    threshold: float = 0.0
    reason: str | None = None
    epoch_lines: list[str] = field(default_factory=list)


class Recorder:
    """The ``emit`` callback: serializes every event (as the worker does) and keeps what the report needs."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.final: StatusEvent | None = None
        self.running: StatusEvent | None = None
        self.epochs: list[EpochEvent] = []
        self.evaluation: EvaluationEvent | None = None
        self.step_rates: list[float] = []
        self.last_seq = 0
        self.gaps = 0

    def __call__(self, event: Event) -> None:
        event.model_dump_json()  # the worker frames every event as JSON; pay the same cost
        if event.seq != self.last_seq + 1:
            self.gaps += 1
        self.last_seq = event.seq
        if isinstance(event, StatusEvent):
            if event.status == "running" and self.running is None:
                self.running = event
            elif event.status in ("completed", "failed", "stopped", "interrupted"):
                self.final = event
        elif isinstance(event, StepEvent):
            self.step_rates.append(event.samples_per_s)
        elif isinstance(event, EpochEvent):
            self.epochs.append(event)
            val = event.val.get("accuracy")
            print(
                f"  epoch {event.epoch}: train loss {event.train.get('loss', float('nan')):.4f}"
                f" acc {_pct(event.train.get('accuracy'))}, val acc {_pct(val)},"
                f" {event.duration_s or 0.0:.1f} s (at {time.perf_counter() - self.started:.0f} s)",
                flush=True,
            )
        elif isinstance(event, EvaluationEvent):
            self.evaluation = event


def default_data_dir() -> Path | None:
    """``LAYERLAB_DATA_DIR``, else a ``shared/datasets`` folder beside the repository when it exists."""
    env = os.environ.get("LAYERLAB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    folder = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return folder if folder.is_dir() else None


def run_reference(reference: Reference, settings: Settings, epochs: int | None) -> Outcome:
    """Train one template through ``run_job`` and judge its test accuracy."""
    template = get_template(reference.template)
    outcome = Outcome(
        template=reference.template,
        verdict="SKIPPED",
        expected=reference.expected,
        threshold=reference.threshold,
    )
    if template is None:
        outcome.verdict = "FAILED"
        outcome.reason = f"no template called {reference.template!r}"
        return outcome
    try:
        info = get_dataset_info(template.dataset.name, settings)
    except LayerLabError as exc:
        outcome.reason = exc.message
        return outcome
    if not info.available:
        outcome.reason = info.reason or f"{info.name} is not available"
        return outcome

    training = template.training
    if epochs is not None:
        training = training.model_copy(update={"epochs": epochs})
    outcome.epochs = training.epochs
    outcome.full_epochs = training.epochs == template.training.epochs
    request = RunRequest(graph=template.graph, dataset=template.dataset, training=training, name=template.title)
    request = RunRequest.model_validate_json(request.model_dump_json())  # as the runner hands it to a worker

    print(f"{template.name}: {info.name}, {training.epochs} epochs, batch {training.batch_size}", flush=True)
    recorder = Recorder()
    started = time.perf_counter()
    run_job(request, run_id=f"bench-{template.name}", emit=recorder, settings=settings)
    outcome.wall_s = time.perf_counter() - started

    final = recorder.final
    if final is None or final.status != "completed":
        outcome.verdict = "FAILED"
        outcome.reason = (
            "no final status" if final is None else f"{final.status}: {final.code}: {final.message} {final.hint or ''}"
        )
        return outcome
    if recorder.gaps:
        outcome.reason = f"{recorder.gaps} gap(s) in seq"
    train_s = sum(e.duration_s or 0.0 for e in recorder.epochs)
    per_epoch = info.sizes.get("train")
    if per_epoch is None and recorder.running is not None and recorder.running.steps_per_epoch:
        per_epoch = recorder.running.steps_per_epoch * training.batch_size
    if per_epoch and train_s > 0:
        outcome.samples_per_s = per_epoch * len(recorder.epochs) / train_s
    elif recorder.step_rates:
        outcome.samples_per_s = statistics.median(recorder.step_rates)
    accuracy = recorder.evaluation.metrics.get("accuracy") if recorder.evaluation is not None else None
    if not isinstance(accuracy, float):
        outcome.verdict = "FAILED"
        outcome.reason = "no test accuracy in the evaluation event"
        return outcome
    outcome.accuracy = accuracy
    outcome.verdict = "PASS" if accuracy >= reference.threshold else "MISS"
    return outcome


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--template", choices=[r.template for r in REFERENCES], help="only this template")
    parser.add_argument("--epochs", type=int, help="override the template's epochs (a quick look; never fails)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--allow-download", action="store_true", help="download data sets not found locally")
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)

    data_dir = default_data_dir()
    settings = Settings(data_dir=data_dir, allow_download=args.allow_download and data_dir is None)
    source = data_dir if data_dir is not None else ("downloads" if settings.allow_download else "none (no folder)")
    print(
        f"data: {source}; torch {torch.__version__}, {torch.get_num_threads()} threads, device setting {settings.device}",
        flush=True,
    )

    outcomes = [
        run_reference(reference, settings, args.epochs)
        for reference in REFERENCES
        if args.template in (None, reference.template)
    ]

    print()
    header = f"{'template':<12} {'epochs':>6} {'wall s':>8} {'samples/s':>10} {'test acc':>9} {'expected':>9} {'pass at':>8}  result"
    print(header)
    print("-" * len(header))
    for o in outcomes:
        rate = f"{o.samples_per_s:,.0f}" if o.samples_per_s is not None else "-"
        wall = f"{o.wall_s:.1f}" if o.wall_s else "-"
        epochs = str(o.epochs) if o.epochs else "-"
        verdict = (
            o.verdict if o.full_epochs or o.verdict not in ("PASS", "MISS") else f"{o.verdict} (epochs overridden)"
        )
        print(
            f"{o.template:<12} {epochs:>6} {wall:>8} {rate:>10} {_pct(o.accuracy):>9}"
            f" {_pct(o.expected):>9} {_pct(o.threshold):>8}  {verdict}"
        )
        if o.reason:
            print(f"{'':<12} {o.reason}")
    failed = any(o.verdict == "FAILED" or (o.verdict == "MISS" and o.full_epochs) for o in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
