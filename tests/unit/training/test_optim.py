"""Optimizers, L1 selection and learning-rate schedules."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from layerlab.training.config import TrainConfig
from layerlab.training.optim import LearningRateSchedule, build_optimizer, l1_penalty, weight_tensors


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("sgd", torch.optim.SGD),
        ("adam", torch.optim.Adam),
        ("adamw", torch.optim.AdamW),
        ("rmsprop", torch.optim.RMSprop),
        ("adagrad", torch.optim.Adagrad),
    ],
)
def test_build_optimizer_uses_l2_as_weight_decay(name: str, cls: type[torch.optim.Optimizer]) -> None:
    optimizer = build_optimizer(
        nn.Linear(2, 2), TrainConfig.model_validate({"optimizer": name, "l2": 0.01, "learning_rate": 0.2})
    )
    assert isinstance(optimizer, cls)
    assert optimizer.param_groups[0]["weight_decay"] == 0.01
    assert optimizer.param_groups[0]["lr"] == 0.2


def test_sgd_gets_momentum_and_nesterov() -> None:
    optimizer = build_optimizer(nn.Linear(2, 2), TrainConfig(optimizer="sgd", momentum=0.8, nesterov=True))
    assert optimizer.param_groups[0]["momentum"] == 0.8 and optimizer.param_groups[0]["nesterov"] is True


def test_l1_applies_to_weight_tensors_only() -> None:
    conv, linear = nn.Conv2d(1, 2, 3), nn.Linear(8, 3)
    model = nn.Sequential(conv, nn.BatchNorm2d(2), nn.Flatten(), linear)
    chosen = {id(t) for t in weight_tensors(model)}
    assert chosen == {id(conv.weight), id(linear.weight)}
    penalty = l1_penalty(weight_tensors(model), 0.5)
    expected = 0.5 * (conv.weight.abs().sum() + linear.weight.abs().sum())
    assert torch.allclose(penalty, expected)


def test_frozen_parameters_are_not_optimized() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[0].requires_grad_(False)
    optimizer = build_optimizer(model, TrainConfig())
    assert sum(len(g["params"]) for g in optimizer.param_groups) == 2
    assert weight_tensors(model) == [model[1].weight]


def test_live_change_sets_the_current_rate_and_the_schedule_goes_on_from_it() -> None:
    schedule = LearningRateSchedule(0.1, "step", epochs=10, step_size=2, gamma=0.5)
    assert schedule.lr(3) == pytest.approx(0.05)
    schedule.set_current(0.2, epoch=3)
    assert schedule.lr(3) == pytest.approx(0.2)
    assert schedule.lr(5) == pytest.approx(0.1)


def test_cosine_runs_from_the_base_rate_towards_zero() -> None:
    schedule = LearningRateSchedule(1.0, "cosine", epochs=4)
    rates = [schedule.lr(e) for e in range(1, 5)]
    assert rates[0] == 1.0 and rates == sorted(rates, reverse=True) and rates[-1] > 0
