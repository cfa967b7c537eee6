"""The registry: listing, info, unknown names, the exported API, and the sklearn sets."""

from __future__ import annotations

import pytest
import torch

import layerlab.datasets as datasets_pkg
from layerlab.datasets import DatasetRef, dataset_names, get_dataset_info, list_datasets, load_dataset
from layerlab.datasets.registry import get_spec
from layerlab.errors import DatasetError
from layerlab.settings import Settings

EXPECTED = [
    "circle",
    "xor",
    "gaussian",
    "spiral",
    "moons",
    "ring",
    "grid",
    "plane",
    "multi_gaussian",
    "digits",
    "iris",
    "wine",
    "breast_cancer",
    "sine",
    "sunspots",
    "names",
    "shakespeare",
    "mnist",
    "fashion_mnist",
    "cifar10",
]


def test_all_is_sorted_and_exported() -> None:
    assert datasets_pkg.__all__ == sorted(datasets_pkg.__all__)
    for name in datasets_pkg.__all__:
        assert hasattr(datasets_pkg, name)


def test_list_datasets_names_every_set_cheaply(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("listing the data sets loaded one")

    for name in dataset_names():  # listing reads no data set: it names them from what is known already
        monkeypatch.setattr(type(get_spec(name)), "load", no_loading)
    infos = list_datasets(settings)
    assert [i.name for i in infos] == EXPECTED == dataset_names()
    for info in infos:
        assert info.title and info.description and info.source
        assert info.params_schema.get("type") == "object"
        assert set(info.sizes) == {"train", "val", "test"}
        if info.task == "classification":
            assert info.num_classes is not None and info.class_names is not None
            assert len(info.class_names) == info.num_classes


def test_info_shapes_follow_the_contract(settings: Settings) -> None:
    shapes = {i.name: i.input_shape for i in list_datasets(settings)}
    assert shapes["spiral"] == [2] and shapes["iris"] == [4] and shapes["breast_cancer"] == [30]
    assert shapes["digits"] == [1, 8, 8] and shapes["mnist"] == [1, 28, 28] and shapes["cifar10"] == [3, 32, 32]


def test_generated_info_publishes_the_params_schema(settings: Settings) -> None:
    schema = get_dataset_info("spiral", settings).params_schema
    props = schema["properties"]
    assert isinstance(props, dict)
    assert props["noise"]["minimum"] == 0 and props["noise"]["maximum"] == 1
    assert props["n"]["default"] == 500 and schema["additionalProperties"] is False


def test_unknown_name_raises_unknown_dataset_listing_the_names(settings: Settings) -> None:
    for call in (lambda: get_dataset_info("mnits", settings), lambda: load_dataset(DatasetRef(name="mnits"), settings)):
        with pytest.raises(DatasetError) as err:
            call()
        assert err.value.code == "unknown_dataset"
        assert "mnits" in err.value.message
        for name in EXPECTED:
            assert name in err.value.message


def test_sets_without_params_reject_any_param(settings: Settings) -> None:
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="iris", params={"n": 10}), settings)
    assert err.value.code == "invalid_dataset_param" and err.value.field == "n"


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits"])
def test_sklearn_info_matches_sklearn(name: str, settings: Settings) -> None:
    from sklearn import datasets as sk

    bunch = getattr(sk, f"load_{name}")()
    info = get_dataset_info(name, settings)
    assert sum(info.sizes.values()) == len(bunch.target)
    assert info.class_names == [str(c) for c in bunch.target_names]
    splits = load_dataset(DatasetRef(name=name), settings)
    assert splits.info.sizes == {"train": len(splits.train), "val": len(splits.val), "test": len(splits.test)}
    assert splits.info.sizes == info.sizes


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer"])
def test_tabular_sets_are_stratified_and_standardized_on_train_only(name: str, settings: Settings) -> None:
    splits = load_dataset(DatasetRef(name=name), settings, seed=4)
    x = splits.train.x
    assert x.dtype == torch.float32 and splits.train.y.dtype == torch.int64
    assert torch.allclose(x.mean(0), torch.zeros(x.shape[1]), atol=1e-4)
    assert torch.allclose(x.std(0, unbiased=False), torch.ones(x.shape[1]), atol=1e-3)
    assert not torch.allclose(splits.test.x.mean(0), torch.zeros(x.shape[1]), atol=1e-4)  # test stats not used
    n_classes = int(splits.train.y.max()) + 1
    for split in (splits.val, splits.test):
        share = torch.bincount(split.y, minlength=n_classes).float() / len(split)
        train_share = torch.bincount(splits.train.y, minlength=n_classes).float() / len(splits.train)
        assert (share - train_share).abs().max() < 0.06


def test_splits_are_disjoint_and_seeded(settings: Settings) -> None:
    a = load_dataset(DatasetRef(name="wine"), settings, seed=1)
    b = load_dataset(DatasetRef(name="wine"), settings, seed=1)
    c = load_dataset(DatasetRef(name="wine"), settings, seed=2)
    assert torch.equal(a.val.x, b.val.x) and not torch.equal(a.val.y, c.val.y) or not torch.equal(a.val.x, c.val.x)
    rows = {tuple(r.tolist()) for s in (a.train, a.val, a.test) for r in s.x}
    assert len(rows) == 178


def test_digits_are_images_in_unit_range(settings: Settings) -> None:
    splits = load_dataset(DatasetRef(name="digits"), settings)
    assert splits.train.x.shape[1:] == (1, 8, 8)
    assert float(splits.train.x.min()) == 0.0 and float(splits.train.x.max()) == 1.0
    assert splits.info.class_names == [str(d) for d in range(10)]
    assert torch.bincount(splits.test.y, minlength=10).min() >= 25
