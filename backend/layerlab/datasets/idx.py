"""Reader of IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw.

Format: two zero bytes, a type code (0x08 = unsigned byte, the only one used by the data
sets), the number of dimensions, then one big-endian uint32 per dimension, then the data
row-major. Every check names the file, so a bad download is easy to find and delete.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from layerlab.errors import DatasetError

__all__ = ["read_bytes", "read_idx"]

_GZIP_MAGIC = b"\x1f\x8b"
_UBYTE = 0x08


def _corrupt(path: Path, problem: str) -> DatasetError:
    return DatasetError(
        f"{path} is not a valid IDX file: {problem}.",
        code="dataset_corrupt",
        hint="Delete the file (it is downloaded again when downloads are on) or replace it with the original.",
    )


def read_bytes(path: Path) -> bytes:
    """The content of ``path``, decompressed when it starts with the gzip magic.

    Raises:
        DatasetError: ``dataset_corrupt`` naming the file when the gzip stream is damaged or truncated.
    """
    with path.open("rb") as f:
        data = f.read()
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(
            f"{path} is not a valid gzip file: {exc}.",
            code="dataset_corrupt",
            hint="Delete the file (it is downloaded again when downloads are on) or replace it with the original.",
        ) from None


def read_idx(path: Path, *, ndim: int, expected_dims: tuple[int | None, ...] | None = None) -> npt.NDArray[np.uint8]:
    """Parse the unsigned-byte IDX file at ``path`` (``.gz`` or raw) into a read-only uint8 array.

    ``ndim`` is the number of dimensions the file must have (3 for images, 1 for labels);
    ``expected_dims`` may fix some of them (``None`` = any), e.g. ``(None, 28, 28)``.

    Raises:
        DatasetError: ``dataset_corrupt`` naming the file for a wrong magic number, type,
            number of dimensions, dimension sizes, or a data length that does not match the header.

    Example::

        images = read_idx(Path("mnist/t10k-images-idx3-ubyte.gz"), ndim=3, expected_dims=(None, 28, 28))
        images.shape  # (10000, 28, 28)
    """
    data = read_bytes(path)
    if len(data) < 4:
        raise _corrupt(path, f"it holds only {len(data)} bytes")
    zero, dtype, file_ndim = struct.unpack(">HBB", data[:4])
    expected_magic = (_UBYTE << 8) | ndim
    if zero != 0 or dtype != _UBYTE or file_ndim != ndim:
        got = int.from_bytes(data[:4], "big")
        raise _corrupt(path, f"expected magic number 0x{expected_magic:08x}, got 0x{got:08x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise _corrupt(path, "the header is truncated")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if expected_dims is not None:
        for axis, (want, got_dim) in enumerate(zip(expected_dims, dims, strict=True)):
            if want is not None and want != got_dim:
                raise _corrupt(path, f"dimension {axis} is {got_dim}, expected {want} (header dims {dims})")
    size = int(np.prod(dims, dtype=np.int64))
    if len(data) - header != size:
        raise _corrupt(path, f"header dims {dims} need {size} data bytes, the file has {len(data) - header}")
    return np.frombuffer(data, dtype=np.uint8, count=size, offset=header).reshape(dims)
