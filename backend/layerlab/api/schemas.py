"""Request and response models of the HTTP API that are not already models of another part.

These are declared as ``response_model`` on the routes so ``/openapi.json`` (and the
TypeScript types generated from it) describe every body exactly. Times are seconds
since the epoch (``float``), like every event's ``time``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from layerlab.datasets.base import DatasetRef, DatasetRefOrName
from layerlab.errors import GraphIssue
from layerlab.graph.cost import CostEstimate
from layerlab.graph.spec import GraphSpec
from layerlab.training.config import TrainConfig
from layerlab.training.events import ClassMetrics, RunState
from layerlab.training.request import RecipeName, RunRequest

__all__ = [
    "ControlResponse",
    "ErrorResponse",
    "Health",
    "LayerInfo",
    "LayerInputs",
    "LearningRateBody",
    "NodeInfo",
    "Project",
    "ProjectIn",
    "ProjectSummary",
    "RunCreated",
    "RunDetail",
    "RunErrorInfo",
    "RunLatest",
    "RunSummary",
    "ValidateRequest",
    "ValidateResponse",
]


class ErrorResponse(BaseModel):
    """The body of every 4xx/5xx answer: a plain message, a stable code, and the issues behind it (may be empty)."""

    detail: str = Field(description="What went wrong, in one plain sentence (for people; never match on it).")
    code: str = Field(
        description=(
            "What went wrong, as a stable code: not_found, invalid_request, malformed_json, body_too_large, "
            "unsupported_media_type, host_not_allowed, origin_not_allowed, conflict, too_many_requests, "
            "too_many_projects, project_too_large, unavailable, method_not_allowed, internal_error."
        )
    )
    errors: list[GraphIssue] = Field(
        description="The problems behind it, each naming the node and field; may be empty."
    )


class Health(BaseModel):
    """``GET /api/health``: ``ok``, or ``degraded`` with the reason (storage failing, no worker running)."""

    status: Literal["ok", "degraded"] = "ok"
    version: str
    device: str = Field(description="The default training device, e.g. cpu or cuda:0.")
    reason: str | None = Field(default=None, description="What is wrong, in plain words, when degraded.")
    hint: str | None = Field(default=None, description="What to do about it, when degraded.")
    pending_events: int | None = Field(
        default=None, description="Events recorded in memory that storage has not accepted yet, when degraded."
    )


class LayerInputs(BaseModel):
    """How many incoming edges a layer type takes (max None = any number)."""

    model_config = ConfigDict(extra="allow")

    min: int
    max: int | None = None


class LayerInfo(BaseModel):
    """One entry of the palette (``GET /api/layers``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    category: str
    description: str
    explanation: str | None = None
    params_schema: dict[str, Any]
    inputs: LayerInputs
    role: Literal["input", "layer", "merge"] = Field(
        description="input: takes no edge (the graph's Input); merge: combines several inputs; layer: one input."
    )
    ordered_inputs: bool = Field(description="The order of the incoming edges matters (Concat).")
    final_activation: Literal["softmax", "sigmoid"] | None = Field(
        description="An activation layer that can end a classifier (folded into the loss as the output)."
    )
    activation_axis: int | None = Field(
        description="The axis a softmax given as this layer's activation param applies to; null without one."
    )
    units_field: str | None = Field(description="The param that sets the output size (units for Dense).")
    takes_token_ids: bool = Field(
        description="The layer reads integer token ids from the Input (Embedding), not floating-point values."
    )


class ValidateRequest(BaseModel):
    """``POST /api/graphs/validate``: a graph and (optionally) the data set and training it is for."""

    model_config = ConfigDict(extra="forbid")

    graph: GraphSpec
    dataset: DatasetRefOrName | None = None
    training: TrainConfig | None = Field(
        default=None,
        description="How it will train (batch size, optimizer, mixed precision…), for the cost estimate; "
        "default: TrainConfig's defaults.",
    )
    recipe: RecipeName = Field(
        default="auto", description="The recipe it will train with (auto: from the data set's task)."
    )

    @field_validator("dataset", mode="before")
    @classmethod
    def _name_only(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value


class NodeInfo(BaseModel):
    """Per-node result of validation: output shape per sample (no batch dim) and parameter count."""

    output_shape: list[int] | None = None
    params: int = 0


class ValidateResponse(BaseModel):
    """The validation report (``docs/contract.md`` §2.4) plus the data set's input shape used for it."""

    valid: bool
    errors: list[GraphIssue]
    nodes: dict[str, NodeInfo]
    total_params: int
    input_shape: list[int] | None = None
    cost: CostEstimate | None = Field(
        default=None, description="Estimated memory and FLOPs of one training step (None while no shape is known)."
    )


class RunCreated(BaseModel):
    """``POST /api/runs`` → 201."""

    id: str
    status: RunState


class ControlResponse(BaseModel):
    """Answer of a control (pause, resume, stop, step, learning rate): the run's status now.

    The change itself shows up as a ``status`` event on the stream (e.g. ``paused``)
    once the engine reaches the end of the current batch.
    """

    id: str
    status: RunState


class LearningRateBody(BaseModel):
    """``POST /api/runs/{id}/learning_rate``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    learning_rate: float = Field(gt=0.0, le=10.0)


class RunErrorInfo(BaseModel):
    """Why a run failed (or was interrupted)."""

    code: str | None = None
    message: str | None = None
    hint: str | None = None
    node_id: str | None = None


class RunLatest(BaseModel):
    """The last ``epoch`` event's metrics."""

    epoch: int | None = None
    train: dict[str, float] | None = None
    val: dict[str, float] | None = None


class RunSummary(BaseModel):
    """One entry of ``GET /api/runs``."""

    id: str
    name: str | None = None
    status: RunState
    dataset: str
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    position: int | None = Field(default=None, description="Place in the queue (1 = next) while queued.")
    epochs: int = Field(description="Epochs planned.")
    latest: RunLatest | None = None
    final: dict[str, float | list[ClassMetrics]] | None = Field(default=None, description="Test metrics at the end.")
    error: RunErrorInfo | None = None


class RunDetail(RunSummary):
    """``GET /api/runs/{id}``: the summary plus the request and the last recorded seq."""

    request: RunRequest
    last_seq: int
    worker_pid: int | None = Field(default=None, description="The worker process running it, while active.")


class ProjectIn(BaseModel):
    """Body of ``POST /api/projects`` and ``PUT /api/projects/{id}``.

    The graph is kept as drawn (a design may be saved before it is valid), within the
    server's ``max_nodes`` and ``max_project_bytes``.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=200)
    graph: GraphSpec
    dataset: DatasetRefOrName | None = None
    training: TrainConfig | None = None


class Project(ProjectIn):
    """A saved project."""

    model_config = ConfigDict(extra="forbid")

    id: str
    created_at: float
    updated_at: float


class ProjectSummary(BaseModel):
    """One entry of ``GET /api/projects``: the project without its graph and training (open it to get them)."""

    id: str
    name: str
    dataset: DatasetRef | None = None
    node_count: int = Field(description="Nodes in its graph.")
    created_at: float
    updated_at: float
