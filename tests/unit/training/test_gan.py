"""The GAN recipe on the one loop: its losses, its step modes, d_steps, its events, and that it learns the ring."""

from __future__ import annotations

import math

import pytest
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
from layerlab.training.control import RunControl
from layerlab.training.engine import fit
from layerlab.training.events import Event
from layerlab.training.recipes import GanRecipe
from layerlab.training.recipes.gan import discriminator_loss, generator_loss


def _mlp(sizes: list[int], activation: str) -> GraphSpec:
    nodes: list[dict[str, object]] = [{"id": "in", "type": "Input"}]
    for i, units in enumerate(sizes):
        last = i == len(sizes) - 1
        nodes.append(
            {"id": f"d{i}", "type": "Dense", "params": {"units": units, "activation": "none" if last else activation}}
        )
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return GraphSpec.model_validate({"version": 1, "nodes": nodes, "edges": edges})


def _gan(latent_dim: int = 2, hidden: int = 64, d_steps: int = 1) -> GanRecipe:
    generator = compile_graph(_mlp([hidden, hidden, 2], "relu"), (latent_dim,))
    discriminator = compile_graph(_mlp([hidden, hidden, 1], "leaky_relu"), (2,))
    return GanRecipe(generator, discriminator, latent_dim=latent_dim, d_steps=d_steps)


def _config(**kwargs: object) -> TrainConfig:
    values: dict[str, object] = {"epochs": 1, "batch_size": 128, "learning_rate": 1e-3, "device": "cpu", "seed": 0}
    return TrainConfig.model_validate({"telemetry": False, **values, **kwargs})


def _snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _same(module: nn.Module, before: list[torch.Tensor]) -> bool:
    return all(torch.equal(a, b) for a, b in zip(module.parameters(), before, strict=True))


def test_the_losses_are_bce_for_the_discriminator_and_the_non_saturating_one_for_the_generator() -> None:
    real, fake = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 0.2])
    expected_d = F.binary_cross_entropy_with_logits(real, torch.ones(3)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros(2)
    )
    assert float(discriminator_loss(real, fake)) == pytest.approx(float(expected_d))
    assert float(generator_loss(fake)) == pytest.approx(float(-torch.log(torch.sigmoid(fake)).mean()))
    # non-saturating: a confident discriminator (fake logit -8) still gives the generator a gradient
    logit = torch.tensor([-8.0], requires_grad=True)
    generator_loss(logit).backward()
    assert logit.grad is not None and abs(float(logit.grad)) > 0.99


@pytest.mark.parametrize(
    ("mode", "g_moves", "d_moves"), [("both", True, True), ("discriminator", False, True), ("generator", True, False)]
)
def test_a_step_mode_trains_only_its_side(mode: str, g_moves: bool, d_moves: bool, settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="ring", params={"n": 600}), settings, seed=0)
    torch.manual_seed(0)
    recipe = _gan()
    recipe.mode = mode  # type: ignore[assignment]
    g_before, d_before = _snapshot(recipe.generator), _snapshot(recipe.discriminator)
    state = fit(recipe, data, _config())
    assert _same(recipe.generator, g_before) is not g_moves
    assert _same(recipe.discriminator, d_before) is not d_moves
    history = state.history[-1]
    assert {"generator_loss", "discriminator_loss", "val_d_real", "val_d_fake"} <= set(history)
    assert math.isfinite(history["generator_loss"]) and math.isfinite(history["discriminator_loss"])


def test_d_steps_updates_the_discriminator_that_many_times_per_generator_step(settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="ring", params={"n": 600}), settings, seed=0)
    torch.manual_seed(0)
    recipe = _gan(d_steps=3)
    state = fit(recipe, data, _config())
    g_opt, d_opt = recipe.optimizers
    steps = state.step  # the loop's steps are the generator's
    assert steps == math.ceil(420 / 128)
    assert [s["step"] for s in g_opt.state.values()][0] == steps
    assert [s["step"] for s in d_opt.state.values()][0] == 3 * steps
    assert g_opt.param_groups[0]["betas"] == (0.5, 0.999) == d_opt.param_groups[0]["betas"]


def test_step_events_carry_both_losses_and_the_live_learning_rate_reaches_both(settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="ring", params={"n": 600}), settings, seed=0)
    torch.manual_seed(0)
    recipe = _gan()
    events: list[Event] = []
    fit(recipe, data, _config(epochs=2, learning_rate=2e-3), [EventEmitter("r", events.append)])
    steps = [e.model_dump() for e in events if e.type == "step"]
    assert steps and all(set(s["losses"]) == {"generator", "discriminator"} for s in steps)
    assert all(
        s["loss"] == pytest.approx(s["losses"]["generator"] + s["losses"]["discriminator"], rel=1e-5) for s in steps
    )
    assert all(g["lr"] == 2e-3 for opt in recipe.optimizers for g in opt.param_groups)
    final = [e.model_dump() for e in events if e.type == "evaluation"][-1]
    assert set(final["metrics"]) >= {"loss", "generator_loss", "discriminator_loss", "d_real", "d_fake"}
    assert not any(e.type in ("confusion_matrix", "decision_boundary") for e in events)  # nothing to classify


def _coverage(points: torch.Tensor, std: float = 0.05) -> tuple[int, float]:
    """Modes of the ring with at least one point within 3σ, and the fraction of points within 3σ of a mode."""
    centres = torch.from_numpy(ring_centres()).float()
    distance = torch.cdist(points, centres)  # (n, 8)
    nearest, mode = distance.min(dim=1)
    close = nearest < 3 * std
    return int(torch.unique(mode[close]).numel()), float(close.float().mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_gan_pulls_its_points_onto_the_ring_within_a_few_hundred_steps(seed: int, settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="ring", params={"n": 20_000}), settings, seed=seed)
    torch.manual_seed(seed)
    recipe = _gan(hidden=128)
    fixed = torch.randn(2000, 2, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        before = recipe.generator(fixed)
    fit(recipe, data, _config(epochs=1000, batch_size=256, seed=seed, max_steps=400))
    with torch.no_grad():
        after = recipe.generator(fixed)
    radius_error = lambda p: float((p.norm(dim=1) - 2.0).abs().mean())  # noqa: E731
    assert radius_error(after) < 0.5 * radius_error(before)
    modes, _ = _coverage(after, std=0.15)
    assert modes >= 4


def test_each_network_keeps_its_own_learning_rate_and_a_live_change_keeps_their_ratio(settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="ring", params={"n": 600}), settings, seed=0)
    torch.manual_seed(0)
    generator = compile_graph(_mlp([16, 2], "relu"), (2,))
    discriminator = compile_graph(_mlp([16, 1], "leaky_relu"), (2,))
    recipe = GanRecipe(generator, discriminator, latent_dim=2, learning_rates={"discriminator": 4e-3})
    rates: list[tuple[float, float]] = []
    control = RunControl()

    class Watch(EventEmitter):
        def on_batch_end(self, state):  # type: ignore[no-untyped-def]
            g_opt, d_opt = recipe.optimizers
            rates.append((g_opt.param_groups[0]["lr"], d_opt.param_groups[0]["lr"]))
            if state.step == 2:
                control.set_learning_rate(5e-4)  # the run's rate, live

    fit(recipe, data, _config(epochs=2, learning_rate=1e-3), [Watch("r", lambda e: None)], control=control)
    assert rates[0] == pytest.approx((1e-3, 4e-3))  # the generator has the run's rate, the discriminator its own
    assert rates[-1] == pytest.approx((5e-4, 2e-3))  # both follow the live change, 1 : 4 still
