"""Asking a trained run's model: predictions, every node's activations, saliency, the gallery of a split.

The model is rebuilt from the run's recorded request (:func:`~layerlab.graph.compile_graph` with
the input shape its weights file records) and its weights (:mod:`layerlab.training.weights`), on
the CPU, in eval mode, its parameters frozen. :class:`ModelCache` keeps the few most recently
used ones (LRU), each checked against its file's modification time, so a run that is still
training gets its newer weights. Everything here is blocking torch work: the API calls it from
a thread, never on the event loop.

Inputs come in the scale of the data set's ``x`` (``docs/contract.md`` §2): 2-D sets ``[x, y]``
as plotted; digits, MNIST, Fashion-MNIST and CIFAR-10 pixels in [0, 1] (digits' 0–16 divided by
16, the others' 0–255 by 255); tabular sets standardized with the training split's mean and
standard deviation. An input may be given in the data set's per-sample shape (``(1, 8, 8)`` for
digits), without its leading 1s (``(8, 8)``), or flat (64 values).

Bulky arrays go as :class:`Quantized`: 8-bit values between ``low`` and ``high``.
"""

from __future__ import annotations

import base64
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field

from layerlab.datasets.base import Split
from layerlab.datasets.generated import GENERATED_SETS, generated_info
from layerlab.datasets.params import parse_params
from layerlab.datasets.registry import get_dataset_info, load_dataset
from layerlab.graph.compile import GraphModule, compile_graph
from layerlab.settings import Settings
from layerlab.training.engine import _with_validation
from layerlab.training.events import Quantized
from layerlab.training.request import RunRequest
from layerlab.training.weights import WeightsMeta, load_weights

__all__ = [
    "GalleryIndex",
    "InputError",
    "LoadedModel",
    "MAX_FEATURE_MAPS",
    "MAX_MAP_SIZE",
    "MAX_VALUES",
    "ModelCache",
    "NodeActivation",
    "Quantized",
    "build_model",
    "coerce_inputs",
    "gallery_index",
    "load_split",
    "monitor_split_size",
    "predict",
    "quantize",
]

#: Per node and input: at most this many values of a dense node, this many feature maps of a
#: convolution node, each pooled down to at most this many pixels a side (as the activations event).
MAX_VALUES = 256
MAX_FEATURE_MAPS = 16
MAX_MAP_SIZE = 32
_DECIMALS = 4
_BATCH = 1024


class NodeActivation(BaseModel):
    """One node's output for one input: statistics, and its values (dense) or feature maps (convolution)."""

    model_config = ConfigDict(extra="forbid")

    shape: list[int] = Field(description="The node's output shape per sample.")
    mean: float
    std: float
    min: float
    max: float
    values: list[float] | None = Field(
        default=None, description=f"The values (nodes with 1-D output), at most {MAX_VALUES}."
    )
    feature_maps_q: Quantized | None = Field(
        default=None,
        description=f"(C, H, W) outputs: up to {MAX_FEATURE_MAPS} maps, each at most {MAX_MAP_SIZE}×{MAX_MAP_SIZE} "
        "(average-pooled when larger).",
    )
    omitted: str | None = Field(default=None, description="What was left out, in words.")


class InputError(ValueError):
    """An input the model cannot take: names the field (``inputs[0]``, ``target``) and says why (``code``: the issue's)."""

    def __init__(self, field: str, message: str, hint: str | None = None, *, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.hint = hint
        self.code = code


def quantize(values: torch.Tensor) -> Quantized:
    """``values`` as :class:`Quantized` (its own min and max as ``low``/``high``; NaN/inf count as ``low``)."""
    flat = values.detach().to("cpu", torch.float32).reshape(-1)
    finite = flat[torch.isfinite(flat)]
    low = float(finite.min()) if len(finite) else 0.0
    high = float(finite.max()) if len(finite) else 0.0
    span = high - low
    if span > 0:
        scaled = ((torch.nan_to_num(flat, nan=low, posinf=high, neginf=low) - low) / span * 255.0).round()
        q = scaled.clamp(0, 255).to(torch.uint8)
    else:
        q = torch.zeros(len(flat), dtype=torch.uint8)
    data = base64.b64encode(q.numpy().tobytes()).decode("ascii")
    return Quantized(shape=list(values.shape), low=low, high=high, data=data)


def _shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _accepted_shapes(input_shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    shapes = [input_shape]
    stripped = input_shape
    while len(stripped) > 1 and stripped[0] == 1:
        stripped = stripped[1:]
        shapes.append(stripped)
    flat = (math.prod(input_shape),)
    if flat not in shapes:
        shapes.append(flat)
    return shapes


def coerce_inputs(inputs: Sequence[Any], input_shape: tuple[int, ...]) -> torch.Tensor:
    """The inputs as one float32 batch ``(N, *input_shape)``.

    Each input may have the per-sample shape, that shape without its leading 1s, or be flat.

    Raises:
        InputError: field ``inputs[i]``, with the expected and the given shape.
    """
    accepted = _accepted_shapes(input_shape)
    expected = " or ".join(_shape_text(s) for s in accepted)
    rows = []
    for i, item in enumerate(inputs):
        field = f"inputs[{i}]"
        try:
            array = np.asarray(item, dtype=np.float32)
        except (ValueError, TypeError):
            raise InputError(
                field,
                f"{field} is not a rectangular array of numbers; expected shape {expected}.",
                "Send each input as nested lists of numbers of the data set's input shape.",
            ) from None
        if tuple(array.shape) not in accepted:
            raise InputError(
                field,
                f"{field} has shape {_shape_text(array.shape)}, expected {expected}.",
                f"The model was trained on inputs of shape {_shape_text(input_shape)} per sample.",
            )
        if not np.isfinite(array).all():
            raise InputError(field, f"{field} holds a value that is not a finite number.")
        rows.append(torch.from_numpy(array.reshape(input_shape)))
    return torch.stack(rows) if rows else torch.zeros((0, *input_shape))


@dataclass
class LoadedModel:
    """A run's model rebuilt for inference, and what its weights file says about it."""

    model: GraphModule
    meta: WeightsMeta
    request: RunRequest
    #: (mtime_ns, size) of the file it was loaded from.
    version: tuple[int, int]
    lock: threading.Lock


def build_model(request: RunRequest, tensors: dict[str, torch.Tensor], meta: WeightsMeta) -> GraphModule:
    """The run's graph compiled for its recorded input shape, with its weights, in eval mode, frozen.

    Raises:
        GraphInvalidError: the recorded graph does not compile (should not happen for a run that trained).
        ValueError: the weights do not fit the graph.
    """
    model = compile_graph(request.graph, meta.input_shape)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"the weights do not fit the run's graph: {str(exc).splitlines()[0]}") from exc
    model.eval()
    model.requires_grad_(False)
    return model


class ModelCache:
    """The ``capacity`` most recently used models, by run id (thread-safe); a newer file is loaded again."""

    def __init__(self, capacity: int = 4) -> None:
        self.capacity = capacity
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, run_id: str, path: Path, request: RunRequest) -> LoadedModel:
        """The model of ``run_id`` from the weights at ``path``.

        Raises:
            OSError: the file is not there (any more); ValueError: it cannot be used.
        """
        stat = os.stat(path)
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._models.get(run_id)
            if hit is not None and hit.version == version:
                self._models.move_to_end(run_id)
                return hit
        tensors, meta = load_weights(path)
        loaded = LoadedModel(build_model(request, tensors, meta), meta, request, version, threading.Lock())
        with self._lock:
            self._models[run_id] = loaded
            self._models.move_to_end(run_id)
            while len(self._models) > self.capacity:
                self._models.popitem(last=False)
        return loaded

    def forget(self, run_id: str) -> None:
        """Drop a run's model (its run was deleted)."""
        with self._lock:
            self._models.pop(run_id, None)


def _round_list(values: torch.Tensor) -> list[float]:
    return [round(float(v), _DECIMALS) for v in values.tolist()]


def _node_activation(value: torch.Tensor) -> NodeActivation:
    """Statistics and values/maps of one node's output for one sample (``value`` has no batch dim)."""
    value = value.detach().float()
    flat = value.reshape(-1)
    n = len(flat)
    stats = {
        "shape": list(value.shape),
        "mean": round(float(flat.mean()), 6) if n else 0.0,
        "std": round(float(flat.std(unbiased=False)), 6) if n else 0.0,
        "min": round(float(flat.min()), 6) if n else 0.0,
        "max": round(float(flat.max()), 6) if n else 0.0,
    }
    if value.dim() == 3:  # (C, H, W): feature maps
        channels, height, width = value.shape
        maps = value[:MAX_FEATURE_MAPS]
        notes = []
        if channels > MAX_FEATURE_MAPS:
            notes.append(f"{channels - MAX_FEATURE_MAPS} of {channels} feature maps left out")
        if height > MAX_MAP_SIZE or width > MAX_MAP_SIZE:
            maps = F.adaptive_avg_pool2d(maps[None], (min(height, MAX_MAP_SIZE), min(width, MAX_MAP_SIZE)))[0]
            notes.append(f"maps of {height}×{width} averaged down to {maps.shape[1]}×{maps.shape[2]}")
        return NodeActivation(**stats, feature_maps_q=quantize(maps), omitted="; ".join(notes) or None)
    omitted = None
    if n > MAX_VALUES:
        omitted = f"values left out: the first {MAX_VALUES} of {n} are shown"
    return NodeActivation(**stats, values=_round_list(flat[:MAX_VALUES]), omitted=omitted)


def _class_probabilities(model: GraphModule, output: torch.Tensor) -> torch.Tensor:
    """``(N, C)`` probabilities from raw outputs; one output unit gives ``[1 - p, p]``."""
    if output.shape[-1] == 1:
        p1 = torch.sigmoid(output.reshape(-1))
        return torch.stack([1 - p1, p1], dim=1)
    if model.final_activation == "sigmoid":
        return torch.sigmoid(output)
    return torch.softmax(output, dim=-1)


def _saliency(
    model: GraphModule, x: torch.Tensor, classes: torch.Tensor, input_shape: tuple[int, ...]
) -> list[Quantized]:
    """|d score / d input| per sample, divided by its maximum (so in [0, 1]); ``score`` is the chosen unit's raw output."""
    x = x.clone().requires_grad_(True)
    with torch.enable_grad():
        output = model(x).float().reshape(len(x), -1)  # (N, k)
        if output.shape[1] == 1:  # one unit: class 1 is the logit, class 0 its negative
            score = (output[:, 0] * torch.where(classes > 0, 1.0, -1.0)).sum()
        else:
            score = output.gather(1, classes.reshape(-1, 1)).sum()
        try:
            (grad,) = torch.autograd.grad(score, x)
        except RuntimeError as exc:
            raise InputError("saliency", f"A saliency map cannot be computed for this model ({exc}).") from exc
    magnitude = grad.abs().reshape(len(x), -1)
    peak = magnitude.max(dim=1, keepdim=True).values.clamp(min=1e-12)
    normalised = (magnitude / peak).reshape(len(x), *input_shape)
    out = []
    for sample in normalised:
        q = quantize(sample)
        out.append(q if q.high > 0 else Quantized(shape=list(input_shape), low=0.0, high=0.0, data=q.data))
    return out


def predict(
    loaded: LoadedModel, x: torch.Tensor, *, saliency: bool = False, target: int | None = None
) -> dict[str, Any]:
    """The answer of ``POST /api/runs/{id}/predict`` for the batch ``x`` ``(N, *input_shape)``.

    Keys: ``predictions`` (class index, or the value(s) for regression), ``probabilities``
    (``(N, C)``, classification), ``labels`` (class names), ``outputs`` (raw outputs before the
    final activation), ``activations`` (per input, node id → :class:`NodeActivation`), ``saliency``
    (per input, a :class:`Quantized` of the input's shape, or None), ``input_shape``, ``epoch``, ``step``.

    Raises:
        InputError: field ``target`` when it is not one of the model's output units.
    """
    model, meta = loaded.model, loaded.meta
    input_shape = tuple(meta.input_shape)
    with loaded.lock, torch.no_grad():
        output, node_outputs = model.forward_with_outputs(x)
        output = output.float().reshape(len(x), -1)  # (N, k)
        units = output.shape[1]
        classification = meta.task == "classification"
        if target is not None:
            choices = 2 if classification and units == 1 else units
            if target >= choices:
                what = "classes" if classification else "outputs"
                raise InputError(
                    "target", f"target is {target}, but the model has {choices} {what} (0 to {choices - 1})."
                )
        probabilities: torch.Tensor | None = None
        if classification:
            probabilities = _class_probabilities(model, output)
            classes = probabilities.argmax(dim=1)
            predictions: list[Any] = [int(c) for c in classes]
        else:
            values = model.apply_final_activation(output)
            classes = torch.full((len(x),), target or 0, dtype=torch.long)
            predictions = [round(float(v[0]), 6) if units == 1 else [round(float(a), 6) for a in v] for v in values]
        activations = [
            {node_id: _node_activation(value[i]) for node_id, value in node_outputs.items()} for i in range(len(x))
        ]
    saliency_maps = None
    if saliency:
        chosen = torch.full_like(classes, target) if target is not None else classes
        with loaded.lock:
            saliency_maps = _saliency(model, x, chosen, input_shape)
    return {
        "predictions": predictions,
        "probabilities": [[round(float(p), 6) for p in row] for row in probabilities]
        if probabilities is not None
        else None,
        "labels": list(meta.labels) if classification else None,
        "outputs": [[round(float(v), 6) for v in row] for row in output],
        "activations": activations,
        "saliency": saliency_maps,
        "input_shape": list(input_shape),
        "epoch": meta.epoch,
        "step": meta.step,
    }


@dataclass(frozen=True)
class GalleryIndex:
    """A split's examples ranked for the gallery: misclassified first, then by rising confidence.

    The inputs are kept quantized (8 bits per value, each sample with its own ``low``/``high``),
    so a page of the gallery needs neither the model nor the data set again.
    """

    order: torch.Tensor  # (N,) sample indices in gallery order
    labels: torch.Tensor  # (N,) true class, by sample index
    predicted: torch.Tensor  # (N,) predicted class, by sample index
    confidence: torch.Tensor  # (N,) probability of the predicted class, by sample index
    inputs_q: torch.Tensor  # (N, D) uint8
    lows: torch.Tensor  # (N,)
    highs: torch.Tensor  # (N,)
    input_shape: tuple[int, ...]

    def input(self, i: int) -> Quantized:
        """Sample ``i``'s input."""
        data = base64.b64encode(self.inputs_q[i].numpy().tobytes()).decode("ascii")
        return Quantized(shape=list(self.input_shape), low=float(self.lows[i]), high=float(self.highs[i]), data=data)


def _quantize_rows(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each row of ``x`` ``(N, D)`` as uint8 between its own min and max: ``(q, lows, highs)``."""
    x = torch.nan_to_num(x.float())
    lows = x.min(dim=1).values if x.shape[1] else torch.zeros(len(x))
    highs = x.max(dim=1).values if x.shape[1] else torch.zeros(len(x))
    span = (highs - lows).clamp(min=1e-12)
    q = ((x - lows[:, None]) / span[:, None] * 255.0).round().clamp(0, 255).to(torch.uint8)
    return q, lows, highs


def gallery_index(loaded: LoadedModel, split: Split) -> GalleryIndex:
    """Predict every example of ``split`` (batched, no gradients) and rank them for the gallery."""
    model = loaded.model
    predicted, confidence = [], []
    with loaded.lock, torch.no_grad():
        for start in range(0, len(split), _BATCH):
            output = model(split.x[start : start + _BATCH].float()).float().reshape(-1, model.output_shape[-1])
            probabilities = _class_probabilities(model, output)
            top, classes = probabilities.max(dim=1)
            predicted.append(classes)
            confidence.append(top)
    labels = split.y.reshape(-1).long().cpu()
    pred = torch.cat(predicted) if predicted else torch.zeros(0, dtype=torch.long)
    conf = torch.cat(confidence) if confidence else torch.zeros(0)
    wrong = (pred != labels).to(torch.float64)
    # misclassified (wrong = 1) first, then the least confident; ties by index (stable sort)
    key = (1.0 - wrong) * 2.0 + conf.double()
    order = torch.sort(key, stable=True).indices
    q, lows, highs = _quantize_rows(split.x.reshape(len(split), -1).cpu())
    input_shape = tuple(int(n) for n in split.x.shape[1:])
    return GalleryIndex(order, labels, pred, conf, q, lows, highs, input_shape)


def monitor_split_size(request: RunRequest, settings: Settings) -> int:
    """How many samples the run's monitor split (where the probe sample comes from) has.

    The validation split; for a set without one, the part of train ``training.validation_split``
    holds out (as the engine does); with neither, the training split. Loads nothing.
    """
    ref = request.dataset
    if ref.name in GENERATED_SETS:
        spec = GENERATED_SETS[ref.name]
        info = generated_info(spec, parse_params(ref.name, spec.params_model, ref.params))
    else:
        info = get_dataset_info(ref.name, settings)
    val, train = int(info.sizes.get("val", 0)), int(info.sizes.get("train", 0))
    if val > 0:
        return val
    fraction = request.training.validation_split
    if fraction > 0 and train >= 2:
        return max(1, int(round(train * fraction)))
    return train


def load_split(request: RunRequest, meta: WeightsMeta, settings: Settings, name: str) -> Split:
    """The run's ``train``, ``val`` or ``test`` split as it trained on it (the same seed, the same held-out part).

    Raises:
        DatasetError: the data set cannot be loaded any more.
    """
    seed = meta.seed if meta.seed is not None else 0
    data = _with_validation(load_dataset(request.dataset, settings, seed=seed), request.training.validation_split, seed)
    split: Split = getattr(data, name)
    return split
