"""The inside of the network, live: ``activations``, ``weights`` and ``gradients`` events (``docs/contract.md`` §4).

One *snapshot* is the three events at the same training step, in that order:

* ``activations``: per node, statistics of its output over a fixed monitor batch (up to
  ``monitor_size`` validation examples, fewer for a big network, or training examples without a
  validation split, chosen once with the run's seed; eval mode), a histogram, ``dead_fraction`` for ReLU
  nodes (units never positive on the monitor batch), ``saturated_fraction`` for sigmoid/tanh
  nodes; the probe sample's values (vectors, up to 256) or feature maps (8-bit, up to 16
  channels of at most 32×32, pooled if larger); on 2-D sets every hidden node's units over the
  decision boundary's plane (``plane_q``, up to 16 units, at most 30 points a side).
* ``weights``: per node with parameters, statistics, a histogram and ``update_ratio``
  (‖w_t − w_(t−1)‖ / ‖w_(t−1)‖ for the reported step: the weights are copied one batch before a
  snapshot is taken).
* ``gradients``: per node with parameters, statistics and a histogram of the parameter
  gradients of the reported training step (still in ``.grad`` after the optimizer step), and
  for every node ``output_grad_rms``, the RMS of d(loss)/d(node output) on the monitor batch
  (``torch.autograd.grad``: the parameters' ``.grad`` is not touched).

Histogram edges are fixed per node and kind for the run (chosen at the node's first report, from
its range, symmetric around 0 when the values have both signs); values outside fall in the
first or last bin, so the page can stack histograms over time.

Rates adapt to cost: a snapshot at the first step, then when due by time (``events_per_s``) and
when the producer's own time stays within ``budget`` of the training time (one more snapshot as
costly as the last must keep all of the producer's time, the first included, at most ``budget``
of the training time so far), and at the start of an
epoch when the last epoch had none (within the budget too, and at most twice the time rate). Nothing is sent at the end of an
epoch or of the run. An activations event bigger than ``max_event_bytes`` leaves out the probe
values, feature maps or plane maps of the nodes that do not fit, with a plain-words ``omitted``
note on each.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets.base import Split
from layerlab.graph.compile import GraphModule
from layerlab.settings import Settings
from layerlab.training.boundary import is_2d, plane_grid
from layerlab.training.callbacks import TelemetryProducer, TrainState
from layerlab.training.config import LossName
from layerlab.training.events import (
    ActivationsEvent,
    GradientsEvent,
    Histogram,
    LayerStats,
    PlaneGrid,
    ProbeSample,
    WeightsEvent,
)
from layerlab.training.inference import MAX_FEATURE_MAPS, MAX_MAP_SIZE, MAX_VALUES, quantize
from layerlab.training.losses import build_loss
from layerlab.training.request import RunRequest

__all__ = [
    "HISTOGRAM_BINS",
    "InsideProducer",
    "MAX_PLANE_RESOLUTION",
    "MAX_PLANE_UNITS",
    "activation_kind",
    "fixed_edges",
    "histogram",
    "monitor_samples",
    "telemetry_producers",
]

logger = logging.getLogger(__name__)

HISTOGRAM_BINS = 30
#: The monitor batch holds at most ``monitor_size`` examples, fewer for a big network: about this many
#: node output values in all (the CIFAR CNN: ~40 examples), but never fewer than MIN_MONITOR_SAMPLES.
MONITOR_VALUES = 2_000_000
MIN_MONITOR_SAMPLES = 16
MAX_PLANE_UNITS = 16
#: Neuron heatmaps are thumbnails: at most this many points a side (the decision boundary's ranges).
MAX_PLANE_RESOLUTION = 30
_DECIMALS = 4
#: Bytes an encoded node costs besides its bulky parts (statistics and a histogram), for the event limit.
_NODE_BYTES = 900

ActivationKind = str  # "relu", "sigmoid", "tanh"


def activation_kind(module: nn.Module) -> ActivationKind | None:
    """``relu``, ``sigmoid`` or ``tanh`` when the module's output is that activation's, else ``None``.

    An activation layer (``nn.ReLU``, ``nn.Sigmoid``, ``nn.Tanh``) or a layer with an ``activation``
    param (Dense, Conv2D …). A stripped final activation (the output node's) counts as none.
    """
    if isinstance(module, nn.ReLU):
        return "relu"
    if isinstance(module, nn.Sigmoid):
        return "sigmoid"
    if isinstance(module, nn.Tanh):
        return "tanh"
    name = getattr(module, "activation", None)
    return name if name in ("relu", "sigmoid", "tanh") else None


def fixed_edges(low: float, high: float, bins: int = HISTOGRAM_BINS) -> list[float]:
    """Histogram edges for values in ``[low, high]``: symmetric around 0 when the range has both signs.

    >>> fixed_edges(-1.0, 0.5, bins=4)
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = -1.0, 1.0
    if low < 0 < high:
        bound = max(-low, high)
        low, high = -bound, bound
    if high - low <= 1e-12:
        pad = max(abs(low), 1.0) * 0.5
        low, high = low - pad, high + pad
    step = (high - low) / bins
    return [float(f"{low + i * step:.6g}") for i in range(bins)] + [float(f"{high:.6g}")]


def histogram(values: torch.Tensor, edges: list[float]) -> torch.Tensor:
    """Counts (int64) of ``values`` over evenly spaced ``edges`` (values outside fall in the first/last bin).

    Bin indices and ``bincount``: the same counts as ``torch.histc``, in about a third of its time
    on the CPU (a snapshot makes one per node and kind; histc was most of a snapshot's cost).
    """
    low, high = edges[0], edges[-1]
    bins = len(edges) - 1
    flat = torch.nan_to_num(values.detach().float().reshape(-1), nan=low, posinf=high, neginf=low)
    index = ((flat - low) * (bins / (high - low))).floor_().clamp_(0, bins - 1).to(torch.int64)
    return torch.bincount(index, minlength=bins)


def _stats(values: torch.Tensor) -> torch.Tensor:
    """[mean, std, min, max, norm] of ``values`` as one tensor (no device read)."""
    flat = values.detach().float().reshape(-1)
    if flat.numel() == 0:
        return torch.zeros(5, device=values.device)
    return torch.stack([flat.mean(), flat.std(unbiased=False), flat.min(), flat.max(), torch.linalg.vector_norm(flat)])


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass
class _Node:
    node_id: str
    module: nn.Module
    params: list[nn.Parameter]
    kind: ActivationKind | None


class InsideProducer(TelemetryProducer):
    """Sends telemetry snapshots (activations, weights, gradients) of a :class:`GraphModule` run.

    ``clock`` measures both the training time and the producer's own cost (tests pass a fake
    one). ``spent_s`` and ``snapshots`` say what it cost and how often it reported.
    Models that are not a :class:`GraphModule` are skipped silently.
    """

    def __init__(
        self,
        *,
        loss: LossName = "auto",
        events_per_s: float = 2.0,
        budget: float = 0.05,
        max_event_bytes: int = 256_000,
        monitor_size: int = 256,
        plane_resolution: int = 60,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.loss = loss
        self.interval_s = 1.0 / events_per_s
        self.budget = budget
        self.max_event_bytes = max_event_bytes
        self.monitor_size = monitor_size
        self.plane_resolution = plane_resolution
        self._clock = clock
        self.spent_s = 0.0
        self.snapshots = 0
        self._reset()

    def _reset(self) -> None:
        self._model: GraphModule | None = None
        self._nodes: list[_Node] = []
        self._monitor_x: torch.Tensor | None = None
        self._monitor_y: torch.Tensor | None = None
        self._probe_split: Split | None = None
        self._probe_split_name: Literal["val", "train"] = "val"
        self._plane: tuple[PlaneGrid, torch.Tensor] | None = None
        self._edges: dict[tuple[str, str], list[float]] = {}
        self._previous: dict[str, list[torch.Tensor]] | None = None  # weights before the step to report
        self._last_end: float | None = None
        self._last_cost = 0.0
        self._started = 0.0
        self._epoch_had_snapshot = False
        self._loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
        self._task = "classification"

    # --- hooks -------------------------------------------------------------------------------
    def on_train_start(self, state: TrainState) -> None:
        self._reset()
        self.spent_s, self.snapshots = 0.0, 0
        model, data = state.model, state.data
        if not isinstance(model, GraphModule) or data is None:
            return
        started = self._clock()
        self._started = started
        self._model = model
        modules = model.node_modules
        self._nodes = [
            _Node(node_id, modules[node_id], [p for p in modules[node_id].parameters() if p.requires_grad], None)
            for node_id in model.order
            if node_id in modules
        ]
        for node in self._nodes:
            node.kind = activation_kind(node.module)
        split, self._probe_split_name = (data.val, "val") if len(data.val) > 0 else (data.train, "train")
        self._probe_split = split
        generator = torch.Generator().manual_seed(state.seed or 0)
        size = min(self.monitor_size, monitor_samples(model, split))
        chosen = torch.randperm(len(split), generator=generator)[:size].to(split.x.device)
        self._monitor_x, self._monitor_y = split.x[chosen], split.y[chosen]
        self._task = state.task
        self._loss_fn = state.loss_fn or build_loss(self.loss, state.task, model.final_activation)  # type: ignore[arg-type]
        if is_2d(data):
            low, high, points = plane_grid(data, self.plane_resolution)
            grid = PlaneGrid(x_range=(low[0], high[0]), y_range=(low[1], high[1]), resolution=self.plane_resolution)
            self._plane = (grid, points)
        self._arm()
        self._spend(started)

    def on_epoch_start(self, state: TrainState) -> None:
        if self._model is None:
            return
        if state.epoch > 1 and not self._epoch_had_snapshot and self._previous is None and self._epoch_due():
            started = self._clock()
            self._arm()
            self._spend(started)
        self._epoch_had_snapshot = False

    def on_batch_end(self, state: TrainState) -> None:
        if self._model is None:
            return
        started = self._clock()
        if self._previous is not None:
            try:
                self._snapshot(state)
            except Exception:  # the run goes on without its telemetry (never fails because of it)
                logger.exception("telemetry snapshot failed at step %d; no more snapshots for this run", state.step)
                self._model = None
                return
            self._previous = None
            self._epoch_had_snapshot = True
            self.snapshots += 1
            self._last_cost = self._spend(started)
            self._last_end = self._clock()
        elif self._due(started):
            self._arm()  # the snapshot goes with the next step, whose update this copy measures
            self._last_cost += self._spend(started)

    def on_train_end(self, state: TrainState) -> None:
        self._previous = None  # nothing is sent at the end

    # --- rates -------------------------------------------------------------------------------
    def _affordable(self, now: float) -> bool:
        """Whether one more snapshot like the last keeps all of them within ``budget`` of the training time."""
        training = now - self._started - self.spent_s
        return training * self.budget >= self.spent_s + self._last_cost

    def _epoch_due(self) -> bool:
        """An epoch without a snapshot gets one at its start: within the budget, at most twice the time rate."""
        if self._last_end is None:
            return True
        now = self._clock()
        return now - self._last_end >= self.interval_s / 2 and self._affordable(now)

    def _due(self, now: float) -> bool:
        if self._last_end is None:
            return True
        return now - self._last_end >= self.interval_s and self._affordable(now)

    def _spend(self, started: float) -> float:
        cost = self._clock() - started
        self.spent_s += cost
        return cost

    def _arm(self) -> None:
        self._previous = {
            node.node_id: [p.detach().clone() for p in node.params] for node in self._nodes if node.params
        }

    # --- the snapshot ------------------------------------------------------------------------
    def _edges_for(self, kind: str, node_id: str, stats: list[float]) -> list[float]:
        key = (kind, node_id)
        if key not in self._edges:
            self._edges[key] = fixed_edges(stats[2], stats[3])
        return self._edges[key]

    def _layer_stats(self, kind: str, node_id: str, values: torch.Tensor, stats: list[float]) -> LayerStats:
        edges = self._edges_for(kind, node_id, stats)
        counts = histogram(values, edges).tolist()
        return LayerStats(
            mean=_finite(stats[0]) or 0.0,
            std=_finite(stats[1]) or 0.0,
            min=_finite(stats[2]),
            max=_finite(stats[3]),
            norm=_finite(stats[4]),
            histogram=Histogram(counts=counts, edges=edges),
        )

    def _snapshot(self, state: TrainState) -> None:
        model, previous = self._model, self._previous
        assert model is not None and previous is not None
        step, epoch = state.step, state.epoch
        # gradients of the training step that just ran, and the weights after it
        grads: dict[str, LayerStats] = {}
        weights: dict[str, LayerStats] = {}
        for node in self._nodes:
            if not node.params:
                continue
            w = torch.cat([p.detach().reshape(-1) for p in node.params])
            before = torch.cat([p.reshape(-1) for p in previous[node.node_id]])
            change = torch.stack(
                [torch.linalg.vector_norm((w - before).float()), torch.linalg.vector_norm(before.float())]
            )
            w_stats = torch.cat([_stats(w), change]).tolist()
            stats = self._layer_stats("weights", node.node_id, w, w_stats[:5])
            stats.update_ratio = w_stats[5] / w_stats[6] if w_stats[6] > 0 else None
            weights[node.node_id] = stats
            present = [p.grad for p in node.params if p.grad is not None]
            if present:
                g = torch.cat([t.detach().reshape(-1) for t in present])
                grads[node.node_id] = self._layer_stats("gradients", node.node_id, g, _stats(g).tolist())
        activations, output_rms = self._monitor(model)
        for node_id, rms in output_rms.items():
            if node_id in grads:
                grads[node_id].output_grad_rms = rms
            else:
                grads[node_id] = LayerStats(mean=0.0, std=0.0, output_grad_rms=rms)
        probe, room = self._probe(model, state, activations)
        plane = self._plane_maps(model, activations, room)
        self.sink.emit(
            ActivationsEvent,
            epoch=epoch,
            step=step,
            nodes=activations,
            probe=probe,
            plane=plane,
        )
        self.sink.emit(WeightsEvent, epoch=epoch, step=step, nodes=weights)
        self.sink.emit(GradientsEvent, epoch=epoch, step=step, nodes=grads)

    def _monitor(self, model: GraphModule) -> tuple[dict[str, LayerStats], dict[str, float]]:
        """Activation statistics on the monitor batch, and each node's output-gradient RMS."""
        x, y, loss_fn = self._monitor_x, self._monitor_y, self._loss_fn
        assert x is not None and y is not None and loss_fn is not None
        was_training = model.training
        model.eval()
        tensors: list[torch.Tensor] = []
        index: dict[str, int] = {}
        grads: Sequence[torch.Tensor | None] = ()
        try:
            with torch.enable_grad():
                x_in = x.detach().requires_grad_(True) if x.is_floating_point() else x
                output, outputs = model.forward_with_outputs(x_in)
                loss = loss_fn(output, y)
                for node_id, value in outputs.items():
                    if not value.requires_grad:
                        continue
                    for i, t in enumerate(tensors):
                        if t is value:
                            index[node_id] = i
                            break
                    else:
                        index[node_id] = len(tensors)
                        tensors.append(value)
                try:
                    grads = torch.autograd.grad(loss, tensors, allow_unused=True) if tensors else ()
                except RuntimeError:  # e.g. cuDNN's recurrent layers differentiate in training mode only
                    logger.debug("telemetry: no output gradients for this model", exc_info=True)
                    index = {}
        finally:
            model.train(was_training)
        rms_values = [
            torch.sqrt(torch.mean(g.float() ** 2)) if g is not None else torch.zeros((), device=x.device) for g in grads
        ]
        rms_list = torch.stack(rms_values).tolist() if rms_values else []
        output_rms = {node_id: _finite(rms_list[i]) or 0.0 for node_id, i in index.items()}

        kinds = {node.node_id: node for node in self._nodes}
        result: dict[str, LayerStats] = {}
        for node_id in model.order:
            if node_id == model.input_id or node_id not in outputs:
                continue
            value = outputs[node_id].detach()
            stats = self._layer_stats("activations", node_id, value, _stats(value).tolist())
            stats.norm = None
            node = kinds.get(node_id)
            if node is not None and node.kind == "relu" and value.ndim >= 2:
                dim = 1 if value.ndim == 4 else value.ndim - 1
                active = (value > 0).movedim(dim, -1).reshape(-1, value.shape[dim]).any(dim=0)
                stats.dead_fraction = 1.0 - float(active.float().mean())
            elif node is not None and node.kind == "sigmoid":
                stats.saturated_fraction = float(((value < 0.01) | (value > 0.99)).float().mean())
            elif node is not None and node.kind == "tanh":
                stats.saturated_fraction = float((value.abs() > 0.99).float().mean())
            result[node_id] = stats
        return result, output_rms

    @torch.no_grad()
    def _probe(
        self, model: GraphModule, state: TrainState, nodes: dict[str, LayerStats]
    ) -> tuple[ProbeSample | None, int]:
        """The probe sample's values / feature maps on each node, and the bytes left under the event limit."""
        room = self.max_event_bytes - _NODE_BYTES * len(nodes)
        split = self._probe_split
        if split is None or len(split) == 0:
            return None, room
        index = min(max(state.probe_index, 0), len(split) - 1)
        was_training = model.training
        model.eval()
        try:
            output, outputs = model.forward_with_outputs(split.x[index : index + 1])
        finally:
            model.train(was_training)
        for node_id, stats in nodes.items():
            value = outputs[node_id][0].detach().float()
            if value.ndim == 3:  # (C, H, W): feature maps
                channels, height, width = value.shape
                maps = value[:MAX_FEATURE_MAPS]
                notes = []
                if channels > MAX_FEATURE_MAPS:
                    notes.append(f"{channels - MAX_FEATURE_MAPS} of {channels} feature maps left out")
                if height > MAX_MAP_SIZE or width > MAX_MAP_SIZE:
                    size = (min(height, MAX_MAP_SIZE), min(width, MAX_MAP_SIZE))
                    maps = F.adaptive_avg_pool2d(maps[None], size)[0]
                    notes.append(f"maps of {height}×{width} averaged down to {size[0]}×{size[1]}")
                cost = _quantized_bytes(maps.numel())
                if cost <= room:
                    stats.feature_maps_q = quantize(maps)
                    room -= cost
                else:
                    notes = [
                        f"feature maps left out: {len(maps)} maps of {maps.shape[1]}×{maps.shape[2]} exceed the "
                        f"{_kb(self.max_event_bytes)} event limit; statistics only"
                    ]
                stats.omitted = "; ".join(notes) or None
            else:
                flat = value.reshape(-1)
                shown = flat[:MAX_VALUES]
                cost = 9 * shown.numel()
                if cost <= room:
                    stats.values = [round(v, _DECIMALS) for v in shown.tolist()]
                    room -= cost
                    if flat.numel() > MAX_VALUES:
                        stats.omitted = f"values left out: the first {MAX_VALUES} of {flat.numel()} are shown"
                else:
                    stats.omitted = (
                        f"values left out: {shown.numel()} values exceed the {_kb(self.max_event_bytes)} event limit; "
                        "statistics only"
                    )
        label = split.y[index].reshape(-1)
        predicted: int | float
        out = output[0].float().reshape(-1)
        if self._task == "classification":
            label_value: int | float = int(label[0])
            predicted = int(out[0] > 0) if out.numel() == 1 else int(out.argmax())
        else:
            label_value = round(float(label[0]), _DECIMALS)
            final = model.apply_final_activation(output).float().reshape(-1)
            predicted = round(float(final[0]), _DECIMALS)
        probe = ProbeSample(split=self._probe_split_name, index=index, label=label_value, predicted=predicted)
        return probe, room

    @torch.no_grad()
    def _plane_maps(self, model: GraphModule, nodes: dict[str, LayerStats], room: int) -> PlaneGrid | None:
        """2-D sets: every hidden node's first units over the plane grid, as ``plane_q``."""
        if self._plane is None:
            return None
        grid, points = self._plane
        resolution = grid.resolution
        was_training = model.training
        model.eval()
        try:
            _, outputs = model.forward_with_outputs(points)
        finally:
            model.train(was_training)
        for node_id, stats in nodes.items():
            if node_id == model.output_id:
                continue
            value = outputs[node_id]
            if value.ndim != 2:
                continue
            units = min(value.shape[1], MAX_PLANE_UNITS)
            cost = _quantized_bytes(units * resolution * resolution)
            if cost > room:
                note = (
                    f"neuron heatmaps left out: {units} maps of {resolution}×{resolution} exceed the "
                    f"{_kb(self.max_event_bytes)} event limit"
                )
                stats.omitted = f"{stats.omitted}; {note}" if stats.omitted else note
                continue
            maps = value[:, :units].T.reshape(units, resolution, resolution)
            stats.plane_q = quantize(maps)
            room -= cost
        return grid


@torch.no_grad()
def monitor_samples(model: GraphModule, split: Split) -> int:
    """How many monitor examples keep one snapshot's pass to about :data:`MONITOR_VALUES` node output values."""
    if len(split) == 0:
        return 0
    was_training = model.training
    model.eval()
    try:
        _, outputs = model.forward_with_outputs(split.x[:1])
    finally:
        model.train(was_training)
    per_sample = sum({id(t): t.numel() for t in outputs.values()}.values())
    return max(MIN_MONITOR_SAMPLES, MONITOR_VALUES // max(per_sample, 1))


def _quantized_bytes(values: int) -> int:
    """JSON bytes of a :class:`Quantized` of ``values`` values (base64: 4 bytes per 3)."""
    return 4 * math.ceil(values / 3) + 80


def _kb(n: int) -> str:
    return f"{n // 1000} KB"


def telemetry_producers(request: RunRequest, settings: Settings) -> list[TelemetryProducer]:
    """The run's :class:`InsideProducer` at this server's rates, or none when ``training.telemetry`` is off."""
    if not request.training.telemetry:
        return []
    return [
        InsideProducer(
            loss=request.training.loss,
            events_per_s=settings.telemetry_events_per_s,
            budget=settings.telemetry_budget,
            max_event_bytes=settings.telemetry_max_event_bytes,
            plane_resolution=min(request.training.boundary_resolution, MAX_PLANE_RESOLUTION),
        )
    ]
