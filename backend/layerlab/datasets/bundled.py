"""The data sets that ship with scikit-learn: digits (8×8 images) and iris, wine, breast_cancer (tabular).

Splits are 70/15/15, stratified and seeded. Tabular features are standardized with the
mean and standard deviation of the TRAIN split only (no leak from val/test); digits pixels
are scaled from 0-16 to [0, 1]. scikit-learn is imported only when a set is loaded, and the
sizes and class names in :data:`BUNDLED_SETS` are fixed (a test checks them against sklearn),
so listing stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split
from layerlab.datasets.params import NoParams, params_schema, parse_params
from layerlab.datasets.splits import split_counts, split_indices, standardize, to_tensor
from layerlab.settings import Settings

__all__ = ["BUNDLED_SETS", "BundledSet", "bundled_info", "load_bundled"]

VAL_FRACTION = 0.15
TEST_FRACTION = 0.15


@dataclass(frozen=True)
class BundledSet:
    """A data set from ``sklearn.datasets`` (a :class:`DatasetSpec` without params)."""

    name: str
    title: str
    description: str
    kind: Literal["tabular", "image"]
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    samples: int
    params_model: type[NoParams] = NoParams

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The set's info (see :func:`bundled_info`)."""
        return bundled_info(self)

    def parse_params(self, params: Mapping[str, object]) -> BaseModel:
        """No params: any param is ``invalid_dataset_param``."""
        return parse_params(self.name, self.params_model, params)

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """Check that ``ref`` has no params, then load (see :func:`load_bundled`)."""
        self.parse_params(ref.params)
        return load_bundled(self, seed=seed)


BUNDLED_SETS: dict[str, BundledSet] = {
    "digits": BundledSet(
        name="digits",
        title="Digits (8×8)",
        description=(
            "1,797 tiny 8×8 grey images of handwritten digits 0–9 (UCI, via scikit-learn). Small enough to train a "
            "CNN or MLP in seconds on a CPU: MNIST's little sibling."
        ),
        kind="image",
        input_shape=(1, 8, 8),
        class_names=tuple(str(d) for d in range(10)),
        samples=1797,
    ),
    "iris": BundledSet(
        name="iris",
        title="Iris flowers",
        description=(
            "150 iris flowers, 4 measurements each (sepal and petal length and width, in cm) and 3 species. "
            "Features are standardized. A tiny MLP gets it nearly all right."
        ),
        kind="tabular",
        input_shape=(4,),
        class_names=("setosa", "versicolor", "virginica"),
        samples=150,
    ),
    "wine": BundledSet(
        name="wine",
        title="Wine cultivars",
        description=(
            "178 Italian wines, 13 chemical measurements each (alcohol, magnesium, colour intensity …), from 3 "
            "grape cultivars. Features are standardized."
        ),
        kind="tabular",
        input_shape=(13,),
        class_names=("class_0", "class_1", "class_2"),
        samples=178,
    ),
    "breast_cancer": BundledSet(
        name="breast_cancer",
        title="Breast cancer (Wisconsin)",
        description=(
            "569 breast tumour biopsies, 30 features computed from images of cell nuclei; is the tumour malignant "
            "or benign? Features are standardized."
        ),
        kind="tabular",
        input_shape=(30,),
        class_names=("malignant", "benign"),
        samples=569,
    ),
}


def _sizes(samples: int) -> dict[str, int]:
    train, val, test = split_counts(samples, VAL_FRACTION, TEST_FRACTION)
    return {"train": train, "val": val, "test": test}


def bundled_info(spec: BundledSet) -> DatasetInfo:
    """The set's :class:`DatasetInfo` (always available: it ships with scikit-learn)."""
    return DatasetInfo(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        task="classification",
        kind=spec.kind,
        input_shape=list(spec.input_shape),
        num_classes=len(spec.class_names),
        class_names=list(spec.class_names),
        sizes=_sizes(spec.samples),
        params_schema=params_schema(NoParams),
        source="scikit-learn (offline)",
    )


def _load_arrays(name: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    from sklearn import datasets as sk  # imported lazily: it takes about a second

    loaders = {
        "digits": sk.load_digits,
        "iris": sk.load_iris,
        "wine": sk.load_wine,
        "breast_cancer": sk.load_breast_cancer,
    }
    bunch = loaders[name]()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


def load_bundled(spec: BundledSet, *, seed: int) -> DatasetSplits:
    """Load the set with stratified, seeded 70/15/15 splits (inputs float32, targets int64)."""
    x, y = _load_arrays(spec.name)
    assert len(y) == spec.samples
    _, n_val, n_test = split_counts(len(y), VAL_FRACTION, TEST_FRACTION)
    train_idx, val_idx, test_idx = split_indices(len(y), n_val, n_test, seed=seed, labels=y)
    if spec.kind == "image":
        xs = [(x[i] / 16.0).astype(np.float32).reshape(-1, *spec.input_shape) for i in (train_idx, val_idx, test_idx)]
    else:
        xs = standardize(*(x[i].astype(np.float32) for i in (train_idx, val_idx, test_idx)))
    splits = [Split(to_tensor(xi), to_tensor(y[i])) for xi, i in zip(xs, (train_idx, val_idx, test_idx), strict=True)]
    return DatasetSplits(info=bundled_info(spec), train=splits[0], val=splits[1], test=splits[2])
