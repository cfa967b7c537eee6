"""The autoencoder recipe: one graph that gives back its input, trained to reconstruct it.

The graph's output has the input's shape; the target of every sample is the sample itself, so
:meth:`AutoencoderRecipe.prepare` returns splits whose ``y`` is their ``x`` (the loop, the
telemetry's gradient probe and early stopping then need nothing special) and keeps the data
set's labels of the validation split aside (``val_labels``) for views that colour the latent
space by class. The loss is ``mse`` (default) on the activated output, or
``binary_cross_entropy`` for data in [0, 1] (on the logits when the graph ends in a sigmoid,
which is then folded, as everywhere in LayerLab). An evaluation reports ``loss`` and ``mse``.
"""

from __future__ import annotations

import contextlib
import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split
from layerlab.training.callbacks import Evaluation, non_finite_error
from layerlab.training.config import TrainConfig
from layerlab.training.recipes.base import Autocast, OneNetworkRecipe, StepResult, StepTools
from layerlab.training.recipes.supervised import EVAL_BATCH_SIZE, with_validation

__all__ = ["AutoencoderRecipe", "ReconstructionLoss"]

ReconstructionLoss = Literal["mse", "binary_cross_entropy"]


class AutoencoderRecipe(OneNetworkRecipe):
    """Reconstruct each input (see the module docstring)."""

    name = "autoencoder"
    task = "generative"  # no prediction to score: the classification and boundary views stay off

    def __init__(self, model: nn.Module, loss: ReconstructionLoss = "mse") -> None:
        super().__init__(model)
        self.reconstruction_loss: ReconstructionLoss = loss
        self.val_labels: torch.Tensor | None = None

    def prepare(self, data: DatasetSplits, config: TrainConfig, seed: int) -> DatasetSplits:
        data = with_validation(data, config.validation_split, seed)
        self.val_labels = data.val.y
        return DatasetSplits(
            info=data.info,
            train=Split(data.train.x, data.train.x),
            val=Split(data.val.x, data.val.x),
            test=Split(data.test.x, data.test.x),
        )

    def reconstruct(self, output: torch.Tensor) -> torch.Tensor:
        """The reconstruction from the model's raw output: its final sigmoid applied, if folded."""
        return torch.sigmoid(output) if getattr(self.model, "final_activation", None) == "sigmoid" else output

    def loss_fn(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean reconstruction loss over every value of ``output`` against ``target`` (the input)."""
        output = output.reshape(target.shape)
        if self.reconstruction_loss == "binary_cross_entropy":
            if getattr(self.model, "final_activation", None) == "sigmoid":
                return F.binary_cross_entropy_with_logits(output, target)
            return F.binary_cross_entropy(output.clamp(1e-6, 1 - 1e-6), target)
        return F.mse_loss(self.reconstruct(output), target)

    def training_step(self, x: torch.Tensor, y: torch.Tensor, tools: StepTools) -> StepResult:
        with tools.autocast():
            loss = self.loss_fn(self.model(x), y)
        self.step_optimizer(loss, tools)
        return StepResult(loss=loss.detach())

    @torch.no_grad()
    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        was_training = self.model.training
        self.model.eval()
        n = len(split)
        sums = torch.zeros(2, dtype=torch.float64, device=split.x.device)  # loss, squared error (summed)
        try:
            for start in range(0, n, EVAL_BATCH_SIZE):
                x = split.x[start : start + EVAL_BATCH_SIZE]
                with autocast():
                    output = self.model(x)
                    loss = self.loss_fn(output, x)
                squared = F.mse_loss(self.reconstruct(output.reshape(x.shape)).float(), x.float())
                sums += torch.stack([loss.double(), squared.double()]) * len(x)
        finally:
            self.model.train(was_training)
        loss_value, mse = (sums / max(n, 1)).tolist()
        if not math.isfinite(loss_value):
            raise non_finite_error(loss_value, epoch=0, what=f"{name} loss")
        return Evaluation(split=name, metrics={"loss": loss_value, "mse": mse})
