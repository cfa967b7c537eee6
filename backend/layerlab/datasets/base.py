"""The data-set types every loader returns and every consumer reads.

A loader turns a :class:`DatasetRef` into :class:`DatasetSplits`: three explicit,
seeded splits as tensors (inputs ``float32``; targets ``int64`` class indices for
classification, ``float32`` of shape ``(N, k)`` for regression). Images are
``(N, C, H, W)`` scaled to [0, 1]; tabular and 2-D sets are ``(N, features)``.
Forecast sets (kind ``sequence``) hold windows: ``x`` float32 ``(N, window, 1)``, ``y``
float32 ``(N, horizon)``. Text sets (task ``language_model``) hold one token stream per
split: ``x`` = ``y`` = the same int64 ``(L,)`` tensor of ids into ``DatasetInfo.vocabulary``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import torch
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

__all__ = ["DatasetInfo", "DatasetRef", "DatasetRefOrName", "DatasetSplits", "Split", "Task"]

Task = Literal["classification", "regression", "forecast", "language_model"]
DatasetParam = int | float | str | bool


class DatasetRef(BaseModel):
    """A data set in a request: ``"mnist"`` or ``{"name": "spiral", "params": {"noise": 0.2}}``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    params: dict[str, DatasetParam] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


def _name_only(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


#: A data set in a request body: a :class:`DatasetRef`, or just its name (``"mnist"`` reads as
#: ``{"name": "mnist"}``). The OpenAPI document of a request says it accepts either.
DatasetRefOrName = Annotated[
    DatasetRef,
    BeforeValidator(
        _name_only,
        json_schema_input_type=DatasetRef | Annotated[str, StringConstraints(min_length=1, max_length=200)],
    ),
]


class DatasetInfo(BaseModel):
    """What ``GET /api/datasets`` lists for one data set."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    description: str
    task: Task
    kind: Literal["2d", "tabular", "image", "sequence", "text"]
    input_shape: list[int] = Field(description="Per-sample shape, without the batch dimension.")
    num_classes: int | None = None
    class_names: list[str] | None = None
    output_size: int | None = Field(
        default=None, description="Regression targets per sample; for a forecast set, the horizon."
    )
    vocabulary: list[str] | None = Field(
        default=None,
        description="Text sets: the characters, sorted by code point; a token id is an index into this list.",
    )
    sizes: dict[str, int] = Field(
        default_factory=dict,
        description="Samples per split: train, val, test (forecast sets: windows; text sets: characters).",
    )
    available: bool = True
    reason: str | None = None
    params_schema: dict[str, object] = Field(
        default_factory=dict, description="JSON Schema of the data set's params (n, noise, seed …)."
    )
    source: str | None = Field(
        default=None, description="Where it comes from: generated, scikit-learn, a folder, a download."
    )


@dataclass(frozen=True)
class Split:
    """Inputs and targets of one split."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to(self, device: torch.device | str) -> Split:
        """The same split on ``device``."""
        return Split(self.x.to(device), self.y.to(device))


@dataclass(frozen=True)
class DatasetSplits:
    """A loaded data set: train/val/test and what the model needs to know of it."""

    info: DatasetInfo
    train: Split
    val: Split
    test: Split

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Per-sample input shape, e.g. ``(1, 28, 28)``."""
        return tuple(self.info.input_shape)

    @property
    def task(self) -> Task:
        """``classification``, ``regression``, ``forecast`` or ``language_model``."""
        return self.info.task
