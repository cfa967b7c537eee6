"""RunRequest: the body of ``POST /api/runs`` and the input of one training job."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from layerlab.datasets.base import DatasetRef
from layerlab.graph.spec import GraphSpec
from layerlab.training.config import TrainConfig

__all__ = ["RunRequest"]


class RunRequest(BaseModel):
    """A graph, a data set and how to train it. ``dataset`` may be a bare name."""

    model_config = ConfigDict(extra="forbid")

    graph: GraphSpec
    dataset: DatasetRef
    training: TrainConfig = Field(default_factory=TrainConfig)
    name: str | None = Field(default=None, max_length=200, description="A label for the run list.")

    @field_validator("dataset", mode="before")
    @classmethod
    def _name_only(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value
