"""The supervised recipe: classification and regression of ``(x, y)`` batches, as the loop always trained.

One model, one optimizer, the loss chosen by name and task (:mod:`layerlab.training.losses`:
a final softmax/sigmoid is folded into it, never applied twice), L1 on the weights, and the
metrics of ``docs/contract.md`` §4: accuracy, precision, recall, F1 and the confusion matrix for
classification; MSE, MAE and R² for regression. Sets without a validation split hold out
``training.validation_split`` of train (seeded).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split, Task
from layerlab.training.callbacks import Evaluation, non_finite_error
from layerlab.training.config import LossName, TrainConfig
from layerlab.training.losses import FinalActivation, LossFn, apply_final_activation, build_loss
from layerlab.training.metrics import (
    classification_metrics,
    confusion_matrix,
    per_class_metrics,
    predicted_classes,
    regression_metrics,
)
from layerlab.training.recipes.base import Autocast, OneNetworkRecipe, StepResult, StepTools

__all__ = ["EVAL_BATCH_SIZE", "SupervisedRecipe", "class_labels", "evaluate", "with_validation"]

#: Smallest batch used for validation/test (no gradients, so larger batches are cheap).
EVAL_BATCH_SIZE = 1024


def class_labels(data: DatasetSplits, num_classes: int) -> list[str]:
    """The data set's class names when it has one per class, else ``"0"``, ``"1"`` …"""
    names = data.info.class_names
    if names and len(names) == num_classes:
        return list(names)
    return [str(i) for i in range(num_classes)]


def with_validation(data: DatasetSplits, fraction: float, seed: int) -> DatasetSplits:
    """``data`` itself when it has a validation split; else ``fraction`` of train held out (seeded)."""
    if len(data.val) > 0 or fraction <= 0 or len(data.train) < 2:
        return data
    n = len(data.train)
    n_val = max(1, int(round(n * fraction)))
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(data.train.x.device)
    train_idx, val_idx = order[n_val:], order[:n_val]
    return DatasetSplits(
        info=data.info,
        train=Split(data.train.x[train_idx], data.train.y[train_idx]),
        val=Split(data.train.x[val_idx], data.train.y[val_idx]),
        test=data.test,
    )


@torch.no_grad()
def evaluate(
    model: nn.Module,
    split: Split,
    loss_fn: LossFn,
    *,
    task: str,
    labels: Sequence[str] = (),
    name: str = "val",
    batch_size: int = EVAL_BATCH_SIZE,
    autocast: Autocast = contextlib.nullcontext,
) -> Evaluation:
    """Loss and metrics of ``model`` on ``split`` (eval mode, no gradients, batched).

    Classification: ``loss, accuracy, precision, recall, f1`` (macro) plus the confusion
    matrix and per-class metrics over ``labels``; regression: ``loss, mse, mae, r2``.
    The model's train/eval mode is restored afterwards.

    Raises:
        NonFiniteLossError: the loss on the split is NaN or infinite.
    """
    final_activation: FinalActivation = getattr(model, "final_activation", None)
    was_training = model.training
    model.eval()
    n = len(split)
    loss_sum = torch.zeros((), device=split.x.device, dtype=torch.float64)
    outputs: list[torch.Tensor] = []
    try:
        for start in range(0, n, batch_size):
            xb, yb = split.x[start : start + batch_size], split.y[start : start + batch_size]
            with autocast():
                output = model(xb)  # (b, k) raw outputs
                loss_sum += loss_fn(output, yb).double() * len(xb)
            output = output.float()
            if task == "classification":
                outputs.append(predicted_classes(output))  # (b,) class indices
            else:
                outputs.append(apply_final_activation(output, final_activation))  # (b, k) values
    finally:
        model.train(was_training)
    loss = float(loss_sum) / max(n, 1)
    if not math.isfinite(loss):
        raise non_finite_error(loss, epoch=0, what=f"{name} loss")
    if n == 0:
        return Evaluation(split=name, metrics={"loss": loss})
    predictions = torch.cat(outputs)
    if task == "classification":
        cm = confusion_matrix(split.y, predictions, len(labels)).cpu()
        return Evaluation(
            split=name,
            metrics={"loss": loss, **classification_metrics(cm)},
            confusion=cm.tolist(),
            per_class=per_class_metrics(cm, list(labels)),
        )
    return Evaluation(split=name, metrics={"loss": loss, **regression_metrics(predictions, split.y)})


class SupervisedRecipe(OneNetworkRecipe):
    """Classification or regression of one model on ``(x, y)`` batches (the first recipe).

    ``model`` returns raw outputs ``(B, k)``; a ``final_activation`` attribute
    (``softmax``/``sigmoid``, as :class:`~layerlab.graph.GraphModule` has) tells the loss and
    the metrics what it stands for. ``loss`` is the resolved loss name (``auto`` still works).
    """

    name = "supervised"
    task: Task

    def __init__(self, model: nn.Module, task: Task, loss: LossName = "auto") -> None:
        super().__init__(model)
        self.task = task
        self.loss_name: LossName = loss
        self.keeps_outputs = task == "classification"

    def prepare(self, data: DatasetSplits, config: TrainConfig, seed: int) -> DatasetSplits:
        data = with_validation(data, config.validation_split, seed)
        if self.task == "classification":
            self.labels = class_labels(data, data.info.num_classes or 0)
        return data

    def configure(self, config: TrainConfig, device: torch.device) -> None:
        final_activation: FinalActivation = getattr(self.model, "final_activation", None)
        self._loss: LossFn = build_loss(self.loss_name, self.task, final_activation)
        super().configure(config, device)

    def loss_fn(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The loss chosen by name and task on raw outputs ``(B, k)`` (a final softmax/sigmoid folded in)."""
        return self._loss(output, target)

    def training_step(self, x: torch.Tensor, y: torch.Tensor, tools: StepTools) -> StepResult:
        with tools.autocast():
            output = self.model(x)  # (b, k) raw outputs (logits)
            loss = self._loss(output, y)  # () mean over the batch
        self.step_optimizer(loss, tools)
        return StepResult(loss=loss.detach(), output=output.detach() if self.keeps_outputs else None)

    def train_metrics(self, loss: float, outputs: Sequence[torch.Tensor], targets: torch.Tensor) -> dict[str, float]:
        logs = {"loss": loss}
        if self.task == "classification" and outputs:
            predictions = predicted_classes(torch.cat(list(outputs)).float())  # (seen,)
            logs["accuracy"] = int((predictions == targets).sum()) / max(len(targets), 1)
        return logs

    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        return evaluate(
            self.model, split, self.loss_fn, task=self.task, labels=self.labels, name=name, autocast=autocast
        )
