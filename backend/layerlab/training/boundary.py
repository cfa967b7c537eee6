"""The decision-boundary view of 2-D data sets: predictions over a grid of the plane.

For a data set with ``info.kind == "2d"`` and input shape ``(2,)``, the grid spans the
training data's range padded by 10 % on each side, ``resolution`` points per axis.
Classification: ``grid`` holds the predicted class and ``probabilities`` its probability;
regression: ``grid`` holds the predicted value (first output). Up to ``max_points``
training samples (a fixed seeded subset, the same every epoch) go on top as ``[x, y, label]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits
from layerlab.training.callbacks import TelemetryProducer, TrainState
from layerlab.training.events import DecisionBoundaryEvent
from layerlab.training.losses import FinalActivation, apply_final_activation

__all__ = ["BoundaryProducer", "decision_boundary", "is_2d", "plane_grid"]

_PADDING = 0.1
_DECIMALS = 4


def is_2d(data: DatasetSplits) -> bool:
    """True for the 2-D playground sets (``kind == "2d"``, input ``(2,)``)."""
    return data.info.kind == "2d" and tuple(data.info.input_shape) == (2,)


def _round(values: torch.Tensor) -> list[list[float]]:
    return [[round(v, _DECIMALS) for v in row] for row in values.tolist()]


def plane_grid(data: DatasetSplits, resolution: int) -> tuple[tuple[float, float], tuple[float, float], torch.Tensor]:
    """The plane grid: ``(x_low, y_low)``, ``(x_high, y_high)`` and the ``(R*R, 2)`` points, row-major
    (point ``i * R + j`` is ``(x_values[j], y_values[i])``), on the device of ``data``."""
    x_train = data.train.x  # (N, 2)
    low, high = x_train.min(dim=0).values, x_train.max(dim=0).values
    span = (high - low).clamp(min=1e-6)
    low, high = low - _PADDING * span, high + _PADDING * span
    xs = torch.linspace(float(low[0]), float(high[0]), resolution, device=x_train.device)
    ys = torch.linspace(float(low[1]), float(high[1]), resolution, device=x_train.device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")  # (R, R): row i is y_values[i]
    points = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)  # (R*R, 2)
    return (float(low[0]), float(low[1])), (float(high[0]), float(high[1])), points


@torch.no_grad()
def decision_boundary(
    model: nn.Module, data: DatasetSplits, *, resolution: int = 60, max_points: int = 400
) -> dict[str, Any]:
    """The fields of a ``decision_boundary`` event (all but seq/run_id/time/epoch).

    Runs the model in eval mode on ``resolution**2`` points (on the device of ``data``)
    and restores its train/eval mode afterwards. ``grid[i][j]`` is the prediction at
    ``(x_values[j], y_values[i])``.
    """
    x_train = data.train.x  # (N, 2)
    (x_low, y_low), (x_high, y_high), points = plane_grid(data, resolution)

    was_training = model.training
    model.eval()
    try:
        output = model(points).float()  # (R*R, k) raw outputs
    finally:
        model.train(was_training)
    final_activation: FinalActivation = getattr(model, "final_activation", None)

    probabilities: list[list[float]] | None
    if data.task == "classification":
        if output.shape[-1] == 1:  # one unit: P(class 1) = sigmoid(logit)
            p1 = torch.sigmoid(output.reshape(-1))
            classes = (p1 > 0.5).float()
            winning = torch.where(classes > 0, p1, 1 - p1)
        else:
            probs = torch.softmax(output, dim=-1) if final_activation != "sigmoid" else torch.sigmoid(output)
            winning, indices = probs.max(dim=-1)
            classes = indices.float()
        grid = classes.reshape(resolution, resolution).cpu().tolist()
        probabilities = _round(winning.reshape(resolution, resolution).cpu())
    else:
        values = apply_final_activation(output, final_activation)[:, 0]
        grid = _round(values.reshape(resolution, resolution).cpu())
        probabilities = None

    n = len(data.train)
    generator = torch.Generator().manual_seed(0)
    chosen = torch.randperm(n, generator=generator)[:max_points].to(x_train.device)
    labels = data.train.y[chosen].reshape(len(chosen), -1)[:, 0].float()
    sample = torch.cat([x_train[chosen].float(), labels[:, None]], dim=1).cpu()
    return {
        "x_range": (x_low, x_high),
        "y_range": (y_low, y_high),
        "resolution": resolution,
        "grid": grid,
        "probabilities": probabilities,
        "points": [tuple(round(v, _DECIMALS) for v in row) for row in sample.tolist()],
    }


class BoundaryProducer(TelemetryProducer):
    """Sends ``decision_boundary`` events on 2-D sets: after an epoch, at most ``events_per_s``, and
    always for the last finished epoch (before the test evaluation)."""

    def __init__(
        self,
        resolution: int = 60,
        max_points: int = 400,
        *,
        events_per_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.resolution = resolution
        self.max_points = max_points
        self._interval_s = 1.0 / events_per_s
        self._clock = clock
        self._last_at: float | None = None
        self._last_epoch = 0

    def _send(self, state: TrainState, epoch: int) -> None:
        if state.model is None or state.data is None or not is_2d(state.data):
            return
        fields = decision_boundary(state.model, state.data, resolution=self.resolution, max_points=self.max_points)
        self.sink.emit(DecisionBoundaryEvent, epoch=epoch, **fields)
        self._last_at, self._last_epoch = self._clock(), epoch

    def on_epoch_end(self, state: TrainState) -> None:
        if self._last_at is None or self._clock() - self._last_at >= self._interval_s:
            self._send(state, state.epoch)

    def on_train_end(self, state: TrainState) -> None:
        last_epoch = int(state.history[-1]["epoch"]) if state.history else 0
        if last_epoch and self._last_epoch != last_epoch:
            self._send(state, last_epoch)
