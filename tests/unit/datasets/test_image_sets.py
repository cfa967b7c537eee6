"""mnist / fashion_mnist / cifar10 from a data folder or the cache: availability, loading, caching."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import torch
from dataset_files import IDX_NAMES, write_cifar, write_fake_mnist

from layerlab.datasets import DatasetRef, clear_image_cache, get_dataset_info, load_dataset
from layerlab.datasets import images as images_module
from layerlab.errors import DatasetError
from layerlab.settings import Settings

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_without_data_dir_and_downloads_off_is_unavailable_with_a_reason(settings: Settings) -> None:
    info = get_dataset_info("mnist", settings)
    assert info.available is False
    assert info.reason is not None and "downloads are off" in info.reason
    assert "mnist/train-images-idx3-ubyte.gz" in info.reason
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="mnist"), settings)
    assert err.value.code == "dataset_unavailable" and err.value.hint


def test_data_dir_without_the_set_names_the_folder(tmp_path: Path, settings: Settings) -> None:
    cfg = settings.model_copy(update={"data_dir": tmp_path / "data", "allow_download": True})
    info = get_dataset_info("fashion_mnist", cfg)
    assert info.available is False and info.reason is not None
    assert f"LAYERLAB_DATA_DIR={tmp_path / 'data'}" in info.reason and "fashion-mnist/" in info.reason


def test_downloadable_set_is_available_before_download(settings: Settings) -> None:
    info = get_dataset_info("cifar10", settings.model_copy(update={"allow_download": True}))
    assert info.available is True and info.reason is None
    assert info.source is not None and "download" in info.source
    assert info.sizes == {"train": 45000, "val": 5000, "test": 10000}


@pytest.mark.parametrize("compress", [True, False])
def test_generated_data_dir_makes_mnist_available_and_loadable(
    tmp_path: Path, settings: Settings, compress: bool
) -> None:
    write_fake_mnist(tmp_path / "data" / "mnist", compress=compress, n_train=200, n_test=50)
    cfg = settings.model_copy(update={"data_dir": tmp_path / "data"})
    info = get_dataset_info("mnist", cfg)
    assert info.available is True and info.reason is None
    assert info.sizes == {"train": 180, "val": 20, "test": 50}
    splits = load_dataset(DatasetRef(name="mnist"), cfg, seed=0)
    assert splits.train.x.shape == (180, 1, 28, 28) and splits.train.x.dtype == torch.float32
    assert splits.val.x.shape == (20, 1, 28, 28) and splits.test.y.dtype == torch.int64
    assert 0.0 <= float(splits.train.x.min()) and float(splits.train.x.max()) <= 1.0
    assert torch.bincount(splits.val.y, minlength=10).tolist() == [2] * 10  # stratified 10 %
    assert splits.info.sizes == info.sizes


def test_val_split_follows_the_seed(tmp_path: Path, settings: Settings) -> None:
    write_fake_mnist(tmp_path / "data" / "mnist")
    cfg = settings.model_copy(update={"data_dir": tmp_path / "data"})
    a, b = load_dataset(DatasetRef(name="mnist"), cfg, seed=1), load_dataset(DatasetRef(name="mnist"), cfg, seed=1)
    c = load_dataset(DatasetRef(name="mnist"), cfg, seed=2)
    assert torch.equal(a.val.x, b.val.x) and not torch.equal(a.val.x, c.val.x)
    assert torch.equal(a.test.x, c.test.x)


def test_second_load_reuses_decoded_arrays(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    write_fake_mnist(tmp_path / "data" / "mnist")
    cfg = settings.model_copy(update={"data_dir": tmp_path / "data"})
    calls: list[str] = []
    real_decode = images_module._decode

    def counting_decode(spec: images_module.ImageSet, located: images_module.Located) -> images_module.Arrays:
        calls.append(spec.name)
        return real_decode(spec, located)

    monkeypatch.setattr(images_module, "_decode", counting_decode)
    first = load_dataset(DatasetRef(name="mnist"), cfg)
    load_dataset(DatasetRef(name="mnist"), cfg, seed=3)
    assert calls == ["mnist"]  # in-process cache
    clear_image_cache()
    again = load_dataset(DatasetRef(name="mnist"), cfg)
    assert calls == ["mnist"]  # the .npy cache on disk
    assert torch.equal(first.train.x, again.train.x)
    first.train.x.zero_()  # callers own their tensors
    assert float(load_dataset(DatasetRef(name="mnist"), cfg).train.x.sum()) > 0


def test_mismatched_image_and_label_counts_are_corrupt(tmp_path: Path, settings: Settings) -> None:
    paths = write_fake_mnist(tmp_path / "data" / "mnist", n_train=30)
    other = write_fake_mnist(tmp_path / "other", n_train=20)
    paths[IDX_NAMES[1]].write_bytes(other[IDX_NAMES[1]].read_bytes())
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="mnist"), settings.model_copy(update={"data_dir": tmp_path / "data"}))
    assert err.value.code == "dataset_corrupt" and "train-labels-idx1-ubyte.gz" in err.value.message


def test_bad_magic_in_data_dir_is_corrupt_naming_the_file(tmp_path: Path, settings: Settings) -> None:
    paths = write_fake_mnist(tmp_path / "data" / "mnist")
    bad = paths[IDX_NAMES[2]]
    bad.write_bytes(gzip.compress(b"\x00\x00\x08\x02" + b"\x00" * 100))
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="mnist"), settings.model_copy(update={"data_dir": tmp_path / "data"}))
    assert err.value.code == "dataset_corrupt" and str(bad) in err.value.message


@pytest.mark.parametrize("layout", ["cifar-10", "cifar-10/cifar-10-batches-bin", "cifar-10-batches-bin"])
def test_cifar_with_only_some_training_batches_loads(tmp_path: Path, settings: Settings, layout: str) -> None:
    write_cifar(tmp_path / "data" / layout, ["data_batch_1", "data_batch_3", "test_batch"], per_batch=20)
    cfg = settings.model_copy(update={"data_dir": tmp_path / "data"})
    info = get_dataset_info("cifar10", cfg)
    assert info.available and info.sizes == {"train": 36, "val": 4, "test": 20}
    assert info.class_names is not None and info.class_names[0] == "airplane" and info.class_names[-1] == "truck"
    splits = load_dataset(DatasetRef(name="cifar10"), cfg)
    assert splits.train.x.shape == (36, 3, 32, 32) and splits.test.x.shape == (20, 3, 32, 32)
    assert float(splits.train.x.max()) <= 1.0


def test_cifar_gz_batches_load(tmp_path: Path, settings: Settings) -> None:
    write_cifar(tmp_path / "data" / "cifar-10", ["data_batch_2", "test_batch"], per_batch=10, compress=True)
    cfg = settings.model_copy(update={"data_dir": tmp_path / "data"})
    assert get_dataset_info("cifar10", cfg).sizes == {"train": 9, "val": 1, "test": 10}
    assert len(load_dataset(DatasetRef(name="cifar10"), cfg).train) == 9


def test_cifar_without_test_batch_is_unavailable(tmp_path: Path, settings: Settings) -> None:
    write_cifar(tmp_path / "data" / "cifar-10", ["data_batch_1"])
    info = get_dataset_info("cifar10", settings.model_copy(update={"data_dir": tmp_path / "data"}))
    assert info.available is False and info.reason is not None and "test_batch.bin" in info.reason


def test_cache_folder_is_used_when_data_dir_is_unset(settings: Settings) -> None:
    write_fake_mnist(settings.datasets_cache_dir / "fashion-mnist")
    info = get_dataset_info("fashion_mnist", settings)
    assert info.available and info.class_names is not None and info.class_names[0] == "T-shirt/top"
    assert len(load_dataset(DatasetRef(name="fashion_mnist"), settings).test) == 50


@pytest.mark.slow
def test_real_mnist_test_split_matches_the_readme(shared_datasets: Path, settings: Settings) -> None:
    cfg = settings.model_copy(update={"data_dir": shared_datasets})
    info = get_dataset_info("mnist", cfg)
    assert info.available and info.sizes == {"train": 54000, "val": 6000, "test": 10000}
    splits = load_dataset(DatasetRef(name="mnist"), cfg)
    assert splits.test.x.shape == (10000, 1, 28, 28)
    assert torch.bincount(splits.test.y, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert len(splits.train) == 54000 and len(splits.val) == 6000
