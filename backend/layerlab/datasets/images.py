"""The downloaded image sets: mnist, fashion_mnist and cifar10.

Where the files come from, in order:

1. ``settings.data_dir`` (``LAYERLAB_DATA_DIR``), laid out as ``mnist/*.gz``,
   ``fashion-mnist/*.gz``, ``cifar-10/*.bin`` or ``*.bin.gz`` (``cifar-10/cifar-10-batches-bin/``
   and ``cifar-10-batches-bin/`` work too). IDX files may be gzip-compressed or raw.
2. the cache, ``settings.datasets_cache_dir`` (same layout), filled by
3. a download on first use, only when ``settings.allow_download`` and no ``data_dir`` is set.

Decoded uint8 arrays are kept in-process (keyed on the files' paths, sizes and mtimes) and
on disk as ``.npy`` under ``<cache>/parsed/`` so a new process skips the gzip decode. Every
load returns fresh float32 tensors in [0, 1]; callers may modify them.
Validation split: 10 % of the training images, stratified and seeded.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split
from layerlab.datasets.cifar import CIFAR10_CLASSES, RECORD_BYTES, read_cifar_batches
from layerlab.datasets.download import RemoteFile, RemoteSource, fetch
from layerlab.datasets.idx import read_idx
from layerlab.datasets.params import NoParams, params_schema, parse_params
from layerlab.datasets.splits import split_indices, to_tensor
from layerlab.errors import DatasetError
from layerlab.settings import Settings

__all__ = ["IMAGE_SETS", "ImageSet", "clear_image_cache", "image_set_info", "load_image_set"]

logger = logging.getLogger(__name__)

VAL_FRACTION = 0.1
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = "test_batch"
CIFAR_FOLDERS = ("cifar-10", "cifar-10/cifar-10-batches-bin", "cifar-10-batches-bin")

U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class ImageSet:
    """A downloadable image data set and its on-disk layout."""

    name: str
    title: str
    description: str
    folder: str
    format: Literal["idx", "cifar"]
    input_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    remote: RemoteSource
    nominal_train: int
    nominal_test: int = 10_000
    params_model: type[NoParams] = NoParams

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The set's info, with its availability (see :func:`image_set_info`)."""
        return image_set_info(self, settings)

    def parse_params(self, params: Mapping[str, object]) -> BaseModel:
        """No params: any param is ``invalid_dataset_param``."""
        return parse_params(self.name, self.params_model, params)

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """Check that ``ref`` has no params, then load (see :func:`load_image_set`)."""
        self.parse_params(ref.params)
        return load_image_set(self, settings, seed=seed)

    def expected_files(self) -> list[str]:
        """The files a folder must hold, as shown in messages (``mnist/train-images-idx3-ubyte.gz`` …)."""
        if self.format == "idx":
            return [f"{self.folder}/{n}.gz" for n in IDX_NAMES]
        return [f"{self.folder}/{CIFAR_TEST}.bin", f"{self.folder}/data_batch_1.bin … data_batch_5.bin (at least one)"]


_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

IMAGE_SETS: dict[str, ImageSet] = {
    "mnist": ImageSet(
        name="mnist",
        title="MNIST handwritten digits",
        description=(
            "70,000 grey 28×28 images of handwritten digits 0–9 (LeCun, Cortes and Burges). The classic first "
            "image set: an MLP reaches about 98 % accuracy, a small CNN about 99 %."
        ),
        folder="mnist",
        format="idx",
        input_shape=(1, 28, 28),
        class_names=tuple(str(d) for d in range(10)),
        remote=RemoteSource(
            mirrors=_MNIST_MIRRORS,
            files=(
                RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
                RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28_881),
                RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1_648_877),
                RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4_542),
            ),
        ),
        nominal_train=60_000,
    ),
    "fashion_mnist": ImageSet(
        name="fashion_mnist",
        title="Fashion-MNIST clothing",
        description=(
            "70,000 grey 28×28 images of 10 kinds of clothing and shoes (Zalando Research), a drop-in but harder "
            "replacement for MNIST: shirts, T-shirts, pullovers and coats are easy to confuse."
        ),
        folder="fashion-mnist",
        format="idx",
        input_shape=(1, 28, 28),
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        remote=RemoteSource(
            mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
            files=(
                RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26_421_880),
                RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29_515),
                RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4_422_102),
                RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5_148),
            ),
        ),
        nominal_train=60_000,
    ),
    "cifar10": ImageSet(
        name="cifar10",
        title="CIFAR-10 colour photos",
        description=(
            "60,000 colour 32×32 photos in 10 classes: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, "
            "truck (Krizhevsky, Nair and Hinton). Much harder than MNIST: a small CNN reaches 70–80 %."
        ),
        folder="cifar-10",
        format="cifar",
        input_shape=(3, 32, 32),
        class_names=tuple(CIFAR10_CLASSES),
        remote=RemoteSource(
            mirrors=("https://www.cs.toronto.edu/~kriz/",),
            files=(RemoteFile("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", None),),
            extract=tuple(f"cifar-10-batches-bin/{n}.bin" for n in (*CIFAR_TRAIN, CIFAR_TEST)),
        ),
        nominal_train=50_000,
    ),
}


@dataclass(frozen=True)
class Located:
    """The files of an image set found in one folder."""

    folder: Path
    train: tuple[Path, ...]  # idx: (images, labels); cifar: the training batches present
    test: tuple[Path, ...]  # idx: (images, labels); cifar: (test_batch,)
    origin: Literal["folder", "cache"]


def _first_existing(folder: Path, stem: str, suffixes: tuple[str, ...]) -> Path | None:
    for suffix in suffixes:
        path = folder / (stem + suffix)
        if path.is_file():
            return path
    return None


def _locate_in(spec: ImageSet, root: Path, origin: Literal["folder", "cache"]) -> Located | None:
    """The set's files under ``root``, or None when any required file is missing."""
    if spec.format == "idx":
        folder = root / spec.folder
        paths = [_first_existing(folder, n, (".gz", "")) for n in IDX_NAMES]
        if any(p is None for p in paths):
            return None
        found = [p for p in paths if p is not None]
        return Located(folder, (found[0], found[1]), (found[2], found[3]), origin)
    for sub in CIFAR_FOLDERS:
        folder = root / sub
        test = _first_existing(folder, CIFAR_TEST, (".bin", ".bin.gz"))
        train = [p for p in (_first_existing(folder, n, (".bin", ".bin.gz")) for n in CIFAR_TRAIN) if p is not None]
        if test is not None and train:
            return Located(folder, tuple(train), (test,), origin)
    return None


@dataclass(frozen=True)
class Resolution:
    """Where an image set would be read from: found files, a download, or the reason it can't be had."""

    located: Located | None
    downloadable: bool
    reason: str | None
    hint: str | None


def _resolve(spec: ImageSet, settings: Settings) -> Resolution:
    """Find the set without reading any file content (cheap: a few ``stat`` calls)."""
    if settings.data_dir is not None:
        located = _locate_in(spec, settings.data_dir, "folder")
        if located is not None:
            return Resolution(located, False, None, None)
    cache = settings.datasets_cache_dir
    located = _locate_in(spec, cache, "cache")
    if located is not None:
        return Resolution(located, False, None, None)
    expected = ", ".join(spec.expected_files())
    if settings.data_dir is not None:
        reason = (
            f"{spec.name} is not in LAYERLAB_DATA_DIR={settings.data_dir} (expected {expected}) and downloads are off "
            "while LAYERLAB_DATA_DIR is set."
        )
        hint = f"Put the files in {settings.data_dir / spec.folder}, or unset LAYERLAB_DATA_DIR to download them on first use."
        return Resolution(None, False, reason, hint)
    if not settings.allow_download:
        reason = f"{spec.name} is not in the cache {cache} (expected {expected}) and downloads are off (LAYERLAB_ALLOW_DOWNLOAD=false)."
        hint = f"Set LAYERLAB_DATA_DIR to a folder holding {spec.folder}/, or set LAYERLAB_ALLOW_DOWNLOAD=true."
        return Resolution(None, False, reason, hint)
    return Resolution(None, True, None, None)


def _gz_size(path: Path) -> int:
    """Uncompressed size of a single-member gzip file (its ISIZE trailer; exact below 4 GiB)."""
    with path.open("rb") as f:
        f.seek(-4, os.SEEK_END)
        return int(struct.unpack("<I", f.read(4))[0])


def _count_samples(spec: ImageSet, located: Located) -> tuple[int, int]:
    """(train, test) sample counts from headers/file sizes, without decoding images."""
    if spec.format == "idx":
        counts = []
        for path in (located.train[1], located.test[1]):
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rb") as f:
                header = f.read(8)
            counts.append(int(struct.unpack(">I", header[4:8])[0]))
        return counts[0], counts[1]

    def records(path: Path) -> int:
        size = _gz_size(path) if path.suffix == ".gz" else path.stat().st_size
        return size // RECORD_BYTES

    return sum(records(p) for p in located.train), records(located.test[0])


def _sizes(n_train_file: int, n_test: int) -> dict[str, int]:
    n_val = round(n_train_file * VAL_FRACTION)
    return {"train": n_train_file - n_val, "val": n_val, "test": n_test}


def image_set_info(spec: ImageSet, settings: Settings) -> DatasetInfo:
    """The set's :class:`DatasetInfo`; ``available`` says whether it can be loaded now (no decoding)."""
    res = _resolve(spec, settings)
    n_train, n_test = spec.nominal_train, spec.nominal_test
    if res.located is not None:
        source = f"{'folder' if res.located.origin == 'folder' else 'cache'}: {res.located.folder}"
        try:
            n_train, n_test = _count_samples(spec, res.located)
        except (OSError, EOFError, struct.error):
            logger.warning("could not read the sample counts of %s in %s", spec.name, res.located.folder)
    elif res.downloadable:
        total = spec.remote.total_bytes()
        size = f" ({total / 1e6:.0f} MB)" if total else ""
        source = (
            f"download on first use{size} from {spec.remote.mirrors[0]}, then cached in {settings.datasets_cache_dir}"
        )
    else:
        source = "download (off)"
    return DatasetInfo(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        task="classification",
        kind="image",
        input_shape=list(spec.input_shape),
        num_classes=len(spec.class_names),
        class_names=list(spec.class_names),
        sizes=_sizes(n_train, n_test),
        available=res.located is not None or res.downloadable,
        reason=None if res.reason is None else f"{res.reason} {res.hint}",
        params_schema=params_schema(NoParams),
        source=source,
    )


def _ensure_files(spec: ImageSet, settings: Settings) -> Located:
    res = _resolve(spec, settings)
    if res.located is not None:
        return res.located
    if not res.downloadable:
        raise DatasetError(res.reason or f"{spec.name} is unavailable.", code="dataset_unavailable", hint=res.hint)
    folder = settings.datasets_cache_dir / spec.folder
    fetch(spec.remote, folder, label=spec.name)
    located = _locate_in(spec, settings.datasets_cache_dir, "cache")
    assert located is not None, "fetch() promised every file"
    return located


Arrays = tuple[U8, U8, U8, U8]
Signature = tuple[tuple[str, int, int], ...]


def _signature(paths: tuple[Path, ...]) -> Signature:
    out = []
    for p in paths:
        st = p.stat()
        out.append((str(p.resolve()), st.st_size, st.st_mtime_ns))
    return tuple(out)


def _decode(spec: ImageSet, located: Located) -> Arrays:
    """Parse the files into (train_x, train_y, test_x, test_y) uint8 arrays, checking they agree."""
    if spec.format == "idx":
        h, w = spec.input_shape[1:]
        parts: list[U8] = []
        for images_path, labels_path in (located.train, located.test):
            images = read_idx(images_path, ndim=3, expected_dims=(None, h, w))
            labels = read_idx(labels_path, ndim=1)
            if images.shape[0] != labels.shape[0]:
                raise DatasetError(
                    f"{images_path} holds {images.shape[0]} images but {labels_path} holds {labels.shape[0]} labels.",
                    code="dataset_corrupt",
                    hint="The two files come from different downloads; replace both with the originals.",
                )
            if labels.size and int(labels.max()) >= len(spec.class_names):
                raise DatasetError(
                    f"{labels_path} holds label {int(labels.max())}, expected 0-{len(spec.class_names) - 1}.",
                    code="dataset_corrupt",
                )
            parts += [images.reshape(-1, 1, h, w), labels]
        return parts[0], parts[1], parts[2], parts[3]
    train_x, train_y = read_cifar_batches(list(located.train))
    test_x, test_y = read_cifar_batches(list(located.test))
    return train_x, train_y, test_x, test_y


_NPY_NAMES = ("train_x", "train_y", "test_x", "test_y")


def _read_npy_cache(folder: Path) -> Arrays | None:
    try:
        arrays = [np.load(folder / f"{n}.npy", allow_pickle=False) for n in _NPY_NAMES]
    except (OSError, ValueError):
        return None
    if any(a.dtype != np.uint8 for a in arrays):
        return None
    return arrays[0], arrays[1], arrays[2], arrays[3]


def _write_npy_cache(folder: Path, arrays: Arrays) -> None:
    """Write the decoded arrays atomically (tmp folder + rename); drop older versions of the set."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        for name, array in zip(_NPY_NAMES, arrays, strict=True):
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process wrote it first
            shutil.rmtree(tmp, ignore_errors=True)
        prefix = folder.name.rsplit("-", 1)[0] + "-"
        for old in folder.parent.iterdir():
            if old.name.startswith(prefix) and old != folder:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        logger.warning("could not write the decoded-array cache %s: %s", folder, exc)


@functools.lru_cache(maxsize=3)
def _decoded(spec_name: str, located: Located, signature: Signature, parsed_root: Path) -> Arrays:
    """Decoded arrays of a located set; cached in-process on (set, files and their stat), and on disk."""
    spec = IMAGE_SETS[spec_name]
    digest = hashlib.sha256(repr(signature).encode()).hexdigest()[:16]
    npy_folder = parsed_root / f"{spec_name}-{digest}"
    cached = _read_npy_cache(npy_folder)
    if cached is not None:
        logger.info("read decoded %s from %s", spec_name, npy_folder)
        return cached
    arrays = _decode(spec, located)
    _write_npy_cache(npy_folder, arrays)
    return arrays


def clear_image_cache() -> None:
    """Forget the in-process decoded arrays (the on-disk ``.npy`` cache stays)."""
    _decoded.cache_clear()


def _to_unit_float(images: U8) -> npt.NDArray[np.float32]:
    out = images.astype(np.float32)
    out *= np.float32(1.0 / 255.0)
    return out


def load_image_set(spec: ImageSet, settings: Settings, *, seed: int) -> DatasetSplits:
    """Load the set: train/val (10 % of train, stratified, seeded) and the published test split.

    Inputs float32 ``(N, C, H, W)`` in [0, 1]; targets int64. Downloads first when needed.

    Raises:
        DatasetError: ``dataset_unavailable`` (with the reason), ``dataset_corrupt`` (naming the file).
    """
    located = _ensure_files(spec, settings)
    paths = located.train + located.test
    train_x, train_y, test_x, test_y = _decoded(
        spec.name, located, _signature(paths), settings.datasets_cache_dir / "parsed"
    )
    n_val = round(len(train_y) * VAL_FRACTION)
    train_idx, val_idx, _ = split_indices(len(train_y), n_val, 0, seed=seed, labels=train_y)
    splits = {
        "train": Split(to_tensor(_to_unit_float(train_x[train_idx])), to_tensor(train_y[train_idx].astype(np.int64))),
        "val": Split(to_tensor(_to_unit_float(train_x[val_idx])), to_tensor(train_y[val_idx].astype(np.int64))),
        "test": Split(to_tensor(_to_unit_float(test_x)), to_tensor(test_y.astype(np.int64))),
    }
    info = image_set_info(spec, settings).model_copy(update={"sizes": {k: len(v) for k, v in splits.items()}})
    return DatasetSplits(info=info, train=splits["train"], val=splits["val"], test=splits["test"])
