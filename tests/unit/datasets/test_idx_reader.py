"""The IDX reader on generated files, gzip and raw, and its corruption checks."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from dataset_files import idx_bytes, write_idx

from layerlab.datasets.idx import read_idx
from layerlab.errors import DatasetError


@pytest.mark.parametrize("compress", [True, False])
def test_reads_images_and_labels(tmp_path: Path, compress: bool) -> None:
    images = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28).astype(np.uint8)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    img_path = write_idx(tmp_path / "imgs", images, compress=compress)
    lbl_path = write_idx(tmp_path / "lbls", labels, compress=compress)
    assert np.array_equal(read_idx(img_path, ndim=3, expected_dims=(None, 28, 28)), images)
    assert np.array_equal(read_idx(lbl_path, ndim=1), labels)


def _assert_corrupt(path: Path, **kwargs: object) -> DatasetError:
    with pytest.raises(DatasetError) as err:
        read_idx(path, **kwargs)  # type: ignore[arg-type]
    assert err.value.code == "dataset_corrupt"
    assert str(path) in err.value.message
    return err.value


def test_bad_magic_is_corrupt_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x00\x00\x08\x01" + b"\x00\x00\x00\x02" + b"\x01\x02")
    error = _assert_corrupt(path, ndim=3)
    assert "0x00000803" in error.message and "0x00000801" in error.message


def test_wrong_type_code_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "floats"
    path.write_bytes(b"\x00\x00\x0d\x01" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x00")
    _assert_corrupt(path, ndim=1)


def test_truncated_data_is_corrupt(tmp_path: Path) -> None:
    data = idx_bytes(np.zeros((4, 28, 28), dtype=np.uint8))
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(data[:-10]))
    error = _assert_corrupt(path, ndim=3)
    assert "3136" in error.message


def test_wrong_image_size_is_corrupt(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "small", np.zeros((2, 8, 8), dtype=np.uint8), compress=False)
    _assert_corrupt(path, ndim=3, expected_dims=(None, 28, 28))


def test_damaged_gzip_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(b"x" * 1000)[:20])
    _assert_corrupt(path, ndim=1)


def test_tiny_file_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "tiny"
    path.write_bytes(b"\x00")
    _assert_corrupt(path, ndim=1)
