"""Tiny synthetic data sets and models for the engine's tests (CPU, well under a second each)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from layerlab.datasets.base import DatasetInfo, DatasetSplits, Split


class TinyNet(nn.Sequential):
    """An MLP with a declared final activation, as a compiled GraphModule has."""

    def __init__(self, inputs: int, outputs: int, final_activation: str | None = "softmax", hidden: int = 8) -> None:
        super().__init__(nn.Linear(inputs, hidden), nn.Tanh(), nn.Linear(hidden, outputs))
        self.final_activation = final_activation


def _blobs(n: int, seed: int, classes: int = 3, features: int = 4) -> Split:
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=generator)
    centres = torch.eye(classes, features) * 3.0
    x = centres[y] + torch.randn(n, features, generator=generator)
    return Split(x, y)


def make_classification(n: int = 96, classes: int = 3, features: int = 4, kind: str = "tabular") -> DatasetSplits:
    info = DatasetInfo(
        name="blobs", title="Blobs", description="test", task="classification", kind=kind,
        input_shape=[features], num_classes=classes, class_names=[f"c{i}" for i in range(classes)],
    )  # fmt: skip
    return DatasetSplits(
        info=info,
        train=_blobs(n, 1, classes, features),
        val=_blobs(n // 4, 2, classes, features),
        test=_blobs(n // 4, 3, classes, features),
    )


def make_regression(n: int = 96, features: int = 3, scale: float = 1.0) -> DatasetSplits:
    generator = torch.Generator().manual_seed(5)
    weights = torch.randn(features, 1, generator=generator)

    def split(count: int) -> Split:
        x = torch.randn(count, features, generator=generator) * scale
        return Split(x, x @ weights + 0.1 * torch.randn(count, 1, generator=generator))

    info = DatasetInfo(
        name="linear", title="Linear", description="test", task="regression", kind="tabular",
        input_shape=[features], output_size=1,
    )  # fmt: skip
    return DatasetSplits(info=info, train=split(n), val=split(n // 4), test=split(n // 4))


class ManualClock:
    """A clock for EventEmitter tests: advances by ``step_s`` on every read."""

    def __init__(self, step_s: float = 0.0) -> None:
        self.now = 1000.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


@pytest.fixture
def classification() -> DatasetSplits:
    return make_classification()


@pytest.fixture
def regression() -> DatasetSplits:
    return make_regression()


@pytest.fixture
def tiny_net() -> type[TinyNet]:
    return TinyNet


@pytest.fixture
def make_data() -> object:
    return make_classification


@pytest.fixture
def make_regression_data() -> object:
    return make_regression


@pytest.fixture
def manual_clock() -> type[ManualClock]:
    return ManualClock
