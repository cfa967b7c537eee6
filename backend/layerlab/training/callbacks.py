"""Training callbacks (Lightning/Keras style), the state they read, and the event stream.

:func:`layerlab.training.engine.fit` calls the hooks of a :class:`CallbackList` in this
order::

    on_train_start
      on_epoch_start
        on_batch_end            (every batch; on_pause/on_resume around a pause)
      on_epoch_end              (after validation; state.epoch_logs is set)
    on_train_end                (after the test evaluation; state.test is set)
    on_exception                (instead of on_train_end when fit raises)

Every hook receives the one mutable :class:`TrainState`. Stopping is a flag
(``state.should_stop`` + a :class:`StopReason`), never an exception. :class:`EventEmitter`
is the only callback that knows about events: it turns the hooks into the event models of
``docs/contract.md`` §4, stamped with ``run_id``, a gap-free ``seq`` and ``time.time()``.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits
from layerlab.errors import NonFiniteLossError, TrainingError
from layerlab.training.config import SamplingConfig
from layerlab.training.events import (
    ClassMetrics,
    ConfusionMatrixEvent,
    EpochEvent,
    EvaluationEvent,
    Event,
    RunState,
    StatusEvent,
    StepEvent,
)

__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "EpochLogs",
    "Evaluation",
    "EventEmitter",
    "EventSink",
    "NON_FINITE_HINT",
    "StopReason",
    "TelemetryProducer",
    "TrainState",
]

logger = logging.getLogger(__name__)

NON_FINITE_HINT = "Lower the learning rate, add normalization, or clip gradients."


class StopReason(enum.Enum):
    """Why a fit ended before its last planned epoch (``None`` on the state: it did not)."""

    EARLY_STOPPING = "early_stopping"
    MAX_STEPS = "max_steps"
    USER = "user"


@dataclass
class Evaluation:
    """A model's metrics on one split.

    ``metrics`` holds ``loss`` plus ``accuracy, precision, recall, f1`` (classification)
    or ``mse, mae, r2`` (regression); ``confusion`` (rows = true class) and ``per_class``
    are set for classification only.
    """

    split: str
    metrics: dict[str, float]
    confusion: list[list[int]] | None = None
    per_class: list[ClassMetrics] | None = None


@dataclass
class EpochLogs:
    """What one epoch produced: train metrics, the validation evaluation (if any), timing."""

    train: dict[str, float]
    val: Evaluation | None
    duration_s: float
    learning_rate: float


@dataclass
class TrainState:
    """The state of one fit, shared by the engine and every callback.

    Counters are 1-based once running: ``epoch`` is the current epoch, ``step`` the global
    batch number, ``batch`` the batch within the epoch. ``loss`` is the last batch loss
    read from the device (reads are lazy, see :meth:`batch_loss`). ``history`` holds one
    Keras-style dict per finished epoch: ``{"epoch", "loss", "accuracy", "val_loss", …}``.
    """

    epochs: int = 0
    steps_per_epoch: int = 0
    device: str = "cpu"
    task: str = "classification"
    labels: list[str] = field(default_factory=list)
    epoch: int = 0
    step: int = 0
    batch: int = 0
    batch_samples: int = 0
    lr: float = 0.0
    loss: float | None = None
    is_single_step: bool = False
    should_stop: bool = False
    stop_reason: StopReason | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    epoch_logs: EpochLogs | None = None
    test: Evaluation | None = None
    seed: int | None = None
    model: nn.Module | None = None
    data: DatasetSplits | None = None
    loss_tensor: torch.Tensor | None = None
    #: The recipe's loss of ``(output, target)`` for one batch (probes such as the telemetry's gradients use it).
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
    #: For recipes with several networks: each one's loss of the current batch (detached, on the device).
    loss_tensors: dict[str, torch.Tensor] | None = None
    #: The monitor (validation) example the live activations follow; a new one arrives through RunControl.
    probe_index: int = 0
    #: A language model's live samples (temperature, length, prompt); changes arrive through RunControl.
    sampling: SamplingConfig | None = None
    #: Set by the loop when ``sampling`` changed (a producer may sample at once); producers clear it.
    sampling_changed: bool = False
    _synced_step: int = -1

    def batch_loss(self) -> float:
        """The current batch's loss as a float, reading the device at most once per batch.

        Raises:
            NonFiniteLossError: the loss is NaN or infinite (with epoch and batch).
        """
        if self._synced_step != self.step:
            assert self.loss_tensor is not None, "batch_loss() outside a batch"
            self.loss = float(self.loss_tensor)
            self._synced_step = self.step
            if not math.isfinite(self.loss):
                raise non_finite_error(self.loss, epoch=self.epoch, batch=self.batch)
        assert self.loss is not None
        return self.loss


def non_finite_error(
    value: float, *, epoch: int, batch: int | None = None, what: str = "training loss"
) -> NonFiniteLossError:
    """The error for a NaN/inf loss, naming where it was seen."""
    where = f"epoch {epoch}, batch {batch}" if batch is not None else f"epoch {epoch}"
    return NonFiniteLossError(f"The {what} became {value} at {where}: training diverged.", hint=NON_FINITE_HINT)


class Callback:
    """Base class of training callbacks: every hook is a no-op; override the ones you need."""

    def on_train_start(self, state: TrainState) -> None:
        """Called once when training begins (data on the device, counters at 0)."""

    def on_epoch_start(self, state: TrainState) -> None:
        """Called when the train epoch begins (``state.epoch`` is the new epoch)."""

    def on_batch_end(self, state: TrainState) -> None:
        """Called after the optimizer step of every batch; ``state.batch_loss()`` reads the loss."""

    def on_pause(self, state: TrainState) -> None:
        """Called when the run pauses (before blocking), between two batches."""

    def on_resume(self, state: TrainState) -> None:
        """Called when a paused run continues."""

    def on_epoch_end(self, state: TrainState) -> None:
        """Called when the epoch ends, after validation (``state.epoch_logs`` and ``history`` are updated)."""

    def on_train_end(self, state: TrainState) -> None:
        """Called when training ends normally or is stopped (``state.test`` holds the test evaluation, if any)."""

    def on_exception(self, state: TrainState, exc: BaseException) -> None:
        """Called when fit raises; ``exc`` is re-raised afterwards."""


class CallbackList(Callback):
    """Fans every hook out to its callbacks, in order."""

    def __init__(self, callbacks: Sequence[Callback] = ()) -> None:
        self.callbacks = list(callbacks)

    def on_train_start(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_train_start(state)

    def on_epoch_start(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_epoch_start(state)

    def on_batch_end(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_batch_end(state)

    def on_pause(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_pause(state)

    def on_resume(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_resume(state)

    def on_epoch_end(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(state)

    def on_train_end(self, state: TrainState) -> None:
        for callback in self.callbacks:
            callback.on_train_end(state)

    def on_exception(self, state: TrainState, exc: BaseException) -> None:
        for callback in self.callbacks:
            try:
                callback.on_exception(state, exc)
            except Exception:  # one broken callback must not hide the original error
                logger.exception("callback %s failed in on_exception", type(callback).__name__)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``*loss`` is minimised, ``*accuracy`` maximised. With ``restore_best_weights`` the
    best epoch's weights are loaded back when it stops (before the test evaluation).

    Raises (from on_epoch_end):
        TrainingError: code ``invalid_early_stopping`` when ``monitor`` is not logged,
            listing the names that are.
    """

    def __init__(
        self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0, restore_best_weights: bool = True
    ) -> None:
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.is_maximizing = "accuracy" in monitor
        self.best: float | None = None
        self.best_epoch = 0
        self.wait = 0
        self.best_weights: dict[str, torch.Tensor] | None = None

    def on_train_start(self, state: TrainState) -> None:
        self.best, self.best_epoch, self.wait, self.best_weights = None, 0, 0, None

    def _is_improvement(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.is_maximizing:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, state: TrainState) -> None:
        logs = state.history[-1]
        if self.monitor not in logs:
            available = ", ".join(sorted(k for k in logs if k != "epoch"))
            raise TrainingError(
                f"Early stopping watches {self.monitor!r}, which this run does not log; use any of the following: {available}.",
                code="invalid_early_stopping",
                field="training.early_stopping.monitor",
                hint="Pick a monitored value that exists (val_* needs a validation split).",
            )
        value = logs[self.monitor]
        if self._is_improvement(value):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights and state.model is not None:
                self.best_weights = {k: v.detach().clone() for k, v in state.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            state.should_stop = True
            state.stop_reason = StopReason.EARLY_STOPPING
            logger.info(
                "early stopping at epoch %d: %s best %.6g at epoch %d",
                state.epoch,
                self.monitor,
                self.best,
                self.best_epoch,
            )
            if self.best_weights is not None and state.model is not None:
                state.model.load_state_dict(self.best_weights)


class EventSink(Protocol):
    """The public way to emit an event: what a :class:`TelemetryProducer` is given."""

    @property
    def run_id(self) -> str: ...

    def emit(self, event_type: type[Event], **fields: Any) -> Event:
        """Stamp ``seq``, ``run_id`` and ``time`` on a new ``event_type`` with ``fields`` and send it."""
        ...


class TelemetryProducer(Callback):
    """A callback that reports on training through an :class:`EventSink` (the seam for new views).

    A producer overrides the hooks it needs and calls ``self.sink.emit(SomeEvent, **fields)``.
    :class:`EventEmitter` owns its producers: it binds them to itself and calls each hook of a
    producer right *after* its own events for that hook (so a producer's report on an epoch
    follows the ``epoch`` event), except ``on_train_end``, where producers report first (their
    last word comes before the test evaluation and the final status). A producer decides its
    own rate; the engine does not know it exists.
    """

    sink: EventSink

    def bind(self, sink: EventSink) -> None:
        """Called once by the emitter before training starts."""
        self.sink = sink


#: The per-epoch floor of step events never sends faster than this many times ``step_events_per_s``:
#: every event costs the server a little CPU (about 0.3 ms, measured on 2 cores), which on a
#: small machine is taken from training.
FLOOR_RATE_FACTOR = 4


class EventEmitter(Callback):
    """Turns hooks into :data:`~layerlab.training.events.Event` models and hands each to ``emit``.

    ``seq`` starts at ``first_seq`` and grows by one per event, with no gaps; ``time`` is
    ``time.time()``. Step events are throttled by time to ``step_events_per_s`` (the first
    step is always sent at once, and a single step asked for while paused is always sent).
    A fast run would get only a handful of points that way, so a step is also sent every
    ``steps_per_epoch / step_events_per_epoch`` batches, as long as that stays under
    :data:`FLOOR_RATE_FACTOR` times the time rate (0: by time only). The loss is read from
    the device only for steps that are sent. Epoch, confusion-matrix, evaluation and status
    events are never skipped. Everything else (decision boundaries, the inside of the network,
    diagnostics) comes from ``producers`` (:class:`TelemetryProducer`), which emit through
    :meth:`emit`.

    >>> events: list[Event] = []
    >>> emitter = EventEmitter("run-1", events.append)
    >>> emitter.emit_status("failed", code="x", message="m").seq
    1
    """

    def __init__(
        self,
        run_id: str,
        emit: Callable[[Event], None],
        *,
        first_seq: int = 1,
        step_events_per_s: float = 10.0,
        step_events_per_epoch: int = 0,
        producers: Sequence[TelemetryProducer] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert first_seq >= 1
        self.run_id = run_id
        self._emit = emit
        self._seq = first_seq
        self._step_interval_s = 1.0 / step_events_per_s
        self._step_events_per_epoch = step_events_per_epoch
        self._last_step_sent = 0
        self.producers = list(producers)
        for producer in self.producers:
            producer.bind(self)
        self._clock = clock
        self._last_step_at: float | None = None
        self._window_start = 0.0
        self._window_samples = 0
        self._unsent_step_epoch: int | None = None  # epoch of the last batch, while it has no step event

    @property
    def next_seq(self) -> int:
        """The ``seq`` the next event will carry."""
        return self._seq

    def emit(self, event_type: type[Event], **fields: Any) -> Event:
        """Send one event of ``event_type`` with ``fields``, stamped with the next ``seq``, ``run_id`` and ``time``."""
        event = event_type(seq=self._seq, run_id=self.run_id, time=time.time(), **fields)
        self._seq += 1
        self._emit(event)
        return event

    def emit_status(self, status: RunState, **fields: Any) -> StatusEvent:
        """Send a ``status`` event (``code``, ``message``, ``hint``, ``node_id``, ``device`` … as keywords)."""
        event = self.emit(StatusEvent, status=status, **fields)
        assert isinstance(event, StatusEvent)
        return event

    def _running(self, state: TrainState) -> None:
        self.emit_status("running", device=state.device, epochs=state.epochs, steps_per_epoch=state.steps_per_epoch)

    # --- hooks: the core events, then each producer's --------------------------------------
    def on_train_start(self, state: TrainState) -> None:
        self._running(state)
        self._window_start = self._clock()
        for producer in self.producers:
            producer.on_train_start(state)

    def on_epoch_start(self, state: TrainState) -> None:
        self._window_start, self._window_samples = self._clock(), 0
        for producer in self.producers:
            producer.on_epoch_start(state)

    def on_batch_end(self, state: TrainState) -> None:
        self._window_samples += state.batch_samples
        now = self._clock()
        if self._step_due(state, now):
            self._send_step(state, state.epoch, now)
        else:
            self._unsent_step_epoch = state.epoch  # this batch has no step event (yet)
        for producer in self.producers:
            producer.on_batch_end(state)

    def _step_due(self, state: TrainState, now: float) -> bool:
        if self._last_step_at is None or state.is_single_step:
            return True
        since = now - self._last_step_at
        if since >= self._step_interval_s:
            return True
        if self._step_events_per_epoch <= 0 or since < self._step_interval_s / FLOOR_RATE_FACTOR:
            return False
        every = max(1, -(-state.steps_per_epoch // self._step_events_per_epoch))  # ceil
        return state.step - self._last_step_sent >= every

    def _send_step(self, state: TrainState, epoch: int, now: float) -> None:
        loss = state.batch_loss()  # the only device read of a step
        tensors = state.loss_tensors  # a recipe with several networks: each one's loss
        losses = {name: float(value) for name, value in tensors.items()} if tensors else None
        elapsed = now - self._window_start
        self.emit(
            StepEvent,
            epoch=epoch,
            step=state.step,
            loss=loss,
            losses=losses,
            learning_rate=state.lr,
            samples_per_s=self._window_samples / elapsed if elapsed > 0 else 0.0,
            steps_per_epoch=state.steps_per_epoch,
        )
        self._last_step_at, self._window_start, self._window_samples = now, now, 0
        self._last_step_sent = state.step
        self._unsent_step_epoch = None

    def on_pause(self, state: TrainState) -> None:
        if self._unsent_step_epoch is not None:  # a paused run shows exactly where it stopped
            self._send_step(state, self._unsent_step_epoch, self._clock())
        self.emit_status("paused")
        for producer in self.producers:
            producer.on_pause(state)

    def on_resume(self, state: TrainState) -> None:
        self._running(state)
        self._window_start, self._window_samples = self._clock(), 0
        for producer in self.producers:
            producer.on_resume(state)

    def on_epoch_end(self, state: TrainState) -> None:
        logs = state.epoch_logs
        assert logs is not None
        val = logs.val
        self.emit(
            EpochEvent,
            epoch=state.epoch,
            train=logs.train,
            val=val.metrics if val is not None else {},
            learning_rate=logs.learning_rate,
            duration_s=logs.duration_s,
        )
        if val is not None and val.confusion is not None:
            self.emit(ConfusionMatrixEvent, split="val", epoch=state.epoch, labels=state.labels, matrix=val.confusion)
        for producer in self.producers:
            producer.on_epoch_end(state)

    def on_train_end(self, state: TrainState) -> None:
        for producer in self.producers:  # their last word comes before the test evaluation
            producer.on_train_end(state)
        test = state.test
        if test is None:
            return
        metrics: dict[str, float | list[ClassMetrics]] = dict(test.metrics)
        if test.per_class is not None:
            metrics["per_class"] = test.per_class
        self.emit(EvaluationEvent, split="test", metrics=metrics)
        if test.confusion is not None:
            self.emit(ConfusionMatrixEvent, split="test", labels=state.labels, matrix=test.confusion)

    def on_exception(self, state: TrainState, exc: BaseException) -> None:
        for producer in self.producers:
            try:
                producer.on_exception(state, exc)
            except Exception:  # a broken producer must not hide the original error
                logger.exception("producer %s failed in on_exception", type(producer).__name__)
