"""The forecasting recipe: a window of past values → the next value(s), on a series split in time order.

Trained like regression (MSE by default) on ``x`` ``(N, window, features)`` → ``y`` ``(N, horizon)``,
and measured with MSE, MAE, R² and the naive forecast beside them: "tomorrow is like today",
the window's last value repeated over the horizon (``naive_mse``, ``naive_mae``). A model that
does not beat it has learned nothing a learner could not do by hand. The splits come from the
data set in time order and are never shuffled across each other; a set without a validation
split holds out the *last* ``training.validation_split`` of train, not a random part.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split
from layerlab.training.callbacks import Evaluation
from layerlab.training.config import LossName, TrainConfig
from layerlab.training.recipes.base import Autocast
from layerlab.training.recipes.supervised import SupervisedRecipe, evaluate

__all__ = ["ForecastRecipe", "naive_forecast", "naive_metrics"]


def naive_forecast(x: torch.Tensor, horizon: int) -> torch.Tensor:
    """The "repeat the last value" forecast ``(N, horizon)`` of windows ``x`` ``(N, window, features)``."""
    last = x[:, -1, 0] if x.ndim == 3 else x[:, -1]  # (N,)
    return last.unsqueeze(1).expand(-1, horizon)


def naive_metrics(split: Split) -> dict[str, float]:
    """MSE and MAE of the naive forecast on ``split`` (``naive_mse``, ``naive_mae``)."""
    if len(split) == 0:
        return {}
    target = split.y.reshape(len(split), -1).double()
    error = naive_forecast(split.x.double(), target.shape[1]) - target
    return {"naive_mse": float((error**2).mean()), "naive_mae": float(error.abs().mean())}


def _chronological_validation(data: DatasetSplits, fraction: float) -> DatasetSplits:
    if len(data.val) > 0 or fraction <= 0 or len(data.train) < 2:
        return data
    n = len(data.train)
    cut = n - max(1, int(round(n * fraction)))
    return DatasetSplits(
        info=data.info,
        train=Split(data.train.x[:cut], data.train.y[:cut]),
        val=Split(data.train.x[cut:], data.train.y[cut:]),
        test=data.test,
    )


class ForecastRecipe(SupervisedRecipe):
    """One model forecasting ``horizon`` values from a window (the ``forecast`` task)."""

    name = "forecast"

    def __init__(self, model: nn.Module, loss: LossName = "auto") -> None:
        super().__init__(model, "forecast", loss)

    def prepare(self, data: DatasetSplits, config: TrainConfig, seed: int) -> DatasetSplits:
        return _chronological_validation(data, config.validation_split)

    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        result = evaluate(self.model, split, self.loss_fn, task="forecast", name=name, autocast=autocast)
        result.metrics.update(naive_metrics(split))
        return result
