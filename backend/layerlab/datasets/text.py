"""The text sets for character-level language models: Tiny Shakespeare and first names.

A text set is one token stream per split: ``x`` = ``y`` = the same int64 ``(L,)`` tensor of
ids into :attr:`DatasetInfo.vocabulary` (its characters, sorted by code point; a character's
id is its index). The language-model recipe cuts the streams into windows of
``training.sequence_length`` characters (see ``docs/recipes.md``).

- ``shakespeare``: Tiny Shakespeare (1,115,394 characters, 65 distinct). Read from
  ``LAYERLAB_DATA_DIR/tinyshakespeare/input.txt`` when that folder is set (read as it is),
  else from the cache, else downloaded on first use (with a progress bar), SHA-256-verified
  and cached. Train = the first 90 % of the characters, validation = the last 10 %; the test
  split is the validation stream (a text set has no third part of its own).
- ``names``: the 8,634 distinct ASCII first names of Faker's English locales (an installed
  package: nothing is downloaded), one name per line — the newline ends a name and is a token.
  The names are shuffled with a fixed seed and split 90/5/5 %.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import pkgutil
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split
from layerlab.datasets.download import RemoteFile, RemoteSource, fetch
from layerlab.datasets.params import NoParams, params_schema, parse_params
from layerlab.errors import DatasetError
from layerlab.settings import Settings

__all__ = [
    "DEFAULT_SEQUENCE_LENGTH",
    "NamesSet",
    "ShakespeareSet",
    "TEXT_SETS",
    "decode",
    "encode",
    "first_names",
    "unknown_characters",
    "vocabulary_of",
]

logger = logging.getLogger(__name__)

#: The per-sample shape a text set advertises (``[64]``) until a run sets ``training.sequence_length``.
DEFAULT_SEQUENCE_LENGTH = 64

_SHAKESPEARE_FILE = "input.txt"
_SHAKESPEARE_FOLDER = "tinyshakespeare"
_SHAKESPEARE_LENGTH = 1_115_394
#: Tiny Shakespeare's 65 characters (so the picker can show the vocabulary before the download).
_SHAKESPEARE_VOCABULARY = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHAKESPEARE_SOURCE = RemoteSource(
    mirrors=("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",),
    files=(
        RemoteFile(
            _SHAKESPEARE_FILE,
            md5=None,
            size=_SHAKESPEARE_LENGTH,
            sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        ),
    ),
)
SHAKESPEARE_VAL_FRACTION = 0.1
NAMES_SEED = 1234
NAMES_VAL_FRACTION = 0.05
NAMES_TEST_FRACTION = 0.05


def vocabulary_of(text: str) -> list[str]:
    """The distinct characters of ``text``, sorted by code point (a token id is an index into it)."""
    return sorted(set(text))


def unknown_characters(text: str, vocabulary: Sequence[str]) -> list[str]:
    """The distinct characters of ``text`` that are not in ``vocabulary``, in order of first appearance."""
    known = set(vocabulary)
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in known:
            seen.setdefault(ch)
    return list(seen)


def encode(text: str, vocabulary: Sequence[str]) -> torch.Tensor:
    """``text`` as int64 token ids ``(len(text),)``.

    Raises:
        KeyError: a character is not in ``vocabulary`` (check with :func:`unknown_characters` first).
    """
    index = {ch: i for i, ch in enumerate(vocabulary)}
    return torch.tensor([index[ch] for ch in text], dtype=torch.int64)


def decode(ids: Sequence[int] | torch.Tensor, vocabulary: Sequence[str]) -> str:
    """Token ids back to text."""
    values = ids.tolist() if isinstance(ids, torch.Tensor) else ids
    return "".join(vocabulary[int(i)] for i in values)


def _stream(text: str, table: torch.Tensor) -> torch.Tensor:
    """``text`` as ids through ``table`` (code point → id), one vectorised lookup."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)  # (len,)
    return table[torch.from_numpy(codes)]


def _splits(parts: tuple[str, str, str], vocabulary: list[str]) -> tuple[Split, Split, Split]:
    """One token stream per split; ``x`` and ``y`` are the same tensor (the recipe shifts by one).

    A test text equal to the validation text gives the *same* split object, so training can
    tell that one evaluation serves both (``layerlab.training.engine.fit``).
    """
    table = torch.full((max(ord(ch) for ch in vocabulary) + 1,), -1, dtype=torch.int64)
    table[torch.tensor([ord(ch) for ch in vocabulary])] = torch.arange(len(vocabulary))
    train, val = (Split(s, s) for s in (_stream(parts[0], table), _stream(parts[1], table)))
    if parts[2] == parts[1]:
        return train, val, val
    test = _stream(parts[2], table)
    return train, val, Split(test, test)


def _text_info(
    name: str,
    title: str,
    description: str,
    vocabulary: list[str],
    sizes: dict[str, int],
    source: str,
    *,
    available: bool = True,
    reason: str | None = None,
) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        title=title,
        description=description,
        task="language_model",
        kind="text",
        input_shape=[DEFAULT_SEQUENCE_LENGTH],
        num_classes=len(vocabulary),
        vocabulary=vocabulary,
        sizes=sizes,
        available=available,
        reason=reason,
        params_schema=params_schema(NoParams),
        source=source,
    )


# -- shakespeare ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _read_text(path: Path, size: int, mtime_ns: int) -> str:
    """The file's text (cached on path, size and mtime, so a replaced file is read again)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"{path} is not UTF-8 text (byte {exc.start}).",
            code="dataset_corrupt",
            field="dataset",
            hint="Replace it with the original Tiny Shakespeare input.txt.",
        ) from None


def _read(path: Path) -> str:
    stat = path.stat()
    return _read_text(path, stat.st_size, stat.st_mtime_ns)


def _shakespeare_counts(length: int) -> dict[str, int]:
    val = round(length * SHAKESPEARE_VAL_FRACTION)
    return {"train": length - val, "val": val, "test": val}


@dataclass(frozen=True)
class ShakespeareSet:
    """Tiny Shakespeare (a :class:`DatasetSpec` without params)."""

    name: str = "shakespeare"
    title: str = "Tiny Shakespeare (text)"
    description: str = (
        "About 40,000 lines of Shakespeare's plays (1.1 million characters, 65 distinct), the classic corpus of "
        "character-level language models. The model reads characters and predicts the next one; its samples go "
        "from random letters to words, then to speaker names and lines that look like a play."
    )
    params_model: type[NoParams] = NoParams
    remote: RemoteSource = SHAKESPEARE_SOURCE

    def _located(self, settings: Settings) -> Path | None:
        for root in (settings.data_dir, settings.datasets_cache_dir):
            if root is not None and (root / _SHAKESPEARE_FOLDER / _SHAKESPEARE_FILE).is_file():
                return root / _SHAKESPEARE_FOLDER / _SHAKESPEARE_FILE
        return None

    def _unavailable(self, settings: Settings) -> tuple[str, str] | None:
        """Why the text cannot be had now (reason, hint), or None when it is found or may be downloaded."""
        if self._located(settings) is not None:
            return None
        expected = f"{_SHAKESPEARE_FOLDER}/{_SHAKESPEARE_FILE}"
        if settings.data_dir is not None:
            return (
                f"shakespeare is not in LAYERLAB_DATA_DIR={settings.data_dir} (expected {expected}) and downloads are "
                "off while LAYERLAB_DATA_DIR is set.",
                f"Put input.txt in {settings.data_dir / _SHAKESPEARE_FOLDER}, or unset LAYERLAB_DATA_DIR.",
            )
        if not settings.allow_download:
            return (
                f"shakespeare is not in the cache {settings.datasets_cache_dir} (expected {expected}) and downloads "
                "are off (LAYERLAB_ALLOW_DOWNLOAD=false).",
                "Set LAYERLAB_DATA_DIR to a folder holding tinyshakespeare/input.txt, or allow downloads.",
            )
        return None

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The set's info; vocabulary and sizes from the file when it is here (read once), else the known ones."""
        path = self._located(settings)
        problem = self._unavailable(settings)
        vocabulary, length = list(_SHAKESPEARE_VOCABULARY), _SHAKESPEARE_LENGTH
        if path is not None:
            try:
                text = _read(path)
            except (OSError, DatasetError):
                logger.warning("could not read %s", path)
            else:
                vocabulary, length = vocabulary_of(text), len(text)
            source = f"{'folder' if settings.data_dir and path.is_relative_to(settings.data_dir) else 'cache'}: {path}"
        elif problem is None:
            source = (
                f"download on first use (1.1 MB) from {self.remote.mirrors[0]}, "
                f"then cached in {settings.datasets_cache_dir}"
            )
        else:
            source = "download (off)"
        return _text_info(
            self.name,
            self.title,
            self.description,
            vocabulary,
            _shakespeare_counts(length),
            source,
            available=problem is None,
            reason=None if problem is None else f"{problem[0]} {problem[1]}",
        )

    def parse_params(self, params: Mapping[str, object]) -> BaseModel:
        """No params: any param is ``invalid_dataset_param``."""
        return parse_params(self.name, self.params_model, params)

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """The text's train and validation streams (``seed`` is unused: the split is fixed).

        Raises:
            DatasetError: ``invalid_dataset_param``; ``dataset_unavailable`` (not found, downloads off or
                unreachable); ``dataset_corrupt`` (a download failed its SHA-256, or the file is not text).
        """
        self.parse_params(ref.params)
        path = self._located(settings)
        if path is None:
            problem = self._unavailable(settings)
            if problem is not None:
                raise DatasetError(problem[0], code="dataset_unavailable", field="dataset", hint=problem[1])
            folder = settings.datasets_cache_dir / _SHAKESPEARE_FOLDER
            path = fetch(self.remote, folder, label=self.name)[0]
        try:
            text = _read(path)
        except OSError as exc:
            raise DatasetError(
                f"Could not read {path}: {exc.strerror or exc}.", code="dataset_unavailable", field="dataset"
            ) from None
        if len(text) < 2 * DEFAULT_SEQUENCE_LENGTH:
            raise DatasetError(
                f"{path} holds only {len(text)} characters; a language model needs a few thousand.",
                code="dataset_corrupt",
                field="dataset",
                hint="Replace it with the original Tiny Shakespeare input.txt.",
            )
        vocabulary = vocabulary_of(text)
        cut = len(text) - round(len(text) * SHAKESPEARE_VAL_FRACTION)
        train, val, test = _splits((text[:cut], text[cut:], text[cut:]), vocabulary)
        counts = {"train": cut, "val": len(text) - cut, "test": len(text) - cut}
        info = _text_info(self.name, self.title, self.description, vocabulary, counts, f"file: {path}")
        return DatasetSplits(info=info, train=train, val=val, test=test)


# -- names ------------------------------------------------------------------------------------


def _faker_missing() -> bool:
    return importlib.util.find_spec("faker") is None


@functools.lru_cache(maxsize=1)
def first_names() -> tuple[str, ...]:
    """The distinct ASCII first names of Faker's English person providers, sorted (8,634 with Faker 40)."""
    package = importlib.import_module("faker.providers.person")
    names: set[str] = set()
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("en"):
            continue
        provider = importlib.import_module(f"{package.__name__}.{module.name}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            values = getattr(provider, attr, None) or ()
            names.update(n for n in values if isinstance(n, str) and n.isascii() and n.strip() and "\n" not in n)
    return tuple(sorted(names))


def _names_parts() -> tuple[str, str, str]:
    names = list(first_names())
    random.Random(NAMES_SEED).shuffle(names)
    n_val = round(len(names) * NAMES_VAL_FRACTION)
    n_test = round(len(names) * NAMES_TEST_FRACTION)
    n_train = len(names) - n_val - n_test
    groups = names[:n_train], names[n_train : n_train + n_val], names[n_train + n_val :]
    return tuple("".join(f"{n}\n" for n in group) for group in groups)  # type: ignore[return-value]


_FAKER_HINT = "Install it (pip install faker); it is one of layerlab's dependencies."


@dataclass(frozen=True)
class NamesSet:
    """First names from Faker (a :class:`DatasetSpec` without params)."""

    name: str = "names"
    title: str = "First names (text)"
    description: str = (
        "8,634 first names from the English locales of the Faker package, one per line (nothing to download). A "
        "small language model learns which letters follow which and invents new names that sound real; the "
        "newline that ends each name is a character too, so the model also learns how long names are."
    )
    params_model: type[NoParams] = NoParams

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The set's info (builds the name list once per process: about 50 ms)."""
        if _faker_missing():
            return _text_info(
                self.name,
                self.title,
                self.description,
                [],
                {"train": 0, "val": 0, "test": 0},
                "faker (offline)",
                available=False,
                reason=f"names needs the Python package faker, which is not installed. {_FAKER_HINT}",
            )
        parts = _names_parts()
        vocabulary = vocabulary_of("".join(parts))
        sizes = dict(zip(("train", "val", "test"), (len(p) for p in parts), strict=True))
        return _text_info(self.name, self.title, self.description, vocabulary, sizes, "faker (offline)")

    def parse_params(self, params: Mapping[str, object]) -> BaseModel:
        """No params: any param is ``invalid_dataset_param``."""
        return parse_params(self.name, self.params_model, params)

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """The names' streams (``seed`` is unused: the shuffle is fixed, so runs compare).

        Raises:
            DatasetError: ``invalid_dataset_param``; ``dataset_unavailable`` without faker.
        """
        self.parse_params(ref.params)
        try:
            parts = _names_parts()
        except ImportError as exc:
            raise DatasetError(
                f"names needs the Python package faker, which cannot be imported: {exc}.",
                code="dataset_unavailable",
                field="dataset",
                hint=_FAKER_HINT,
            ) from None
        vocabulary = vocabulary_of("".join(parts))
        train, val, test = _splits(parts, vocabulary)
        info = self.info(settings)
        return DatasetSplits(info=info, train=train, val=val, test=test)


TEXT_SETS: dict[str, ShakespeareSet | NamesSet] = {s.name: s for s in (NamesSet(), ShakespeareSet())}
