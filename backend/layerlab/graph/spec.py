"""The graph JSON (version 1) exactly as the editor sends it (``docs/contract.md`` §1).

Only the *form* is checked here (types, strictly as the schema says — ``"1"`` is no number
and ``0`` no boolean —, required keys, no unknown keys);
meaning (known layer types, edges that point at nodes, cycles, shapes) is
checked by :mod:`layerlab.graph.validate`, which reports every problem at once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["EdgeSpec", "GraphSpec", "NodeSpec", "ParamValue", "Position"]

# A layer parameter as it arrives in JSON; the layer's own pydantic model checks it.
ParamValue = int | float | str | bool | None | list[int] | list[float] | list[int | float]


class Position(BaseModel):
    """Where the editor draws a node; ignored by training."""

    model_config = ConfigDict(extra="forbid", strict=True)

    x: float
    y: float


class NodeSpec(BaseModel):
    """One node: an instance of a layer type, e.g. ``{"id": "h", "type": "Dense", "params": {"units": 128}}``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=64)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    position: Position | None = None
    label: str | None = Field(default=None, max_length=200)


class EdgeSpec(BaseModel):
    """A connection ``source → target``; ``target_port`` orders the inputs of ``Concat``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    id: str | None = Field(default=None, max_length=256)
    source: str = Field(min_length=1, max_length=128)
    target: str = Field(min_length=1, max_length=128)
    target_port: int | None = Field(default=None, ge=0, le=1024)

    @field_validator("target_port", mode="before")
    @classmethod
    def _integral(cls, value: object) -> object:
        """``1.0`` as ``1`` (JSON counts it as an integer); a string or a boolean stays an error."""
        return int(value) if isinstance(value, float) and value.is_integer() else value


class GraphSpec(BaseModel):
    """A whole network as the editor draws it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    version: Literal[1] = 1
    nodes: list[NodeSpec] = Field(default_factory=list, max_length=10_000)
    edges: list[EdgeSpec] = Field(default_factory=list, max_length=40_000)
