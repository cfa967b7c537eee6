"""Classification and regression metrics, vectorized in torch (no Python loop over samples).

Classification metrics come from a confusion matrix (rows = true class, columns =
predicted), built with one ``bincount``. Macro averages run over the classes that occur
in the true or predicted labels (as scikit-learn does), and a class with no predicted
(or no true) samples counts 0 precision (or recall), as ``zero_division=0`` does.
Keys as ``docs/contract.md`` §4 names them: ``accuracy, precision, recall, f1``; regression ``mse, mae, r2``.
"""

from __future__ import annotations

import torch

from layerlab.training.events import ClassMetrics

__all__ = ["classification_metrics", "confusion_matrix", "per_class_metrics", "predicted_classes", "regression_metrics"]


def predicted_classes(output: torch.Tensor) -> torch.Tensor:
    """Class indices ``(B,)`` from raw outputs ``(B, C)``; one output unit means ``logit > 0`` → class 1.

    Softmax and sigmoid are monotone, so logits give the same classes as probabilities.
    """
    if output.shape[-1] == 1:
        return (output.reshape(-1) > 0).long()
    return output.argmax(dim=-1)


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(C, C)`` int64 counts; ``matrix[t, p]`` = samples of true class ``t`` predicted ``p``.

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    flat = y_true.reshape(-1).long() * num_classes + y_pred.reshape(-1).long()
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _precision_recall_f1(cm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    cm = cm.double()
    true_positive = cm.diagonal()
    predicted = cm.sum(dim=0)
    support = cm.sum(dim=1)
    precision = torch.where(predicted > 0, true_positive / predicted.clamp(min=1), torch.zeros_like(true_positive))
    recall = torch.where(support > 0, true_positive / support.clamp(min=1), torch.zeros_like(true_positive))
    denominator = precision + recall
    f1 = torch.where(
        denominator > 0, 2 * precision * recall / denominator.clamp(min=1e-300), torch.zeros_like(precision)
    )
    return precision, recall, f1, support


def classification_metrics(cm: torch.Tensor) -> dict[str, float]:
    """``accuracy`` and macro ``precision``, ``recall``, ``f1`` from a confusion matrix."""
    precision, recall, f1, support = _precision_recall_f1(cm)
    total = float(cm.sum())
    present = (support > 0) | (cm.sum(dim=0) > 0)  # classes seen in y_true or y_pred
    count = max(int(present.sum()), 1)
    return {
        "accuracy": float(cm.diagonal().sum()) / total if total else 0.0,
        "precision": float(precision[present].sum()) / count,
        "recall": float(recall[present].sum()) / count,
        "f1": float(f1[present].sum()) / count,
    }


def per_class_metrics(cm: torch.Tensor, labels: list[str]) -> list[ClassMetrics]:
    """Precision, recall, F1 and support of every class, in label order."""
    precision, recall, f1, support = _precision_recall_f1(cm)
    rows = torch.stack([precision, recall, f1, support]).T.tolist()
    return [
        ClassMetrics(label=label, precision=p, recall=r, f1=f, support=int(s))
        for label, (p, r, f, s) in zip(labels, rows, strict=True)
    ]


def regression_metrics(prediction: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """``mse``, ``mae`` and ``r2`` (averaged over output columns, as scikit-learn's default).

    ``prediction`` and ``target`` are ``(N, k)`` (or ``(N,)``); a column with zero variance
    scores ``r2`` 1.0 when predicted exactly, else 0.0.
    """
    prediction = prediction.double().reshape(prediction.shape[0], -1)
    target = target.double().reshape(prediction.shape)
    error = prediction - target
    ss_res = (error**2).sum(dim=0)
    ss_tot = ((target - target.mean(dim=0)) ** 2).sum(dim=0)
    r2 = torch.where(ss_tot > 0, 1 - ss_res / ss_tot.clamp(min=1e-300), (ss_res == 0).double())
    return {
        "mse": float((error**2).mean()),
        "mae": float(error.abs().mean()),
        "r2": float(r2.mean()),
    }
