"""What every built-in data set provides to the registry: the :class:`DatasetSpec` protocol.

A spec describes its set cheaply (:meth:`DatasetSpec.info`, for ``GET /api/datasets``),
checks a request's params without loading anything (:meth:`DatasetSpec.parse_params`, for a
422 before a run starts) and loads seeded splits (:meth:`DatasetSpec.load`). The registry
(``registry.py``) only iterates specs; adding a data set means adding one spec to a module's
table (``GENERATED_SETS``, ``BUNDLED_SETS``, ``SERIES_SETS``, ``TEXT_SETS``, ``IMAGE_SETS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits
from layerlab.settings import Settings

__all__ = ["DatasetSpec"]


@runtime_checkable
class DatasetSpec(Protocol):
    """One built-in data set, as the registry sees it."""

    @property
    def name(self) -> str:
        """The set's name in requests (``"spiral"``, ``"sunspots"`` …)."""
        ...

    @property
    def params_model(self) -> type[BaseModel]:
        """The pydantic model of its params (``extra="forbid"``); its JSON Schema is ``info.params_schema``."""
        ...

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """What the data-set picker shows: for ``params`` (parsed by :meth:`parse_params`), else the defaults.

        Cheap: never decodes a data file. ``params`` change what they change (a window the input shape,
        ``n`` the split sizes).
        """
        ...

    def parse_params(self, params: Mapping[str, object]) -> BaseModel:
        """The validated params, including checks across params (a window longer than the series …).

        Raises:
            DatasetError: ``invalid_dataset_param`` with ``field`` = the param to change.
        """
        ...

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """Seeded train/val/test splits of ``ref`` (its params are parsed first); fresh tensors the caller owns.

        Raises:
            DatasetError: ``invalid_dataset_param``, ``dataset_unavailable`` or ``dataset_corrupt``.
        """
        ...
