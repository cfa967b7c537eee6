"""Metrics against scikit-learn as the oracle."""

from __future__ import annotations

import pytest
import torch
from sklearn import metrics as skm

from layerlab.training.metrics import (
    classification_metrics,
    confusion_matrix,
    per_class_metrics,
    predicted_classes,
    regression_metrics,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_metrics_match_sklearn(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    classes = 5
    y_true = torch.randint(0, classes, (300,), generator=generator)
    y_pred = torch.where(
        torch.rand(300, generator=generator) < 0.6, y_true, torch.randint(0, classes, (300,), generator=generator)
    )
    y_pred[y_pred == 4] = 3  # class 4 is never predicted: zero-division path
    cm = confusion_matrix(y_true, y_pred, classes)
    assert cm.tolist() == skm.confusion_matrix(y_true, y_pred, labels=list(range(classes))).tolist()
    got = classification_metrics(cm)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    for name, fn in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
        assert got[name] == pytest.approx(fn(y_true, y_pred, average="macro", zero_division=0)), name
    per_class = per_class_metrics(cm, [str(i) for i in range(classes)])
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(classes)), zero_division=0
    )
    assert [c.precision for c in per_class] == pytest.approx(list(precision))
    assert [c.recall for c in per_class] == pytest.approx(list(recall))
    assert [c.f1 for c in per_class] == pytest.approx(list(f1))
    assert [c.support for c in per_class] == list(support)


def test_macro_averages_skip_classes_absent_from_both_labels_and_predictions() -> None:
    y_true = torch.tensor([0, 0, 1, 1])
    y_pred = torch.tensor([0, 1, 1, 1])
    got = classification_metrics(confusion_matrix(y_true, y_pred, 4))
    assert got["f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))


def test_regression_metrics_match_sklearn() -> None:
    generator = torch.Generator().manual_seed(0)
    target = torch.randn(200, 2, generator=generator)
    prediction = target + 0.3 * torch.randn(200, 2, generator=generator)
    got = regression_metrics(prediction, target)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(target, prediction))
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(target, prediction))
    assert got["r2"] == pytest.approx(skm.r2_score(target, prediction))


def test_predicted_classes_reads_one_unit_outputs_as_binary_logits() -> None:
    assert predicted_classes(torch.tensor([[-0.5], [2.0]])).tolist() == [0, 1]
    assert predicted_classes(torch.tensor([[0.1, 0.9, 0.0], [3.0, 1.0, 2.0]])).tolist() == [1, 0]
