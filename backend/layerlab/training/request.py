"""RunRequest: the body of ``POST /api/runs`` and the input of one training job."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from layerlab.datasets.base import DatasetRefOrName
from layerlab.graph.spec import GraphSpec
from layerlab.training.config import TrainConfig

__all__ = ["RecipeName", "RunRequest"]

#: What training means for a run; ``auto`` picks it from the data set's task (see docs/recipes.md).
RecipeName = Literal["auto", "supervised", "forecast", "language_model"]


class RunRequest(BaseModel):
    """A graph, a data set and how to train it. ``dataset`` may be a bare name."""

    model_config = ConfigDict(extra="forbid")

    graph: GraphSpec
    dataset: DatasetRefOrName
    recipe: RecipeName = Field(
        default="auto",
        description="auto: classification/regression, forecasting or a language model, from the data set's task.",
    )
    training: TrainConfig = Field(default_factory=TrainConfig)
    name: str | None = Field(default=None, max_length=200, description="A label for the run list.")
