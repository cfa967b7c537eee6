"""Losses on raw outputs: no double softmax, target shapes handled, task mismatches refused."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from layerlab.errors import TrainingError
from layerlab.training.losses import build_loss, check_loss_task, resolve_loss_name


def test_auto_picks_cross_entropy_or_mse_by_task() -> None:
    assert resolve_loss_name("auto", "classification") == "cross_entropy"
    assert resolve_loss_name("auto", "regression") == "mse"


def test_cross_entropy_with_a_softmax_output_is_computed_on_the_logits() -> None:
    logits = torch.tensor([[100.0, -100.0, 0.0], [0.5, 0.2, -0.3]])
    target = torch.tensor([1, 0])
    loss = build_loss("cross_entropy", "classification", "softmax")(logits, target)
    assert torch.isfinite(loss)
    assert torch.equal(loss, F.cross_entropy(logits, target))


def test_binary_cross_entropy_accepts_one_unit_or_one_hot_outputs() -> None:
    bce = build_loss("binary_cross_entropy", "classification", "sigmoid")
    one_unit = torch.tensor([[2.0], [-1.0]])
    expected = F.binary_cross_entropy_with_logits(one_unit, torch.tensor([[1.0], [0.0]]))
    assert torch.allclose(bce(one_unit, torch.tensor([1, 0])), expected)
    two_units = torch.tensor([[2.0, -2.0], [0.0, 1.0]])
    expected = F.binary_cross_entropy_with_logits(two_units, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert torch.allclose(bce(two_units, torch.tensor([0, 1])), expected)


def test_mse_on_a_softmax_output_compares_probabilities_with_one_hot_targets() -> None:
    logits = torch.tensor([[1.0, 2.0, 3.0]])
    got = build_loss("mse", "classification", "softmax")(logits, torch.tensor([2]))
    assert torch.allclose(got, F.mse_loss(torch.softmax(logits, -1), torch.tensor([[0.0, 0.0, 1.0]])))


@pytest.mark.parametrize("name", ["mse", "mae", "huber"])
def test_regression_losses_accept_matching_target_shapes(name: str) -> None:
    loss = build_loss(name, "regression")  # type: ignore[arg-type]
    assert float(loss(torch.ones(4, 1), torch.ones(4, 1))) == 0.0


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy"])
def test_classification_losses_are_refused_on_regression(name: str) -> None:
    with pytest.raises(TrainingError) as info:
        check_loss_task(name, "regression")  # type: ignore[arg-type]
    assert info.value.code == "loss_task_mismatch" and info.value.field == "training.loss"
