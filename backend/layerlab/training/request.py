"""RunRequest: the body of ``POST /api/runs`` and the input of one training job."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from layerlab.datasets.base import DatasetRefOrName
from layerlab.graph.spec import GraphSpec
from layerlab.training.config import TrainConfig

__all__ = ["RunRequest"]


class RunRequest(BaseModel):
    """A graph, a data set and how to train it. ``dataset`` may be a bare name."""

    model_config = ConfigDict(extra="forbid")

    graph: GraphSpec
    dataset: DatasetRefOrName
    training: TrainConfig = Field(default_factory=TrainConfig)
    name: str | None = Field(default=None, max_length=200, description="A label for the run list.")
