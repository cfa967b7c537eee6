"""Character LSTM on Tiny Shakespeare: LayerLab's language-model run vs a hand-written PyTorch loop.

Targets (``docs/recipes.md``): with the same model, data and time budget, LayerLab trains at
≥ 0.95 of the bare loop's characters per second measured in the same run, and its validation
loss is within 0.05 nats per character of the bare loop's.

The model is the ``shakespeare_char_lstm`` template: Embedding 64 → LSTM 128 × 2 layers →
Dense 65 (logits), sequence 64, batch 64, Adam 3e-3, on the first 90 % of the text; validation
is the last 10 % (111,539 characters), cut into non-overlapping 64-character windows.

  (a) bare:     a hand-written ``nn.Module`` and loop (seeded randperm of the windows, index
                slicing, cross-entropy over every position), trained for ``--budget`` seconds of
                wall clock (side by side: for the steps that takes, see below), with a validation pass at each epoch's end and one when the budget
                runs out, as a loop that reports its validation loss would do. Its clock starts
                when the text is encoded and the model built, at the first step. It reads and
                windows the text with its own few lines, not LayerLab's, so that it stays what a
                user would write by hand.
  (b) LayerLab: the template through ``run_job`` (the worker's path: plan, data, compile,
                recipe, fit with the run's producers — live text samples, 3 s apart at least and
                2 % of the time at most, telemetry — then the test result, which for this one
                held-out text is the last validation) with ``max_steps`` = the bare loop's
                steps, timed from the call to its return.

Characters per second = steps × batch × sequence / wall seconds. This machine's speed drifts
by ±15 % from one minute to the next, more than the gap being measured, so by default the two
sides of each pair run *side by side*: at the same time, each in its own process pinned to its
own core with one torch thread, so that whatever the machine does meanwhile slows both alike.
The number of steps is what a one-thread bare loop does in the budget, by its speed over a 5 s
calibration; the sides swap cores from one seed to the next (here one core runs the same loop
~9 % slower than the other, so the default is an even number of seeds). ``--sequential`` instead runs each
pair one after the other on every core (the first seed's bare loop sets the steps by its budget;
later seeds run that many, LayerLab first every other time). Each side warms up first, untimed
(the first LSTM steps of a process are slow). It prints each pair, the ratio per pair and of
the medians, the val losses, a bigram table's and a frequency guess's val loss for reference,
and PASS/MISS per target. Always exits 0. Needs ``LAYERLAB_DATA_DIR`` (or a ``shared/datasets``
folder beside the repository) holding ``tinyshakespeare/input.txt``; without it, it says so and
exits 0. Run it on an idle machine.

    python bench/char_lstm.py [--budget 120] [--seeds 0 1 2 3] [--sequential] [--threads N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.settings import Settings
from layerlab.templates import get_template
from layerlab.training.events import Event
from layerlab.training.job import run_job
from layerlab.training.request import RunRequest

TEMPLATE = "shakespeare_char_lstm"
SPEED_TARGET = 0.95
LOSS_TOLERANCE = 0.05  # nats per character
VAL_FRACTION = 0.1
EVAL_WINDOWS = 256  # windows per validation forward pass (16k characters)


def data_folder() -> Path | None:
    """The folder holding ``tinyshakespeare/input.txt``, or ``None``."""
    env = os.environ.get("LAYERLAB_DATA_DIR")
    folder = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return folder if (folder / "tinyshakespeare" / "input.txt").is_file() else None


def read_streams(folder: Path) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Train and validation id streams ``(L,)`` int64 and the vocabulary size (sorted distinct characters)."""
    text = (folder / "tinyshakespeare" / "input.txt").read_text(encoding="utf-8")
    vocabulary = sorted(set(text))
    index = {c: i for i, c in enumerate(vocabulary)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    cut = len(text) - round(len(text) * VAL_FRACTION)
    return ids[:cut], ids[cut:], len(vocabulary)


def windows(stream: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping windows ``(N, length)`` and the same characters one step on."""
    n = (len(stream) - 1) // length
    return stream[: n * length].view(n, length), stream[1 : n * length + 1].view(n, length)


class CharLSTM(nn.Module):
    def __init__(self, vocab: int, embedding: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(self.embedding(x))  # (B, T, hidden)
        return self.out(h)  # type: ignore[no-any-return]


@torch.no_grad()
def val_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    total = 0.0
    for start in range(0, len(x), EVAL_WINDOWS):
        logits = model(x[start : start + EVAL_WINDOWS])
        total += float(F.cross_entropy(logits.flatten(0, 1), y[start : start + EVAL_WINDOWS].flatten())) * len(logits)
    model.train()
    return total / len(x)


def bare(
    folder: Path, seed: int, budget_s: float, config: dict[str, Any], steps_limit: int | None = None
) -> dict[str, Any]:
    """The hand-written loop for ``budget_s`` seconds, or for ``steps_limit`` steps when given: steps,
    wall seconds and the final val loss."""
    torch.manual_seed(seed)
    train, val, vocab = read_streams(folder)
    t, b = config["sequence_length"], config["batch_size"]
    x, y = windows(train, t)
    vx, vy = windows(val, t)
    model = CharLSTM(vocab, config["embedding_dim"], config["units"], config["num_layers"])
    optimizer = torch.optim.Adam(model.parameters(), lr=config["learning_rate"])
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    steps, loss, out_of_time = 0, float("nan"), False
    while not out_of_time:
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), b):
            index = order[i : i + b]
            logits = model(x[index])
            batch_loss = F.cross_entropy(logits.flatten(0, 1), y[index].flatten())
            optimizer.zero_grad(set_to_none=True)
            batch_loss.backward()
            optimizer.step()
            steps += 1
            done = steps >= steps_limit if steps_limit is not None else time.perf_counter() - start >= budget_s
            if done:
                out_of_time = True
                break
        loss = val_loss(model, vx, vy)
    return {"steps": steps, "seconds": time.perf_counter() - start, "val_loss": loss}


def layerlab(seed: int, steps: int, settings: Settings) -> dict[str, Any]:
    """The template through ``run_job`` for ``steps`` batches: wall seconds and the final val loss."""
    template = get_template(TEMPLATE)
    assert template is not None
    training = template.training.model_copy(update={"seed": seed, "epochs": 1000, "max_steps": steps})
    request = RunRequest(graph=template.graph, dataset=template.dataset, training=training)
    events: list[Event] = []
    start = time.perf_counter()
    state = run_job(request, run_id=f"bench-{seed}", emit=events.append, settings=settings)
    seconds = time.perf_counter() - start
    final = [e.model_dump() for e in events if e.type == "evaluation"]
    if not final:
        raise SystemExit(f"the LayerLab run ended {state}: {events[-1].model_dump()}")
    samples = sum(e.type == "samples" for e in events)
    return {"steps": steps, "seconds": seconds, "val_loss": float(final[-1]["metrics"]["loss"]), "samples": samples}


Pair = tuple[int, dict[str, Any], dict[str, Any]]  # (seed, bare's result, LayerLab's result)


def sequential_pairs(folder: Path, seeds: list[int], budget: float, config: dict[str, Any]) -> Iterator[Pair]:
    """Each pair one after the other, on every core: the first seed's bare loop sets the steps by
    its budget; later seeds run that many steps, LayerLab first every other time (drift)."""
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), device="cpu", allow_download=False, data_dir=folder)
        bare(folder, 0, min(5.0, budget), config)  # warm-ups, untimed
        layerlab(0, 5, settings)
        steps: int | None = None
        for i, seed in enumerate(seeds):
            if steps is None:
                a = bare(folder, seed, budget, config)
                steps = a["steps"]
                b = layerlab(seed, steps, settings)
            elif i % 2 == 1:
                b = layerlab(seed, steps, settings)
                a = bare(folder, seed, budget, config, steps)
            else:
                a = bare(folder, seed, budget, config, steps)
                b = layerlab(seed, steps, settings)
            yield seed, a, b


def _side(
    kind: str, core: int, folder: Path, seed: int, steps: int, config: dict[str, Any], start: Any, out: Any
) -> None:
    """One side of a side-by-side pair, in its own process on ``core`` with one torch thread."""
    os.sched_setaffinity(0, {core})
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), device="cpu", allow_download=False, data_dir=folder)
        if kind == "bare":
            bare(folder, seed, 0.0, config, 5)  # warm-up, untimed
        else:
            layerlab(seed, 5, settings)
        start.wait()
        result = bare(folder, seed, 0.0, config, steps) if kind == "bare" else layerlab(seed, steps, settings)
    out.put((kind, result))


def side_by_side_pairs(folder: Path, seeds: list[int], budget: float, config: dict[str, Any]) -> Iterator[Pair]:
    """Both sides of each pair at once, each on its own core with one torch thread, so that whatever
        the machine does meanwhile slows both alike. The steps: what a one-thread bare loop does in the
        budget, by its speed over a short calibration; the sides swap cores from one seed to the next (here one core runs the same loop
    ~9 % slower than the other, so the default is an even number of seeds)."""
    cores = sorted(os.sched_getaffinity(0))[:2]
    context = multiprocessing.get_context("spawn")
    calibration = context.Queue()
    probe = context.Process(target=_calibrate, args=(cores[0], folder, config, calibration))
    probe.start()
    steps = max(10, round(budget * calibration.get()))
    probe.join()
    for i, seed in enumerate(seeds):
        start, out = context.Barrier(2), context.Queue()
        placed = [("bare", cores[i % 2]), ("layerlab", cores[1 - i % 2])]
        sides = [
            context.Process(target=_side, args=(kind, core, folder, seed, steps, config, start, out))
            for kind, core in placed
        ]
        for side in sides:
            side.start()
        results = dict(out.get() for _ in sides)
        for side in sides:
            side.join()
        yield seed, results["bare"], results["layerlab"]


def _calibrate(core: int, folder: Path, config: dict[str, Any], out: Any) -> None:
    """Steps per second of the bare loop on one core with one thread (after a warm-up)."""
    os.sched_setaffinity(0, {core})
    torch.set_num_threads(1)
    bare(folder, 0, 0.0, config, 5)
    result = bare(folder, 0, 5.0, config)
    out.put(result["steps"] / result["seconds"])


def count_baselines(folder: Path) -> dict[str, float]:
    """Val loss (nats/char) of guessing by training-set frequency, and of a bigram table (add-one smoothed)."""
    train, val, vocab = read_streams(folder)
    unigram = torch.bincount(train, minlength=vocab).double() + 1
    unigram_loss = -float(unigram.div(unigram.sum()).log()[val].mean())
    pairs = torch.bincount(train[:-1] * vocab + train[1:], minlength=vocab * vocab).double().view(vocab, vocab) + 1
    table = pairs / pairs.sum(dim=1, keepdim=True)
    bigram_loss = -float(table[val[:-1], val[1:]].log().mean())
    return {"unigram": unigram_loss, "bigram": bigram_loss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds of the bare loop per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])  # even: each side on each core as often
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument(
        "--sequential", action="store_true", help="run each pair one after the other on the whole machine"
    )
    args = parser.parse_args()
    folder = data_folder()
    if folder is None:
        print("skipped: Tiny Shakespeare not found (set LAYERLAB_DATA_DIR to a folder with tinyshakespeare/input.txt)")
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    template = get_template(TEMPLATE)
    assert template is not None
    nodes = {n.id: n.params for n in template.graph.nodes}
    config = {
        "sequence_length": template.training.sequence_length,
        "batch_size": template.training.batch_size,
        "learning_rate": template.training.learning_rate,
        "embedding_dim": nodes["embedding"]["embedding_dim"],
        "units": nodes["lstm"]["units"],
        "num_layers": nodes["lstm"]["num_layers"],
    }
    chars_per_step = config["sequence_length"] * config["batch_size"]
    baselines = count_baselines(folder)
    rows: list[dict[str, Any]] = []
    side_by_side = not args.sequential and len(os.sched_getaffinity(0)) >= 2
    pairs = (
        side_by_side_pairs(folder, args.seeds, args.budget, config)
        if side_by_side
        else sequential_pairs(folder, args.seeds, args.budget, config)
    )
    print(
        "side by side, one core and one torch thread each"
        if side_by_side
        else f"one after the other, {torch.get_num_threads()} torch threads",
        flush=True,
    )
    for seed, a, b in pairs:
        row = {
            "seed": seed,
            "steps": a["steps"],
            "bare_chars_per_s": a["steps"] * chars_per_step / a["seconds"],
            "layerlab_chars_per_s": b["steps"] * chars_per_step / b["seconds"],
            "bare_val_loss": a["val_loss"],
            "layerlab_val_loss": b["val_loss"],
            "bare_s": a["seconds"],
            "layerlab_s": b["seconds"],
            "samples": b["samples"],
        }
        row["ratio"] = row["layerlab_chars_per_s"] / row["bare_chars_per_s"]
        rows.append(row)
        print(
            f"seed {seed}: {row['steps']} steps; bare {row['bare_chars_per_s']:,.0f} chars/s "
            f"({row['bare_s']:.1f} s), val {row['bare_val_loss']:.3f}; LayerLab "
            f"{row['layerlab_chars_per_s']:,.0f} chars/s ({row['layerlab_s']:.1f} s, {row['samples']} live samples), "
            f"val {row['layerlab_val_loss']:.3f}; ratio {row['ratio']:.3f}",
            flush=True,
        )
    if args.json:
        print(json.dumps({"rows": rows, "baselines": baselines}, indent=2))
    median_ratio = statistics.median(r["layerlab_chars_per_s"] for r in rows) / statistics.median(
        r["bare_chars_per_s"] for r in rows
    )
    worst_gap = max(r["layerlab_val_loss"] - r["bare_val_loss"] for r in rows)
    print(
        f"reference val losses: frequency guess {baselines['unigram']:.3f}, bigram table {baselines['bigram']:.3f} "
        f"nats/char ({baselines['bigram'] / math.log(2):.2f} bits/char for the bigram)"
    )
    per_pair = ", ".join(f"{r['ratio']:.3f}" for r in rows)
    print(
        f"chars/s ratio of medians {median_ratio:.3f} (per pair {per_pair}; "
        f"target ≥ {SPEED_TARGET}): {'PASS' if median_ratio >= SPEED_TARGET else 'MISS'}"
    )
    print(
        f"val loss: LayerLab - bare at most {worst_gap:+.3f} nats (target ≤ {LOSS_TOLERANCE}): "
        f"{'PASS' if worst_gap <= LOSS_TOLERANCE else 'MISS'}"
    )


if __name__ == "__main__":
    main()
