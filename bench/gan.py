"""GAN on eight Gaussians: LayerLab's GAN recipe vs a hand-written PyTorch GAN, same networks and steps.

Targets (``docs/recipes.md``): generator steps per second ≥ 0.95 of the bare loop's measured in
the same run, and the same quality after the same number of steps: 8 of 8 modes covered and
≥ 85 % of 2,000 generated points within 3σ of a mode, on each seed.

The networks: generator 2 → 128 → 128 → 2 (ReLU), discriminator 2 → 128 → 128 → 1 (LeakyReLU
0.2), latent N(0, I) of size 2, Adam 1e-3 with β1 0.5 for each, batch 256, one discriminator
step per generator step, the standard non-saturating loss. The data: the ``ring`` set (radius
2, σ 0.05) with 100,000 points, of which the 70,000 of the training split are trained on.

  (a) bare:     two ``nn.Sequential`` and the textbook loop (a seeded permutation of the
                training points, D step on real vs detached fakes, G step), timed from its first
                step to its last.
  (b) LayerLab: the same networks as graphs compiled by LayerLab, trained by
                ``GanRecipe`` in ``engine.fit`` with its event stream (the ``step`` events with
                both losses, an evaluation at each epoch's end), for the same steps, timed from
                the call to its return. (The run server's producers for GANs — the live plane
                and image views — come with the API for this recipe.)

Quality: a fixed latent batch of 2,000 through each generator at the end; a mode is covered
when a generated point lies within 3σ = 0.15 of it. The machine's speed drifts, so the order
alternates per seed (bare first, then LayerLab first …). Prints each pair, the ratio per pair
and of the medians, and PASS/MISS per target. Always exits 0.

    python bench/gan.py [--steps 2000] [--seeds 0 1 2] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets import DatasetRef, load_dataset
from layerlab.datasets.generated import ring_centres
from layerlab.graph import compile_graph
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.training.callbacks import EventEmitter
from layerlab.training.config import TrainConfig
from layerlab.training.engine import fit
from layerlab.training.events import Event
from layerlab.training.recipes import GanRecipe

SPEED_TARGET = 0.95
MODES_TARGET = 8
CLOSE_TARGET = 0.85
STD = 0.05
HIDDEN, LATENT, BATCH, LR, BETAS, SLOPE = 128, 2, 256, 1e-3, (0.5, 0.999), 0.2
POINTS = 100_000


def coverage(points: torch.Tensor) -> tuple[int, float]:
    """Modes with a point within 3σ, and the fraction of points within 3σ of a mode."""
    distance = torch.cdist(points.float(), torch.from_numpy(ring_centres()).float())  # (n, 8)
    nearest, mode = distance.min(dim=1)
    close = nearest < 3 * STD
    return int(torch.unique(mode[close]).numel()), float(close.float().mean())


def fixed_latent() -> torch.Tensor:
    return torch.randn(2000, LATENT, generator=torch.Generator().manual_seed(12345))


def bare(x: torch.Tensor, seed: int, steps: int) -> dict[str, Any]:
    """The hand-written GAN for ``steps`` generator steps: wall seconds and the end quality."""
    torch.manual_seed(seed)
    g = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 2))
    d = nn.Sequential(
        nn.Linear(2, HIDDEN), nn.LeakyReLU(SLOPE), nn.Linear(HIDDEN, HIDDEN), nn.LeakyReLU(SLOPE), nn.Linear(HIDDEN, 1)
    )
    g_opt = torch.optim.Adam(g.parameters(), lr=LR, betas=BETAS)
    d_opt = torch.optim.Adam(d.parameters(), lr=LR, betas=BETAS)
    order_rng = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    done = 0
    while done < steps:
        order = torch.randperm(len(x), generator=order_rng)
        for i in range(0, len(x), BATCH):
            real = x[order[i : i + BATCH]]
            fake = g(torch.randn(len(real), LATENT)).detach()
            d_loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
            g_loss = F.softplus(-d(g(torch.randn(len(real), LATENT)))).mean()
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
            done += 1
            if done >= steps:
                break
    seconds = time.perf_counter() - start
    with torch.no_grad():
        modes, close = coverage(g(fixed_latent()))
    return {"seconds": seconds, "modes": modes, "close": close}


def _graph(sizes: list[int], activation: dict[str, object] | None) -> GraphSpec:
    nodes: list[dict[str, object]] = [{"id": "in", "type": "Input"}]
    for i, units in enumerate(sizes):
        nodes.append({"id": f"dense{i}", "type": "Dense", "params": {"units": units}})
        if i < len(sizes) - 1:
            nodes.append({"id": f"act{i}", **(activation or {"type": "ReLU"})})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return GraphSpec.model_validate({"version": 1, "nodes": nodes, "edges": edges})


def layerlab(data: Any, seed: int, steps: int) -> dict[str, Any]:
    """The same GAN through ``GanRecipe`` and ``fit`` for ``steps`` generator steps."""
    torch.manual_seed(seed)
    start = time.perf_counter()
    generator = compile_graph(_graph([HIDDEN, HIDDEN, 2], None), (LATENT,))
    leaky = {"type": "LeakyReLU", "params": {"negative_slope": SLOPE}}
    discriminator = compile_graph(_graph([HIDDEN, HIDDEN, 1], leaky), (2,))
    recipe = GanRecipe(generator, discriminator, latent_dim=LATENT)
    config = TrainConfig(
        epochs=1000, max_steps=steps, batch_size=BATCH, learning_rate=LR, device="cpu", seed=seed, telemetry=False
    )
    events: list[Event] = []
    fit(recipe, data, config, [EventEmitter(f"gan-{seed}", events.append)])
    seconds = time.perf_counter() - start
    with torch.no_grad():
        generator.eval()
        modes, close = coverage(generator(fixed_latent()))
    return {"seconds": seconds, "modes": modes, "close": close, "step_events": sum(e.type == "step" for e in events)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="generator steps per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), device="cpu", allow_download=False)
        rows = []
        for i, seed in enumerate(args.seeds):
            data = load_dataset(DatasetRef(name="ring", params={"n": POINTS, "seed": 0}), settings, seed=seed)
            if i == 0:  # warm-ups, untimed
                bare(data.train.x, seed, 20)
                layerlab(data, seed, 20)
            if i % 2 == 0:
                a = bare(data.train.x, seed, args.steps)
                b = layerlab(data, seed, args.steps)
            else:
                b = layerlab(data, seed, args.steps)
                a = bare(data.train.x, seed, args.steps)
            row = {"seed": seed, "bare": a, "layerlab": b, "ratio": a["seconds"] / b["seconds"]}
            rows.append(row)
            print(
                f"seed {seed}: {args.steps} steps; bare {args.steps / a['seconds']:.0f} steps/s, {a['modes']}/8 modes, "
                f"{a['close']:.1%} within 3σ; LayerLab {args.steps / b['seconds']:.0f} steps/s, {b['modes']}/8 modes, "
                f"{b['close']:.1%} within 3σ ({b['step_events']} step events); ratio {row['ratio']:.3f}",
                flush=True,
            )
    ratio = statistics.median(r["bare"]["seconds"] for r in rows) / statistics.median(
        r["layerlab"]["seconds"] for r in rows
    )
    per_pair = ", ".join(f"{r['ratio']:.3f}" for r in rows)
    print(
        f"steps/s ratio of medians {ratio:.3f} (per pair {per_pair}; target ≥ {SPEED_TARGET}): "
        f"{'PASS' if ratio >= SPEED_TARGET else 'MISS'}"
    )
    quality = all(r["layerlab"]["modes"] >= MODES_TARGET and r["layerlab"]["close"] >= CLOSE_TARGET for r in rows)
    worst = min(rows, key=lambda r: r["layerlab"]["close"])["layerlab"]
    print(
        f"LayerLab quality on every seed: {MODES_TARGET}/8 modes and ≥ {CLOSE_TARGET:.0%} within 3σ "
        f"(worst {worst['modes']}/8, {worst['close']:.1%}): {'PASS' if quality else 'MISS'}"
    )
    gap = max(r["bare"]["close"] - r["layerlab"]["close"] for r in rows)
    bare_worst = min(rows, key=lambda r: r["bare"]["close"])["bare"]
    print(
        f"the bare loop on the same seeds: worst {bare_worst['modes']}/8, {bare_worst['close']:.1%}; "
        f"LayerLab at most {gap:+.1%} below it in points within 3σ"
    )


if __name__ == "__main__":
    main()
