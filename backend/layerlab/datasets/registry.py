"""The data-set registry: every built-in set by name, listed cheaply and loaded on demand.

Order in :func:`list_datasets`: the 2-D sets (classification, then regression), the
scikit-learn sets, then the downloaded image sets — roughly from first lesson to hardest.
"""

from __future__ import annotations

import logging

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits
from layerlab.datasets.bundled import BUNDLED_SETS, bundled_info, load_bundled
from layerlab.datasets.generated import GENERATED_SETS, generated_info, load_generated
from layerlab.datasets.images import IMAGE_SETS, image_set_info, load_image_set
from layerlab.datasets.params import NoParams, parse_params
from layerlab.errors import DatasetError
from layerlab.settings import Settings

__all__ = ["check_dataset_params", "dataset_names", "get_dataset_info", "list_datasets", "load_dataset"]

logger = logging.getLogger(__name__)


def dataset_names() -> list[str]:
    """Every built-in data-set name, in listing order."""
    return [*GENERATED_SETS, *BUNDLED_SETS, *IMAGE_SETS]


def _unknown(name: str) -> DatasetError:
    names = ", ".join(dataset_names())
    return DatasetError(
        f'Unknown data set "{name}". Use one of: {names}.',
        code="unknown_dataset",
        field="dataset",
        hint="Pick a data set from the list.",
    )


def get_dataset_info(name: str, settings: Settings) -> DatasetInfo:
    """What the data-set picker shows for ``name``: shapes, classes, sizes, params schema, availability.

    Cheap: never decodes files (image sets only ``stat`` their files and read a header).

    Raises:
        DatasetError: ``unknown_dataset``; the message lists the valid names.

    Example::

        get_dataset_info("mnist", settings).input_shape  # [1, 28, 28]
    """
    if name in GENERATED_SETS:
        return generated_info(GENERATED_SETS[name])
    if name in BUNDLED_SETS:
        return bundled_info(BUNDLED_SETS[name])
    if name in IMAGE_SETS:
        return image_set_info(IMAGE_SETS[name], settings)
    raise _unknown(name)


def check_dataset_params(ref: DatasetRef) -> None:
    """Check ``ref``'s name and params without loading anything (for a 422 before a run starts).

    Raises:
        DatasetError: ``unknown_dataset`` or ``invalid_dataset_param`` (``field`` = the param).
    """
    if ref.name in GENERATED_SETS:
        parse_params(ref.name, GENERATED_SETS[ref.name].params_model, ref.params)
    elif ref.name in BUNDLED_SETS or ref.name in IMAGE_SETS:
        parse_params(ref.name, NoParams, ref.params)
    else:
        raise _unknown(ref.name)


def list_datasets(settings: Settings) -> list[DatasetInfo]:
    """Every built-in data set (the body of ``GET /api/datasets``); cheap, as :func:`get_dataset_info`."""
    return [get_dataset_info(name, settings) for name in dataset_names()]


def load_dataset(ref: DatasetRef, settings: Settings, *, seed: int = 0) -> DatasetSplits:
    """Load ``ref`` as seeded train/val/test tensors; the same ``ref`` and ``seed`` give the same splits.

    Inputs are float32 (images ``(N, C, H, W)`` in [0, 1], tabular standardized with train
    statistics, 2-D points in about [-6, 6]); targets are int64 class indices, or float32
    ``(N, 1)`` for regression. ``info.sizes`` holds the actual split sizes. Image sets may
    download on first use (when allowed) and are cached in-process and on disk; every call
    returns fresh tensors the caller owns.

    Raises:
        DatasetError: ``unknown_dataset`` (lists the names), ``invalid_dataset_param`` (``field``
            = the param), ``dataset_unavailable`` (the reason + a hint), ``dataset_corrupt``
            (names the file).

    Example::

        splits = load_dataset(DatasetRef(name="spiral", params={"noise": 0.2}), settings, seed=1)
        splits.train.x.shape  # torch.Size([350, 2])
    """
    name = ref.name
    if name in GENERATED_SETS:
        return load_generated(GENERATED_SETS[name], ref.params, seed=seed)
    if name in BUNDLED_SETS:
        parse_params(name, NoParams, ref.params)
        return load_bundled(BUNDLED_SETS[name], seed=seed)
    if name in IMAGE_SETS:
        parse_params(name, NoParams, ref.params)
        return load_image_set(IMAGE_SETS[name], settings, seed=seed)
    raise _unknown(name)
