"""Plain-words diagnostics: ``diagnostic`` events that say why a network fails to learn, and what to try.

:class:`DiagnosticsProducer` watches a run and reports, at most once per ``(kind, node)`` and
only when something is wrong (a healthy run gets none)::

    divergence              the loss became NaN/inf, or grew a hundredfold over its start
    exploding_gradients     a node's gradient norm grew a thousandfold (or stopped being finite)
    vanishing_gradients     the first layers' gradient per weight is 1000× below the last layer's
    dead_units              most units of a ReLU node output 0 for every monitor example
    saturation              most outputs of a sigmoid/tanh node are pinned at its ends
    overfitting             validation loss rising for epochs while the training loss falls
    learning_rate_too_low   the training loss has hardly moved from its first value
    learning_rate_too_high  the training loss goes up and down (or up) without getting better
    update_ratio            a node's step changes its weights by < 1e-5 or > 1 of their size

It measures what it needs itself, cheaply: a few gradient/update samples per epoch (up to
``samples_per_epoch`` training steps read ``param.grad`` and compare the weights with the
next step's; the checks use each node's last few samples), and after each epoch a forward
pass in eval mode over a fixed monitor batch (up to ``monitor_size`` validation examples,
the training split when there is none, chosen once with the run's seed). That sampled work
is skipped while it has cost more than ``budget`` (1.5 %) of the training time so far, so a
tiny network's run is not slowed by its own diagnosis (``budget=None``: every sample). The
loss checks read only the epoch history. It reads nothing from other producers. A model
that is not a :class:`~layerlab.graph.compile.GraphModule` (no node ids to name) gets no
diagnostics.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from layerlab.errors import NonFiniteLossError
from layerlab.graph.compile import GraphModule
from layerlab.training.callbacks import TelemetryProducer, TrainState
from layerlab.training.events import DiagnosticEvent
from layerlab.training.telemetry import activation_kind, monitor_samples

__all__ = ["DiagnosticsProducer"]

#: The first layer's gradient per weight below this fraction of the last layer's: vanishing.
VANISHING_RATIO = 1e-3
#: A node's gradient norm above this multiple of its first measured norm (and above the floor): exploding.
EXPLODING_GROWTH = 1e3
EXPLODING_FLOOR = 10.0
#: A training loss this many times its first value: diverged.
DIVERGENCE_GROWTH = 100.0
#: Dead units: a ReLU node with this fraction of its units silent on every monitor example, when that
#: fraction grew by ``DEAD_FRACTION_GROWTH`` since the start (they died while training), or with
#: ``DEAD_FRACTION_ANYWAY`` of them silent in any case. (Before training, half the units of a deep
#: layer can already be silent on a small batch, and a good run may silence a few more.)
DEAD_FRACTION = 0.7
DEAD_FRACTION_GROWTH = 0.3
DEAD_FRACTION_ANYWAY = 0.9
#: At least this fraction of a sigmoid/tanh node's outputs at its ends: saturation.
SATURATED_FRACTION = 0.5
#: The median update-to-weight ratio of an epoch outside these bounds: update_ratio.
UPDATE_RATIO_LOW = 1e-5
UPDATE_RATIO_HIGH = 1.0
#: Learning-rate checks look at this many finished epochs at least.
MIN_EPOCHS_FOR_LOSS_TRENDS = 3
#: The best training loss within this fraction of the first batch's loss: flat.
FLAT_IMPROVEMENT = 0.01
#: The first epoch's mean training loss above this multiple of the first batch's: the steps overshoot.
OVERSHOOT = 1.5
#: Overfitting: the best validation loss at least this many epochs ago, the latest this much above it.
OVERFIT_PATIENCE = 3
OVERFIT_RISE = 0.1
#: A loss change counts for the trend checks only when it is this fraction of the first batch's loss at least
#: (late in a good run the loss is small, and its epoch-to-epoch noise large in proportion).
MEANINGFUL_CHANGE = 0.1
_SMOOTHING = 3
#: Gradient and update checks use the median of a node's last this many samples.
_RECENT = 8

_RELU = "relu"
_SIGMOID = "sigmoid"
_TANH = "tanh"


@dataclass
class _Node:
    """One node the producer watches: its module's kind of activation and its parameters."""

    node_id: str
    module: nn.Module
    activation: str | None
    params: list[nn.Parameter]
    numel: int = 0
    first_grad_norm: float | None = None
    dead_at_start: float = 0.0  # ReLU nodes: the fraction of dead units before the first step
    grad_rms: deque[float] = field(default_factory=lambda: deque(maxlen=_RECENT))  # per weight
    update_ratios: deque[float] = field(default_factory=lambda: deque(maxlen=_RECENT))


def _norm(tensors: Iterable[torch.Tensor]) -> torch.Tensor:
    """The L2 norm of several tensors taken together, as a 0-d tensor (no device read)."""
    norm: torch.Tensor = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(t.float()) for t in tensors]))
    return norm


def _unit_dim(node: _Node, value: torch.Tensor) -> int:
    """The axis of a node's output that holds its units: channels for convolutions, else the last."""
    return 1 if value.ndim == 4 or isinstance(node.module, nn.modules.conv._ConvNd) else value.ndim - 1


def _dead_units(node: _Node, value: torch.Tensor) -> tuple[int, int]:
    """(units that are 0 for every example and position, units) of a ReLU node's output."""
    dim = _unit_dim(node, value)
    active = (value > 0).movedim(dim, -1).reshape(-1, value.shape[dim]).any(dim=0)  # (units,)
    return int(active.numel()) - int(active.sum()), int(active.numel())


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def _power(value: float) -> str:
    """A ratio in words by its order of magnitude: ``about 1e-05``."""
    return f"about {value:.0e}"


class DiagnosticsProducer(TelemetryProducer):
    """Sends ``diagnostic`` events when a run shows one of the problems listed in the module docstring."""

    def __init__(
        self,
        *,
        samples_per_epoch: int = 8,
        monitor_size: int = 256,
        budget: float | None = 0.015,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.samples_per_epoch = max(1, samples_per_epoch)
        self.monitor_size = monitor_size
        self.budget = budget
        self._clock = clock
        self._reset()

    def _reset(self) -> None:
        self._model: GraphModule | None = None
        self._nodes: list[_Node] = []
        self._monitor: torch.Tensor | None = None
        self._fired: set[tuple[str, str | None]] = set()
        self._first_loss: float | None = None
        self._previous_weights: list[torch.Tensor] | None = None
        self._started = self._clock()
        self._spent = 0.0  # seconds of sampled work (gradients, updates, monitor batch) so far
        self._monitor_cost = 0.0  # seconds the last monitor-batch pass took

    # --- emitting ---------------------------------------------------------------------------
    def _report(self, state: TrainState, kind: str, node_id: str | None, message: str, hint: str) -> None:
        if (kind, node_id) in self._fired:
            return
        self._fired.add((kind, node_id))
        self.sink.emit(DiagnosticEvent, kind=kind, node_id=node_id, message=message, hint=hint, epoch=state.epoch)

    def _has_fired(self, kind: str) -> bool:
        return any(k == kind for k, _ in self._fired)

    # --- hooks ------------------------------------------------------------------------------
    def on_train_start(self, state: TrainState) -> None:
        self._reset()
        model = state.model
        if not isinstance(model, GraphModule) or state.data is None:
            return
        self._model = model
        modules = model.node_modules
        for node_id in model.order:
            module = modules.get(node_id)
            if module is None:
                continue
            params = [p for p in module.parameters() if p.requires_grad]
            node = _Node(node_id, module, activation_kind(module), params, sum(p.numel() for p in params))
            self._nodes.append(node)
        split = state.data.val if len(state.data.val) > 0 else state.data.train
        if len(split) > 0:
            started = self._clock()
            # As many examples as the telemetry's monitor batch: a big network's pass stays cheap
            # (256 CIFAR images through the CNN cost as much as 5 % of an epoch, twice).
            size = min(self.monitor_size, monitor_samples(model, split))
            generator = torch.Generator().manual_seed(state.seed or 0)
            chosen = torch.randperm(len(split), generator=generator)[:size]
            self._monitor = split.x[chosen.to(split.x.device)]
            for node, value in self._monitor_outputs():
                if node.activation == _RELU:
                    dead, units = _dead_units(node, value)
                    node.dead_at_start = dead / max(1, units)
            self._monitor_cost = self._clock() - started
            self._spent += self._monitor_cost  # counted: the epoch-end pass waits until it fits

    def _within_budget(self, next_cost: float = 0.0) -> bool:
        """Whether sampled work so far, and ``next_cost`` s more, is at most ``budget`` of the training time.

        Always without a budget, never at 0.
        """
        if self.budget is None:
            return True
        return self.budget > 0 and self._spent + next_cost <= self.budget * (self._clock() - self._started)

    def on_batch_end(self, state: TrainState) -> None:
        if self._model is None:
            return
        started = self._clock()
        if self._previous_weights is not None:
            self._measure_updates(self._previous_weights)
            self._previous_weights = None
        if self._first_loss is None and state.loss_tensor is not None:
            first = float(state.loss_tensor)
            self._first_loss = first if math.isfinite(first) and first > 0 else None
        every = max(1, state.steps_per_epoch // self.samples_per_epoch)
        if (state.batch - 1) % every == 0 and self._within_budget():
            self._measure_gradients(state)
            self._previous_weights = [p.detach().clone() for node in self._weighted() for p in node.params]
        self._spent += self._clock() - started

    def on_epoch_end(self, state: TrainState) -> None:
        if self._model is None:
            return
        if self._within_budget(self._monitor_cost):  # a pass as costly as the last must fit too
            started = self._clock()
            self._check_monitor_batch(state)
            self._monitor_cost = self._clock() - started
            self._spent += self._monitor_cost
        self._check_gradients(state)
        self._check_updates(state)
        self._check_losses(state)

    def on_exception(self, state: TrainState, exc: BaseException) -> None:
        if self._model is None or not isinstance(exc, NonFiniteLossError):
            return
        self._report(
            state,
            "divergence",
            None,
            f"Training diverged at epoch {state.epoch}: the loss stopped being a number (NaN or infinity). "
            "The steps were so large that the weights overshot and grew until the arithmetic overflowed.",
            "Lower the learning rate (try 10× smaller), set clip_grad_norm (e.g. 1.0), or add BatchNorm.",
        )

    # --- measurements -----------------------------------------------------------------------
    def _weighted(self) -> Iterable[_Node]:
        return (node for node in self._nodes if node.numel > 0)

    @torch.no_grad()
    def _measure_gradients(self, state: TrainState) -> None:
        nodes = [node for node in self._weighted() if all(p.grad is not None for p in node.params)]
        if not nodes:
            return
        norms = torch.stack([_norm(p.grad for p in n.params if p.grad is not None) for n in nodes]).tolist()  # one read
        for node, norm in zip(nodes, norms, strict=True):
            if not math.isfinite(norm):
                self._report(
                    state,
                    "exploding_gradients",
                    node.node_id,
                    f"The gradient of {node.node_id} became {norm} at epoch {state.epoch}: the gradients exploded.",
                    "Lower the learning rate, set clip_grad_norm (e.g. 1.0), or add BatchNorm.",
                )
                continue
            if node.first_grad_norm is None:
                node.first_grad_norm = norm
            elif norm > EXPLODING_FLOOR and norm > EXPLODING_GROWTH * max(node.first_grad_norm, 1e-12):
                self._report(
                    state,
                    "exploding_gradients",
                    node.node_id,
                    f"The gradient of {node.node_id} has grown {norm / max(node.first_grad_norm, 1e-12):,.0f}× since "
                    f"the first step (its norm is {norm:.3g}): the gradients are exploding, so each step throws "
                    "the weights further.",
                    "Lower the learning rate, set clip_grad_norm (e.g. 1.0), or add BatchNorm.",
                )
            node.grad_rms.append(norm / math.sqrt(node.numel))

    @torch.no_grad()
    def _measure_updates(self, previous: list[torch.Tensor]) -> None:
        """Each weighted node's ``‖w_t − w_{t−1}‖ / ‖w_{t−1}‖`` against ``previous`` (its tensors, in node order)."""
        nodes = list(self._weighted())
        if not nodes:
            return
        before = iter(previous)
        changes, sizes = [], []
        for node in nodes:
            old = [next(before) for _ in node.params]
            changes.append(_norm(p - b for p, b in zip(node.params, old, strict=True)))
            sizes.append(_norm(old))
        ratios = (torch.stack(changes) / torch.stack(sizes).clamp(min=1e-12)).tolist()  # one device read
        for node, ratio in zip(nodes, ratios, strict=True):
            if math.isfinite(ratio):
                node.update_ratios.append(ratio)

    # --- checks -----------------------------------------------------------------------------
    def _check_gradients(self, state: TrainState) -> None:
        if self._has_fired("dead_units"):  # dead ReLUs pass no gradient: that is the cause to report, said already
            return
        measured = [(n, statistics.median(n.grad_rms)) for n in self._weighted() if n.grad_rms]
        if len(measured) < 2:
            return
        last_node, last = measured[-1]
        if last <= 0 or not math.isfinite(last):
            return
        for node, value in measured[:-1]:
            ratio = value / last
            if ratio < VANISHING_RATIO:
                self._report(
                    state,
                    "vanishing_gradients",
                    node.node_id,
                    f"The gradient reaching {node.node_id} is {_power(ratio)} of the one at {last_node.node_id} "
                    "(per weight): it fades on its way back through the layers, so the first layers hardly learn "
                    "(vanishing gradients).",
                    "Use ReLU instead of sigmoid or tanh in the hidden layers, add BatchNorm, or use fewer layers."
                    if any(n.activation in (_SIGMOID, _TANH) for n in self._nodes)
                    else "Add BatchNorm between the layers, use fewer layers, or add skip connections (Add).",
                )
                return  # the earliest such node says it; the ones after it follow from it

    def _check_updates(self, state: TrainState) -> None:
        for node in self._weighted():
            if len(node.update_ratios) < 3:
                continue
            ratio = statistics.median(node.update_ratios)
            explained = self._has_fired("vanishing_gradients") or self._has_fired("dead_units")
            if ratio < UPDATE_RATIO_LOW and not explained:
                self._report(
                    state,
                    "update_ratio",
                    node.node_id,
                    f"Each step changes the weights of {node.node_id} by only {_power(ratio)} of their size "
                    "(a healthy step is around 1e-3): they barely move.",
                    f"Raise the learning rate (now {state.lr:g}), e.g. 10×.",
                )
            elif ratio > UPDATE_RATIO_HIGH:
                self._report(
                    state,
                    "update_ratio",
                    node.node_id,
                    f"Each step changes the weights of {node.node_id} by {ratio:.2g}× their own size (a healthy step "
                    "is around 1e-3 of it): the steps are far too large.",
                    f"Lower the learning rate (now {state.lr:g}), e.g. 10×, or set clip_grad_norm.",
                )

    @torch.no_grad()
    def _monitor_outputs(self) -> list[tuple[_Node, torch.Tensor]]:
        """The output of every hidden ReLU/sigmoid/tanh node on the monitor batch (eval mode, float)."""
        model, monitor = self._model, self._monitor
        if model is None or monitor is None:
            return []
        watched = [n for n in self._nodes if n.activation is not None and n.node_id != model.output_id]
        if not watched:
            return []
        was_training = model.training
        model.eval()
        try:
            _, outputs = model.forward_with_outputs(monitor)
        finally:
            model.train(was_training)
        found: list[tuple[_Node, torch.Tensor]] = []
        for node in watched:
            value = outputs.get(node.node_id)
            if isinstance(value, torch.Tensor) and value.ndim >= 2:
                found.append((node, value.float()))
        return found

    def _check_monitor_batch(self, state: TrainState) -> None:
        for node, value in self._monitor_outputs():
            if node.activation == _RELU:
                self._check_dead(state, node, value)
            else:
                self._check_saturated(state, node, value)

    def _check_dead(self, state: TrainState, node: _Node, value: torch.Tensor) -> None:
        dead, units = _dead_units(node, value)
        if units < 2:
            return
        fraction = dead / units
        if fraction >= DEAD_FRACTION_ANYWAY or (
            fraction >= DEAD_FRACTION and fraction - node.dead_at_start >= DEAD_FRACTION_GROWTH
        ):
            since = (
                f" (it was {_percent(node.dead_at_start)} before training)"
                if fraction - node.dead_at_start >= 0.05
                else ""
            )
            self._report(
                state,
                "dead_units",
                node.node_id,
                f"{dead} of {units} units of {node.node_id} ({_percent(fraction)}){since} output 0 for every "
                "monitored example: these ReLUs are dead, they pass no gradient and no longer learn.",
                "Lower the learning rate, or use LeakyReLU or ELU, which keep a small gradient below zero.",
            )

    def _check_saturated(self, state: TrainState, node: _Node, value: torch.Tensor) -> None:
        if node.activation == _TANH:
            saturated = value.abs() > 0.99
            ends = "−1 or 1"
        else:
            saturated = (value < 0.01) | (value > 0.99)
            ends = "0 or 1"
        fraction = float(saturated.float().mean())
        if fraction >= SATURATED_FRACTION:
            self._report(
                state,
                "saturation",
                node.node_id,
                f"{_percent(fraction)} of the outputs of {node.node_id} ({node.activation}) are pinned near {ends}: "
                "the units are saturated, where the curve is flat and almost no gradient passes.",
                "Lower the learning rate, normalise the inputs, add BatchNorm before the activation, or use ReLU.",
            )

    def _check_losses(self, state: TrainState) -> None:
        losses = [h["loss"] for h in state.history if "loss" in h and math.isfinite(h["loss"])]
        first = self._first_loss
        if not losses or first is None:
            return
        latest, best = losses[-1], min(losses)
        if latest > DIVERGENCE_GROWTH * first:
            self._report(
                state,
                "divergence",
                None,
                f"The training loss is {latest / first:,.0f}× what it was at the first step ({first:.3g} → "
                f"{latest:.3g}): training is diverging.",
                f"Lower the learning rate (now {state.lr:g}), e.g. 10×, or set clip_grad_norm.",
            )
        self._check_overfitting(state)
        too_high = f"Lower the learning rate (now {state.lr:g}), e.g. 10×."
        if losses[0] > OVERSHOOT * first:
            self._report(
                state,
                "learning_rate_too_high",
                None,
                f"The training loss went up during the first epoch ({first:.3g} at the first step, {losses[0]:.3g} "
                "on average over the epoch): the steps are so large that they overshoot.",
                too_high,
            )
        if len(losses) < MIN_EPOCHS_FOR_LOSS_TRENDS:
            return
        recent = losses[-MIN_EPOCHS_FOR_LOSS_TRENDS:]
        spread = (max(recent) - min(recent)) / max(abs(min(recent)), 1e-12)
        if (first - best) / first < FLAT_IMPROVEMENT and spread <= FLAT_IMPROVEMENT:
            if not self._has_fired("vanishing_gradients") and not self._has_fired("dead_units"):
                self._report(
                    state,
                    "learning_rate_too_low",
                    None,
                    f"After {len(losses)} epochs the training loss has barely moved ({first:.4g} at the first step, "
                    f"{latest:.4g} now): the learning rate ({state.lr:g}) is too small to make progress.",
                    "Raise the learning rate 10× (Adam usually works from 1e-3, SGD from 1e-2).",
                )
        elif latest >= first * (1 - FLAT_IMPROVEMENT) and best < latest * (1 - MEANINGFUL_CHANGE / 2):
            self._report(
                state,
                "learning_rate_too_high",
                None,
                f"The training loss went down ({best:.3g} at its best) and back up to where it started "
                f"({first:.3g} at the first step, {latest:.3g} now): the steps overshoot.",
                too_high,
            )
        else:
            window = losses[-MIN_EPOCHS_FOR_LOSS_TRENDS - 1 :]
            rises = sum(1 for a, b in zip(window, window[1:], strict=False) if b > a * 1.05)
            if (
                rises >= MIN_EPOCHS_FOR_LOSS_TRENDS - 1
                and latest > 1.5 * best
                and latest - best > MEANINGFUL_CHANGE * first
            ):
                self._report(
                    state,
                    "learning_rate_too_high",
                    None,
                    f"The training loss went up in {rises} of the last {len(window) - 1} epochs ({best:.3g} at its "
                    f"best, {latest:.3g} now): the steps overshoot the minimum.",
                    f"{too_high[:-1]}, or use a step or cosine schedule.",
                )

    def _check_overfitting(self, state: TrainState) -> None:
        history = [h for h in state.history if "val_loss" in h and "loss" in h]
        first = self._first_loss
        if first is None or len(history) < OVERFIT_PATIENCE + _SMOOTHING:
            return
        # 3-epoch means: one noisy epoch of a small validation split is not a trend
        val = _moving_mean([h["val_loss"] for h in history])
        train = _moving_mean([h["loss"] for h in history])
        best_at = min(range(len(val)), key=val.__getitem__)
        best, latest = val[best_at], val[-1]
        rising = all(b > a for a, b in zip(val[-OVERFIT_PATIENCE:], val[-OVERFIT_PATIENCE + 1 :], strict=False))
        if (
            len(val) - 1 - best_at >= OVERFIT_PATIENCE - 1
            and rising
            and latest > best * (1 + OVERFIT_RISE)
            and latest - best > MEANINGFUL_CHANGE * first
            and train[-1] < train[best_at]
        ):
            then, now = history[best_at + _SMOOTHING - 1], history[-1]  # the last epoch of the best window
            self._report(
                state,
                "overfitting",
                None,
                f"The validation loss has been rising since epoch {int(then['epoch'])} ({then['val_loss']:.3g} then, "
                f"{now['val_loss']:.3g} now) while the training loss kept falling ({then['loss']:.3g} → "
                f"{now['loss']:.3g}): the network is memorising the training examples instead of learning what "
                "generalises (overfitting).",
                "Add Dropout or L2 (weight decay), use a smaller network or more data, or turn on early stopping.",
            )


def _moving_mean(values: list[float]) -> list[float]:
    """Means of ``_SMOOTHING`` consecutive values (``len(values) - _SMOOTHING + 1`` of them)."""
    return [sum(values[i : i + _SMOOTHING]) / _SMOOTHING for i in range(len(values) - _SMOOTHING + 1)]
