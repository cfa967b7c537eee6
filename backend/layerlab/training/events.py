"""The event models of ``docs/contract.md`` §4: every message a run streams, as pydantic models.

Each event carries ``seq`` (1, 2, 3 … per run, no gaps), ``type``, ``run_id`` and
``time`` (seconds since the epoch). :data:`Event` is the union, discriminated on
``type``; :func:`parse_event` turns a JSON dict back into the right model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

__all__ = [
    "ActivationsEvent",
    "BULKY_EVENT_TYPES",
    "ClassMetrics",
    "ConfusionMatrixEvent",
    "DecisionBoundaryEvent",
    "DiagnosticEvent",
    "EpochEvent",
    "EvaluationEvent",
    "Event",
    "EventBase",
    "GradientsEvent",
    "Histogram",
    "LayerStats",
    "PlaneGrid",
    "ProbeSample",
    "Quantized",
    "RunState",
    "SamplesEvent",
    "StatusEvent",
    "StepEvent",
    "TERMINAL_STATES",
    "WeightsEvent",
    "parse_event",
]

RunState = Literal["queued", "running", "paused", "completed", "failed", "stopped", "interrupted"]

#: States after which a run emits nothing more.
TERMINAL_STATES: frozenset[str] = frozenset({"completed", "failed", "stopped", "interrupted"})


class EventBase(BaseModel):
    """Fields every event has."""

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=1)
    run_id: str
    time: float


class StatusEvent(EventBase):
    """The run changed state; ``failed`` carries ``code``, ``message`` and ``hint``."""

    type: Literal["status"] = "status"
    status: RunState
    position: int | None = Field(default=None, description="Place in the queue (1 = next), when queued.")
    code: str | None = None
    message: str | None = None
    hint: str | None = None
    node_id: str | None = None
    device: str | None = Field(default=None, description="The training device, when running.")
    epochs: int | None = Field(default=None, description="Epochs planned, when running.")
    steps_per_epoch: int | None = Field(default=None, description="Batches per epoch, when running.")


class StepEvent(EventBase):
    """One training batch (throttled by time: at most a few per second)."""

    type: Literal["step"] = "step"
    epoch: int = Field(ge=1)
    step: int = Field(ge=1, description="Global batch number, from 1.")
    loss: float
    learning_rate: float
    samples_per_s: float
    steps_per_epoch: int | None = None
    losses: dict[str, float] | None = Field(
        default=None,
        description='Each network\'s loss, for a recipe with several (a GAN: "generator", "discriminator").',
    )


class EpochEvent(EventBase):
    """End of an epoch: train and validation metrics (Keras names: loss, accuracy …)."""

    type: Literal["epoch"] = "epoch"
    epoch: int = Field(ge=1)
    train: dict[str, float]
    val: dict[str, float] = Field(default_factory=dict)
    learning_rate: float | None = None
    duration_s: float | None = None


class ClassMetrics(BaseModel):
    """Precision, recall and F1 of one class."""

    model_config = ConfigDict(extra="forbid")

    label: str
    precision: float
    recall: float
    f1: float
    support: int


class EvaluationEvent(EventBase):
    """The final metrics on a split (``test``), once, at the end."""

    type: Literal["evaluation"] = "evaluation"
    split: Literal["test", "val", "train"] = "test"
    metrics: dict[str, float | list[ClassMetrics]]


class ConfusionMatrixEvent(EventBase):
    """Counts of (true, predicted) pairs; rows are the true class."""

    type: Literal["confusion_matrix"] = "confusion_matrix"
    split: Literal["val", "test", "train"]
    epoch: int | None = None
    labels: list[str]
    matrix: list[list[int]]


class Quantized(BaseModel):
    """An array as 8-bit values: ``value = low + q / 255 * (high - low)``, ``data`` base64 of the uint8 ``q`` (row-major over ``shape``)."""

    model_config = ConfigDict(extra="forbid")

    shape: list[int]
    low: float
    high: float
    data: str


class Histogram(BaseModel):
    """``counts[i]`` values fell in ``[edges[i], edges[i+1])``."""

    model_config = ConfigDict(extra="forbid")

    counts: list[int]
    edges: list[float]


class LayerStats(BaseModel):
    """Statistics of one node's activations, weights or gradients."""

    model_config = ConfigDict(extra="forbid")

    mean: float
    std: float
    min: float | None = None
    max: float | None = None
    norm: float | None = None
    dead_fraction: float | None = None
    histogram: Histogram | None = None
    values: list[float] | None = Field(default=None, description="A sample's values (dense layers).")
    feature_maps: list[list[list[float]]] | None = Field(default=None, description="A sample's maps (conv layers).")
    saturated_fraction: float | None = Field(
        default=None,
        description="Sigmoid/tanh-like nodes: fraction of values saturated (tanh |a| > 0.99; sigmoid a < 0.01 or a > 0.99).",
    )
    update_ratio: float | None = Field(
        default=None,
        description="Weights events: ‖w_t − w_(t−1)‖ / ‖w_(t−1)‖ over the node's parameters, for the reported step.",
    )
    output_grad_rms: float | None = Field(
        default=None,
        description="Gradients events: RMS of d(loss)/d(node output) on the monitor batch (what flows back along its incoming edges).",
    )
    feature_maps_q: Quantized | None = Field(
        default=None, description="The probe sample's feature maps, (channels, H, W), 8-bit (conv layers)."
    )
    plane_q: Quantized | None = Field(
        default=None, description="2-D sets: the node's units over the plane grid, (units, R, R), 8-bit."
    )
    omitted: str | None = Field(default=None, description="What was left out for this node, and why (plain words).")


class _PerNodeEvent(EventBase):
    epoch: int | None = None
    step: int | None = None
    nodes: dict[str, LayerStats]


class ProbeSample(BaseModel):
    """The example whose values an activations event carries (an index into the monitor split)."""

    model_config = ConfigDict(extra="forbid")

    split: Literal["val", "train", "test"]
    index: int = Field(ge=0)
    label: int | float | None = None
    predicted: int | float | None = None


class PlaneGrid(BaseModel):
    """The plane grid of a 2-D data set (the same as the decision boundary's)."""

    model_config = ConfigDict(extra="forbid")

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    resolution: int = Field(ge=1)


class ActivationsEvent(_PerNodeEvent):
    """Per-node activation statistics on the monitor batch, the probe sample's values and (2-D sets)
    every unit over the plane (bulky: may be thinned for slow clients)."""

    type: Literal["activations"] = "activations"
    probe: ProbeSample | None = None
    plane: PlaneGrid | None = None


class WeightsEvent(_PerNodeEvent):
    """Per-node weight statistics and histograms (bulky)."""

    type: Literal["weights"] = "weights"


class GradientsEvent(_PerNodeEvent):
    """Per-node gradient statistics, norms and histograms (bulky)."""

    type: Literal["gradients"] = "gradients"


class DecisionBoundaryEvent(EventBase):
    """For 2-D data: the predicted class over a grid of the plane, and points on top.

    ``grid[i][j]`` is the prediction at ``(x_values[j], y_values[i])``: the class index
    for classification (``probabilities`` then holds the winning probability), or the
    predicted value for regression. ``points`` are ``[x, y, label]`` samples of the data.
    """

    type: Literal["decision_boundary"] = "decision_boundary"
    epoch: int | None = None
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    resolution: int
    grid: list[list[float]]
    probabilities: list[list[float]] | None = None
    points: list[tuple[float, float, float]] = Field(default_factory=list)


class SamplesEvent(EventBase):
    """Generated or predicted examples (images, points, text, forecasts)."""

    type: Literal["samples"] = "samples"
    epoch: int | None = None
    kind: Literal["images", "points", "text", "predictions", "forecast"]
    items: list[dict[str, JsonValue]] = Field(
        description="One dict per example; its keys depend on ``kind`` (text: prompt, text, temperature, length, "
        "step, attention; forecast: split, context, actual, one_step, rollout, epoch)."
    )


class DiagnosticEvent(EventBase):
    """A plain-words warning (vanishing gradients, dead units, overfitting …) with a hint."""

    type: Literal["diagnostic"] = "diagnostic"
    kind: str
    node_id: str | None = None
    message: str
    hint: str | None = None
    epoch: int | None = None


Event = Annotated[
    StatusEvent
    | StepEvent
    | EpochEvent
    | EvaluationEvent
    | ConfusionMatrixEvent
    | ActivationsEvent
    | WeightsEvent
    | GradientsEvent
    | DecisionBoundaryEvent
    | SamplesEvent
    | DiagnosticEvent,
    Field(discriminator="type"),
]

_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

#: Event types that may be thinned for a slow client; all others are never dropped.
BULKY_EVENT_TYPES: frozenset[str] = frozenset({"activations", "weights", "gradients", "decision_boundary", "samples"})


def parse_event(data: dict[str, object] | str | bytes) -> Event:
    """Parse a JSON object (dict or text) into the matching event model.

    >>> parse_event({"seq": 1, "run_id": "r", "time": 0.0, "type": "status", "status": "running"}).status
    'running'
    """
    if isinstance(data, (str, bytes)):
        return _EVENT_ADAPTER.validate_json(data)
    return _EVENT_ADAPTER.validate_python(data)
