"""The data-set registry: every built-in set by name, listed cheaply and loaded on demand.

Each set is a :class:`DatasetSpec` (``spec.py``) in one module's table; the registry only
iterates them. Order in :func:`list_datasets`: the 2-D sets (classification, then regression),
the scikit-learn sets, the forecast series, the text sets, then the downloaded image sets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits
from layerlab.datasets.bundled import BUNDLED_SETS
from layerlab.datasets.generated import GENERATED_SETS
from layerlab.datasets.images import IMAGE_SETS
from layerlab.datasets.series import SERIES_SETS
from layerlab.datasets.spec import DatasetSpec
from layerlab.datasets.text import TEXT_SETS
from layerlab.errors import DatasetError
from layerlab.settings import Settings

__all__ = [
    "check_dataset_params",
    "dataset_info_for",
    "dataset_names",
    "get_dataset_info",
    "get_spec",
    "list_datasets",
    "load_dataset",
]

logger = logging.getLogger(__name__)

_TABLES: tuple[Mapping[str, DatasetSpec], ...] = (GENERATED_SETS, BUNDLED_SETS, SERIES_SETS, TEXT_SETS, IMAGE_SETS)


def _specs() -> dict[str, DatasetSpec]:
    """Every built-in set by name, in listing order (read from the tables on each call)."""
    return {name: spec for table in _TABLES for name, spec in table.items()}


def dataset_names() -> list[str]:
    """Every built-in data-set name, in listing order."""
    return list(_specs())


def get_spec(name: str) -> DatasetSpec:
    """The spec of data set ``name``.

    Raises:
        DatasetError: ``unknown_dataset`` (field ``dataset``); the message lists the valid names.
    """
    spec = _specs().get(name)
    if spec is None:
        names = ", ".join(dataset_names())
        raise DatasetError(
            f'Unknown data set "{name}". Use one of: {names}.',
            code="unknown_dataset",
            field="dataset",
            hint="Pick a data set from the list.",
        )
    return spec


def get_dataset_info(name: str, settings: Settings) -> DatasetInfo:
    """What the data-set picker shows for ``name``: shapes, classes, sizes, params schema, availability.

    Cheap: never decodes files (image sets only ``stat`` their files and read a header).

    Raises:
        DatasetError: ``unknown_dataset``; the message lists the valid names.

    Example::

        get_dataset_info("mnist", settings).input_shape  # [1, 28, 28]
    """
    return get_spec(name).info(settings)


def dataset_info_for(ref: DatasetRef, settings: Settings) -> DatasetInfo:
    """The info of ``ref`` with its params applied (a forecast window sets the input shape, ``n`` the sizes).

    Raises:
        DatasetError: ``unknown_dataset`` or ``invalid_dataset_param`` (``field`` = the param).
    """
    spec = get_spec(ref.name)
    return spec.info(settings, spec.parse_params(ref.params))


def check_dataset_params(ref: DatasetRef) -> None:
    """Check ``ref``'s name and params without loading anything (for a 422 before a run starts).

    Raises:
        DatasetError: ``unknown_dataset`` or ``invalid_dataset_param`` (``field`` = the param).
    """
    get_spec(ref.name).parse_params(ref.params)


def list_datasets(settings: Settings) -> list[DatasetInfo]:
    """Every built-in data set (the body of ``GET /api/datasets``); cheap, as :func:`get_dataset_info`."""
    return [spec.info(settings) for spec in _specs().values()]


def load_dataset(ref: DatasetRef, settings: Settings, *, seed: int = 0) -> DatasetSplits:
    """Load ``ref`` as seeded train/val/test tensors; the same ``ref`` and ``seed`` give the same splits.

    Inputs are float32 (images ``(N, C, H, W)`` in [0, 1], tabular standardized with train
    statistics, 2-D points in about [-6, 6], forecast windows ``(N, window, 1)``) or, for text
    sets, int64 token streams ``(L,)``; targets are int64 class indices, float32 ``(N, 1)`` for
    regression, ``(N, horizon)`` for forecasts. ``info.sizes`` holds the actual split sizes. Image
    sets and shakespeare may download on first use (when allowed) and are cached; every call
    returns fresh tensors the caller owns.

    Raises:
        DatasetError: ``unknown_dataset`` (lists the names), ``invalid_dataset_param`` (``field``
            = the param), ``dataset_unavailable`` (the reason + a hint), ``dataset_corrupt``
            (names the file).

    Example::

        splits = load_dataset(DatasetRef(name="spiral", params={"noise": 0.2}), settings, seed=1)
        splits.train.x.shape  # torch.Size([350, 2])
    """
    return get_spec(ref.name).load(ref, settings, seed=seed)
