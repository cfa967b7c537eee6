"""Helpers of the data-set tests: tiny IDX and CIFAR files written on the fly."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def idx_bytes(array: npt.NDArray[np.uint8]) -> bytes:
    """An unsigned-byte IDX file holding ``array``."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(path: Path, array: npt.NDArray[np.uint8], *, compress: bool) -> Path:
    """Write ``array`` as IDX to ``path`` (+ ``.gz`` when ``compress``); returns the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = idx_bytes(array)
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return path


def fake_mnist_arrays(n_train: int = 200, n_test: int = 50, seed: int = 0) -> dict[str, npt.NDArray[np.uint8]]:
    """Random 28×28 images with balanced labels 0-9, keyed by IDX file name."""
    rng = np.random.default_rng(seed)
    return {
        IDX_NAMES[0]: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        IDX_NAMES[1]: (np.arange(n_train) % 10).astype(np.uint8),
        IDX_NAMES[2]: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        IDX_NAMES[3]: (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_fake_mnist(folder: Path, *, compress: bool = True, n_train: int = 200, n_test: int = 50) -> dict[str, Path]:
    """A complete small MNIST-layout folder; returns file name → path."""
    return {
        name: write_idx(folder / name, array, compress=compress)
        for name, array in fake_mnist_arrays(n_train, n_test).items()
    }


def cifar_bytes(labels: npt.NDArray[np.uint8], seed: int = 0) -> bytes:
    """CIFAR-10 binary records: one label byte + 3072 random pixel bytes each."""
    rng = np.random.default_rng(seed)
    records = np.empty((len(labels), 3073), dtype=np.uint8)
    records[:, 0] = labels
    records[:, 1:] = rng.integers(0, 256, (len(labels), 3072), dtype=np.uint8)
    return records.tobytes()


def write_cifar(folder: Path, batches: list[str], *, per_batch: int = 20, compress: bool = False) -> list[Path]:
    """Write the named batches (``data_batch_1`` …, ``test_batch``) with ``per_batch`` records each."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, name in enumerate(batches):
        data = cifar_bytes((np.arange(per_batch) % 10).astype(np.uint8), seed=i)
        path = folder / (name + (".bin.gz" if compress else ".bin"))
        path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
        out.append(path)
    return out
