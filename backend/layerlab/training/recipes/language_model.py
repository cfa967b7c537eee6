"""The language-model recipe: next-character cross-entropy at every position of a window.

A text set hands over token streams (int64 ids into ``info.vocabulary``). :meth:`prepare`
cuts each into windows of ``training.sequence_length`` (``T``) characters: ``x`` = ids
``(N, T)``, ``y`` = the same characters one step later. The model returns logits
``(B, T, V)``; the loss is the mean cross-entropy over all ``B·T`` positions (a final softmax
is folded into it). Metrics: ``loss`` (nats per character), ``perplexity`` (``e^loss``: how many
characters the model is choosing between) and ``bits_per_char`` (``loss / ln 2``), on the
held-out stream's non-overlapping windows. See ``docs/recipes.md``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split
from layerlab.datasets.text import DEFAULT_SEQUENCE_LENGTH
from layerlab.training.callbacks import Evaluation, non_finite_error
from layerlab.training.config import TrainConfig
from layerlab.training.losses import FinalActivation
from layerlab.training.recipes.base import Autocast, OneNetworkRecipe, StepResult, StepTools
from layerlab.training.recipes.supervised import EVAL_BATCH_SIZE

__all__ = ["DEFAULT_SEQUENCE_LENGTH", "LanguageModelRecipe", "language_model_metrics", "windows"]


def windows(stream: torch.Tensor, length: int) -> Split:
    """Non-overlapping windows of a token stream ``(L,)``: ``x`` ``(N, length)`` and ``y`` = ``x`` one step on.

    ``N = (L - 1) // length``; the characters after the last full window are left out.

    >>> windows(torch.arange(10), 3).x.tolist()
    [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """
    n = max(0, (int(stream.shape[0]) - 1) // length)
    used = n * length
    x = stream[:used].reshape(n, length)
    y = stream[1 : used + 1].reshape(n, length)
    return Split(x.long(), y.long())


def language_model_metrics(loss: float) -> dict[str, float]:
    """``loss`` (nats per character) with its ``perplexity`` and ``bits_per_char``."""
    return {"loss": loss, "perplexity": math.exp(min(loss, 700.0)), "bits_per_char": loss / math.log(2)}


class LanguageModelRecipe(OneNetworkRecipe):
    """A character-level language model: one graph, trained on next-character prediction."""

    name = "language_model"
    task = "language_model"

    def __init__(self, model: nn.Module, sequence_length: int = DEFAULT_SEQUENCE_LENGTH) -> None:
        super().__init__(model)
        self.sequence_length = sequence_length

    def prepare(self, data: DatasetSplits, config: TrainConfig, seed: int) -> DatasetSplits:
        t = self.sequence_length
        val = windows(data.val.x, t)
        return DatasetSplits(
            info=data.info.model_copy(update={"input_shape": [t]}),
            train=windows(data.train.x, t),
            val=val,
            test=val if data.test is data.val else windows(data.test.x, t),  # one split: one evaluation serves both
        )

    def configure(self, config: TrainConfig, device: torch.device) -> None:
        final_activation: FinalActivation = getattr(self.model, "final_activation", None)
        self._sigmoid = final_activation == "sigmoid"
        super().configure(config, device)

    def loss_fn(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean next-character cross-entropy of logits ``(B, T, V)`` against ids ``(B, T)``."""
        logits = output.reshape(-1, output.shape[-1])  # (B·T, V)
        if self._sigmoid:  # scores sigmoid(x) normalised: log_softmax(logsigmoid(x)), stable
            logits = F.logsigmoid(logits)
        return F.cross_entropy(logits, target.reshape(-1))

    def training_step(self, x: torch.Tensor, y: torch.Tensor, tools: StepTools) -> StepResult:
        with tools.autocast():
            output = self.model(x)  # (b, T, V) logits
            loss = self.loss_fn(output, y)  # () mean over b·T characters
        self.step_optimizer(loss, tools)
        return StepResult(loss=loss.detach())

    def train_metrics(self, loss: float, outputs: Sequence[torch.Tensor], targets: torch.Tensor) -> dict[str, float]:
        return language_model_metrics(loss)

    @torch.no_grad()
    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        was_training = self.model.training
        self.model.eval()
        n = len(split)
        batch = max(1, EVAL_BATCH_SIZE * 16 // self.sequence_length)  # about 16k characters a forward pass
        total = torch.zeros((), device=split.x.device, dtype=torch.float64)
        try:
            for start in range(0, n, batch):
                xb, yb = split.x[start : start + batch], split.y[start : start + batch]
                with autocast():
                    total += self.loss_fn(self.model(xb), yb).double() * len(xb)
        finally:
            self.model.train(was_training)
        loss = float(total) / max(n, 1)
        if not math.isfinite(loss):
            raise non_finite_error(loss, epoch=0, what=f"{name} loss")
        return Evaluation(split=name, metrics=language_model_metrics(loss))
