"""The CIFAR-10 binary reader on generated batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dataset_files import cifar_bytes, write_cifar

from layerlab.datasets.cifar import read_cifar_batch, read_cifar_batches
from layerlab.errors import DatasetError


@pytest.mark.parametrize("compress", [False, True])
def test_reads_labels_and_channel_planes(tmp_path: Path, compress: bool) -> None:
    (path,) = write_cifar(tmp_path, ["data_batch_1"], per_batch=12, compress=compress)
    images, labels = read_cifar_batch(path)
    assert images.shape == (12, 3, 32, 32) and images.dtype == np.uint8
    assert labels.tolist() == [i % 10 for i in range(12)]
    raw = np.frombuffer(cifar_bytes((np.arange(12) % 10).astype(np.uint8), seed=0), dtype=np.uint8).reshape(12, 3073)
    assert np.array_equal(images[3, 0].ravel(), raw[3, 1:1025])  # red plane first
    assert np.array_equal(images[3, 2].ravel(), raw[3, 2049:])  # blue plane last


def test_concatenates_batches_in_order(tmp_path: Path) -> None:
    paths = write_cifar(tmp_path, ["data_batch_1", "data_batch_2"], per_batch=5)
    images, labels = read_cifar_batches(paths)
    assert images.shape[0] == 10 and labels.shape == (10,)


def test_wrong_size_is_corrupt_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(cifar_bytes(np.zeros(2, dtype=np.uint8)) + b"\x00")
    with pytest.raises(DatasetError) as err:
        read_cifar_batch(path)
    assert err.value.code == "dataset_corrupt" and str(path) in err.value.message


def test_label_out_of_range_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "test_batch.bin"
    path.write_bytes(cifar_bytes(np.array([3, 42], dtype=np.uint8)))
    with pytest.raises(DatasetError) as err:
        read_cifar_batch(path)
    assert err.value.code == "dataset_corrupt" and "42" in err.value.message
