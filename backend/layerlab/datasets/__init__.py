"""Data sets: the registry of built-in sets and their loaders.

``list_datasets`` / ``get_dataset_info`` describe the sets cheaply (for ``GET /api/datasets``);
``load_dataset`` turns a :class:`DatasetRef` into seeded :class:`DatasetSplits`. Errors are
:class:`layerlab.errors.DatasetError` with codes ``unknown_dataset``, ``invalid_dataset_param``,
``dataset_unavailable`` and ``dataset_corrupt``.
"""

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetRefOrName, DatasetSplits, Split, Task
from layerlab.datasets.images import clear_image_cache
from layerlab.datasets.registry import (
    check_dataset_params,
    dataset_names,
    get_dataset_info,
    list_datasets,
    load_dataset,
)

__all__ = [
    "DatasetInfo",
    "DatasetRef",
    "DatasetRefOrName",
    "DatasetSplits",
    "Split",
    "Task",
    "check_dataset_params",
    "clear_image_cache",
    "dataset_names",
    "get_dataset_info",
    "list_datasets",
    "load_dataset",
]
