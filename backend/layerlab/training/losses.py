"""Loss functions on the model's raw output: pick one by name and task, never a double softmax.

A :class:`~layerlab.graph.GraphModule` returns *logits*: a final ``softmax``/``sigmoid``
is reported in ``model.final_activation`` and not applied in ``forward``. Each loss here
takes that raw output and the targets of :class:`~layerlab.datasets.base.DatasetSplits`
(``int64`` class indices, or ``float32`` ``(N, k)`` regression values) and does the
numerically right thing:

- ``cross_entropy`` on logits (``log_softmax`` inside), so ``softmax`` + cross-entropy
  trains exactly like logits + cross-entropy;
- ``binary_cross_entropy`` with logits (one output unit: class 1 vs 0; several units:
  one-hot targets), applying ``softmax`` first only when the model ends in one;
- ``mse``/``mae``/``huber`` on the *activated* output (the final activation applied),
  against one-hot targets for classification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
import torch.nn.functional as F

from layerlab.datasets.base import Task
from layerlab.errors import TrainingError
from layerlab.training.config import LossName

__all__ = ["FinalActivation", "LossFn", "apply_final_activation", "build_loss", "check_loss_task", "resolve_loss_name"]

FinalActivation = Literal["softmax", "sigmoid"] | None
#: ``loss_fn(output (B, k), target (B,) or (B, k)) -> scalar tensor``
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

_CLASSIFICATION_ONLY = frozenset({"cross_entropy", "binary_cross_entropy"})


def resolve_loss_name(name: LossName, task: Task) -> LossName:
    """``auto`` → ``cross_entropy`` for classification and language models, ``mse`` for regression and forecasts."""
    if name == "auto":
        return "cross_entropy" if task in ("classification", "language_model") else "mse"
    return name


def check_loss_task(name: LossName, task: Task) -> None:
    """Raise when the loss cannot train this task.

    Raises:
        TrainingError: code ``loss_task_mismatch`` (field ``training.loss``), e.g.
            cross-entropy on a regression data set, or MSE for a language model.
    """
    resolved = resolve_loss_name(name, task)
    if task in ("regression", "forecast") and resolved in _CLASSIFICATION_ONLY:
        what = "a regression task" if task == "regression" else "a forecasting task"
        raise TrainingError(
            f"The loss {resolved!r} needs a classification data set, but this data set is {what}.",
            code="loss_task_mismatch",
            field="training.loss",
            hint=f'Use "mse", "mae" or "huber" (or "auto") for {"regression" if task == "regression" else "forecasts"}.',
        )
    if task == "language_model" and resolved != "cross_entropy":
        raise TrainingError(
            f"A language model is trained with cross-entropy on the next character, not {resolved!r}.",
            code="loss_task_mismatch",
            field="training.loss",
            hint='Use "cross_entropy" (or "auto") for a text data set.',
        )


def apply_final_activation(output: torch.Tensor, final_activation: FinalActivation) -> torch.Tensor:
    """The model's prediction from its raw output: ``softmax``/``sigmoid`` applied when declared."""
    if final_activation == "softmax":
        return torch.softmax(output, dim=-1)
    if final_activation == "sigmoid":
        return torch.sigmoid(output)
    return output


def _one_hot_like(target: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    # (B,) class indices → (B, k) float, matching ``output``; (B, 1) output → (B, 1) 0/1.
    if target.dtype.is_floating_point:
        return target.reshape(output.shape).to(output.dtype)
    if output.shape[-1] == 1:
        return target.reshape(-1, 1).to(output.dtype)
    return F.one_hot(target, num_classes=output.shape[-1]).to(output.dtype)


def build_loss(name: LossName, task: Task, final_activation: FinalActivation = None) -> LossFn:
    """The loss function for ``name`` (``auto`` resolved by ``task``) on raw model outputs.

    >>> loss = build_loss("cross_entropy", "classification", "softmax")
    >>> float(loss(torch.zeros(2, 3), torch.tensor([0, 2]))) == float(torch.log(torch.tensor(3.0)))
    True
    """
    check_loss_task(name, task)
    resolved = resolve_loss_name(name, task)

    if resolved == "cross_entropy":
        if final_activation == "sigmoid":
            # Scores are sigmoid(x); normalising them is log_softmax(logsigmoid(x)): stable.
            def sigmoid_cross_entropy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
                return F.cross_entropy(F.logsigmoid(output), target)

            return sigmoid_cross_entropy

        def cross_entropy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            # output: (B, C) logits (softmax, when declared, is folded into log_softmax here)
            return F.cross_entropy(output, target)

        return cross_entropy

    if resolved == "binary_cross_entropy":
        if final_activation == "softmax":

            def softmax_bce(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
                probs = torch.softmax(output, dim=-1).clamp(1e-7, 1 - 1e-7)
                return F.binary_cross_entropy(probs, _one_hot_like(target, output))

            return softmax_bce

        def bce_with_logits(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return F.binary_cross_entropy_with_logits(output, _one_hot_like(target, output))

        return bce_with_logits

    pointwise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    if resolved == "mse":
        pointwise = F.mse_loss
    elif resolved == "mae":
        pointwise = F.l1_loss
    else:
        pointwise = F.huber_loss

    def regression_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prediction = apply_final_activation(output, final_activation)
        return pointwise(prediction, _one_hot_like(target, prediction))

    return regression_loss
