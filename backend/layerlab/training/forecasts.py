"""The forecast view's producer: the series with the model's one-step predictions and a free-running rollout.

For a forecasting run (task ``forecast``) it emits, after epochs and once at the end, one
``samples`` event of kind ``forecast`` (``docs/contract.md`` §4):

- ``context``: the end of the training series, just before the validation range;
- ``actual``: the validation series (each window's first target, in time order);
- ``one_step``: the model's forecast of each of those from the true window before it;
- ``rollout``: free running — from the first validation window, the model's own forecasts are
  fed back as its next inputs, so errors compound as they would in real use.

It costs one batched forward pass and one pass per ``horizon`` values of the rollout, so it
is spaced to stay within ``budget`` of the training time (the first epoch and the end always
report).
"""

from __future__ import annotations

import logging
import math
import time

import torch
from torch import nn

from layerlab.training.callbacks import TelemetryProducer, TrainState
from layerlab.training.events import SamplesEvent

__all__ = ["ForecastProducer", "forecast_series"]

logger = logging.getLogger(__name__)

#: Most values of the validation range (and of the context) a report carries.
MAX_POINTS = 300
CONTEXT_POINTS = 200


def _round(values: torch.Tensor) -> list[float]:
    return [round(float(v), 5) for v in values.detach().float().cpu()]


@torch.no_grad()
def forecast_series(
    model: nn.Module, train_y: torch.Tensor, val_x: torch.Tensor, val_y: torch.Tensor
) -> dict[str, list[float]]:
    """``context``, ``actual``, ``one_step`` and ``rollout`` for windows ``val_x`` ``(N, window, F)`` → ``val_y`` ``(N, h)``.

    The model's train/eval mode is restored afterwards. The rollout feeds predictions back as
    feature 0 (the series); with more than one feature there is nothing to feed the others, so
    it is empty.
    """
    was_training = model.training
    model.eval()
    try:
        n = min(len(val_x), MAX_POINTS)
        x, y = val_x[:n], val_y[:n]
        one_step = model(x).reshape(n, -1)[:, 0]  # (n,)
        rollout: list[torch.Tensor] = []
        if x.ndim == 3 and x.shape[2] == 1 and n > 0:
            window = x[:1]  # (1, W, 1)
            horizon = int(y.shape[1]) if y.ndim == 2 else 1
            produced = 0
            while produced < n:
                step = model(window).reshape(1, -1)[:, :horizon]  # (1, h)
                rollout.append(step[0])
                produced += int(step.shape[1])
                window = torch.cat([window[:, step.shape[1] :], step.reshape(1, -1, 1)], dim=1)[:, -x.shape[1] :]
        series = torch.cat(rollout)[:n] if rollout else torch.zeros(0)
    finally:
        model.train(was_training)
    return {
        "context": _round(train_y.reshape(len(train_y), -1)[-CONTEXT_POINTS:, 0]) if len(train_y) else [],
        "actual": _round(y.reshape(n, -1)[:, 0]),
        "one_step": _round(one_step),
        "rollout": _round(series),
    }


class ForecastProducer(TelemetryProducer):
    """Reports the forecast view after epochs (within ``budget`` of the training time) and at the end."""

    def __init__(self, budget: float = 0.05, min_interval_s: float = 0.5) -> None:
        self.budget = budget
        self.min_interval_s = min_interval_s
        self._started = 0.0
        self._spent = 0.0
        self._last_cost = 0.0
        self._last_report = -math.inf
        self._active = False

    def on_train_start(self, state: TrainState) -> None:
        self._active = state.task == "forecast" and state.data is not None and len(state.data.val) > 0
        self._started = time.perf_counter()

    def on_epoch_end(self, state: TrainState) -> None:
        if not self._active:
            return
        now = time.perf_counter()
        if state.epoch > 1:
            if now - self._last_report < self.min_interval_s:
                return
            if self._spent + self._last_cost > self.budget * (now - self._started):
                return
        self._report(state)

    def on_train_end(self, state: TrainState) -> None:
        if self._active and state.history:
            self._report(state)

    def _report(self, state: TrainState) -> None:
        assert state.data is not None and state.model is not None
        started = time.perf_counter()
        try:
            series = forecast_series(state.model, state.data.train.y, state.data.val.x, state.data.val.y)
        except RuntimeError:  # a model that cannot be fed its own output: the view stays empty
            logger.debug("forecast view: no rollout for this model", exc_info=True)
            self._active = False
            return
        item: dict[str, object] = {"split": "val", "epoch": state.epoch, "step": state.step, **series}
        self.sink.emit(SamplesEvent, epoch=state.epoch, kind="forecast", items=[item])
        self._last_cost = time.perf_counter() - started
        self._spent += self._last_cost
        self._last_report = time.perf_counter()
