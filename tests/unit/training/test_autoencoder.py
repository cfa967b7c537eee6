"""The autoencoder recipe on the one loop: the input is the target, labels kept aside, and it learns digits."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from layerlab.datasets import DatasetRef, load_dataset
from layerlab.graph import compile_graph
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.training.callbacks import EventEmitter
from layerlab.training.config import TrainConfig
from layerlab.training.engine import fit
from layerlab.training.events import Event
from layerlab.training.recipes import AutoencoderRecipe


def _autoencoder(bottleneck: int = 2, *, sigmoid: bool = False) -> torch.nn.Module:
    nodes: list[dict[str, object]] = [
        {"id": "in", "type": "Input"},
        {"id": "flat", "type": "Flatten"},
        {"id": "enc", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
        {"id": "code", "type": "Dense", "params": {"units": bottleneck}},
        {"id": "dec", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
        {"id": "pixels", "type": "Dense", "params": {"units": 64}},
        {"id": "out", "type": "Reshape", "params": {"shape": [1, 8, 8]}},
    ]
    if sigmoid:  # a final sigmoid, folded into the loss
        nodes.append({"id": "squash", "type": "Sigmoid"})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return compile_graph(GraphSpec.model_validate({"version": 1, "nodes": nodes, "edges": edges}), (1, 8, 8))


def _config(seed: int = 0, **kwargs: object) -> TrainConfig:
    values = {"epochs": 30, "batch_size": 32, "learning_rate": 3e-3, "device": "cpu", "seed": seed, "telemetry": False}
    return TrainConfig.model_validate({**values, **kwargs})


def test_the_target_is_the_input_and_the_labels_are_kept_aside(settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="digits"), settings, seed=0)
    recipe = AutoencoderRecipe(_autoencoder())
    prepared = recipe.prepare(data, _config(), seed=0)
    for split in (prepared.train, prepared.val, prepared.test):
        assert split.y is split.x and split.x.shape[1:] == (1, 8, 8)
    assert recipe.val_labels is not None and torch.equal(recipe.val_labels, data.val.y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_two_unit_bottleneck_reconstructs_digits_better_than_the_mean_image(seed: int, settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="digits"), settings, seed=seed)
    torch.manual_seed(seed)
    events: list[Event] = []
    state = fit(AutoencoderRecipe(_autoencoder()), data, _config(seed), [EventEmitter("r", events.append)])
    mean_image = data.train.x.mean(dim=0, keepdim=True)  # (1, 1, 8, 8): the best constant guess
    baseline = float(F.mse_loss(mean_image.expand_as(data.test.x), data.test.x))
    assert state.test is not None and set(state.test.metrics) == {"loss", "mse"}
    assert state.test.metrics["mse"] < 0.75 * baseline
    assert not any(e.type in ("confusion_matrix", "decision_boundary") for e in events)


def test_binary_cross_entropy_trains_on_the_logits_of_a_final_sigmoid(settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="digits"), settings, seed=0)
    torch.manual_seed(0)
    model = _autoencoder(sigmoid=True)
    assert getattr(model, "final_activation", None) == "sigmoid"  # the output is logits
    recipe = AutoencoderRecipe(model, "binary_cross_entropy")
    state = fit(recipe, data, _config(epochs=10))
    x = data.test.x[:16]
    with torch.no_grad():
        logits = model(x)
    assert float(recipe.loss_fn(logits, x)) == pytest.approx(
        float(F.binary_cross_entropy(torch.sigmoid(logits), x)), rel=1e-4
    )
    assert float(recipe.reconstruct(logits).min()) >= 0 and float(recipe.reconstruct(logits).max()) <= 1
    assert state.test is not None and 0 < state.test.metrics["mse"] < 0.2
