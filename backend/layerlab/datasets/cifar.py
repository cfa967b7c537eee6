"""Reader of the CIFAR-10 binary version (never the pickle version).

Each batch file is a run of 3073-byte records: one label byte (0-9), then 3072 pixel bytes
(1024 red, 1024 green, 1024 blue, each 32×32 row-major). The batches are
``data_batch_1.bin`` … ``data_batch_5.bin`` and ``test_batch.bin`` (10,000 records each),
optionally gzip-compressed (``*.bin.gz``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from layerlab.datasets.idx import read_bytes
from layerlab.errors import DatasetError

__all__ = ["CIFAR10_CLASSES", "RECORD_BYTES", "read_cifar_batch", "read_cifar_batches"]

RECORD_BYTES = 1 + 3 * 32 * 32
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def read_cifar_batch(path: Path) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Parse one batch file into ``(images (N, 3, 32, 32) uint8, labels (N,) uint8)``.

    Raises:
        DatasetError: ``dataset_corrupt`` naming the file when it is empty, its size is not a
            multiple of 3073 bytes, or a label is outside 0-9.
    """
    data = read_bytes(path)
    if len(data) == 0 or len(data) % RECORD_BYTES:
        raise DatasetError(
            f"{path} is not a CIFAR-10 binary batch: {len(data)} bytes is not a positive multiple of {RECORD_BYTES} "
            "(1 label byte + 3072 pixel bytes per image).",
            code="dataset_corrupt",
            hint="Use the binary version (cifar-10-binary.tar.gz), not the Python or MATLAB one; or delete the file.",
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0]
    if labels.size and int(labels.max()) > 9:
        raise DatasetError(
            f"{path} is not a CIFAR-10 binary batch: found label {int(labels.max())}, expected 0-9.",
            code="dataset_corrupt",
            hint="CIFAR-100 and other formats are not supported; delete or replace the file.",
        )
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def read_cifar_batches(paths: list[Path]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Parse and concatenate several batch files, in the given order."""
    parts = [read_cifar_batch(p) for p in paths]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
