"""The forecast sets: a generated sine series and the yearly sunspot numbers.

A series of ``T`` values becomes windows (stride 1): sample ``i`` is ``x`` = the ``window``
values from step ``i``, ``y`` = the ``horizon`` values right after them. The splits are
chronological by *target*: the ``T - window`` values that can be predicted are split 70/15/15
in time order (:func:`target_counts`), and a window belongs to a split only when all its
targets lie in that split's part — so no window's target crosses into a later split, and the
``horizon - 1`` windows that would straddle a boundary are dropped. Windows within a split are
consecutive, in time order; nothing is shuffled. A window's *inputs* may reach back into the
previous split (the past is known when the future is predicted).

``x`` is float32 ``(N, window, 1)``, ``y`` float32 ``(N, horizon)``. sunspots are
standardised with the mean and standard deviation of the values the train windows see.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import BaseModel

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split
from layerlab.datasets.params import MIN_WINDOW, SineParams, SunspotsParams, params_schema, parse_params
from layerlab.datasets.splits import split_counts, to_tensor
from layerlab.errors import DatasetError
from layerlab.settings import Settings

__all__ = [
    "SERIES_SETS",
    "SUNSPOTS_LENGTH",
    "SineSet",
    "SunspotsSet",
    "check_windows",
    "sine_series",
    "target_counts",
    "window_counts",
    "windowed_splits",
]

VAL_FRACTION = 0.15
TEST_FRACTION = 0.15
#: Values in statsmodels' yearly sunspot numbers, 1700–2008 (fixed, so listing needs no import).
SUNSPOTS_LENGTH = 309

Floats32 = npt.NDArray[np.float32]
_SPLITS = ("train", "val", "test")


def target_counts(length: int, window: int) -> tuple[int, int, int]:
    """How many values each split predicts: the ``length - window`` values after the first window, 70/15/15.

    >>> target_counts(309, 12)
    (207, 45, 45)
    """
    return split_counts(max(length - window, 0), VAL_FRACTION, TEST_FRACTION)


def window_counts(length: int, window: int, horizon: int) -> tuple[int, int, int]:
    """Windows per split ``(train, val, test)``: a split predicting ``k`` values holds ``k - horizon + 1``.

    >>> window_counts(309, 12, 3)
    (205, 43, 43)
    """
    train, val, test = (max(0, k - horizon + 1) for k in target_counts(length, window))
    return train, val, test


def _longest_window(length: int, horizon: int, below: int) -> int | None:
    """The longest window under ``below`` that leaves every split a window, or None."""
    for window in range(below - 1, MIN_WINDOW - 1, -1):
        if min(window_counts(length, window, horizon)) >= 1:
            return window
    return None


def check_windows(dataset: str, length: int, window: int, horizon: int) -> None:
    """Check that ``window`` and ``horizon`` leave at least one window in every split of a series of ``length``.

    Raises:
        DatasetError: ``invalid_dataset_param`` with ``field`` = ``window`` when the window alone is too
            long (even at horizon 1), else ``horizon``; the message gives the series length and the
            windows each split would keep, the hint the longest value that works.
    """
    counts = window_counts(length, window, horizon)
    if min(counts) >= 1:
        return
    left = f"{counts[0]} train, {counts[1]} val and {counts[2]} test windows"
    if min(window_counts(length, window, 1)) < 1:
        longest = _longest_window(length, horizon, window)
        raise DatasetError(
            f'Data set "{dataset}": param "window" {window} is too long for the series of {length} values: '
            f"with horizon {horizon} it would leave {left}; every split needs at least one.",
            code="invalid_dataset_param",
            field="window",
            hint=(
                f"Use a window of at most {longest}."
                if longest is not None
                else "Use a shorter window and horizon, or a longer series."
            ),
        )
    longest_horizon = min(target_counts(length, window))
    raise DatasetError(
        f'Data set "{dataset}": param "horizon" {horizon} is too long for the series of {length} values: '
        f"after windows of {window} values it would leave {left}; every split needs at least one.",
        code="invalid_dataset_param",
        field="horizon",
        hint=f"Use a horizon of at most {longest_horizon} with this window, or a shorter window.",
    )


def windowed_splits(values: Floats32, window: int, horizon: int) -> tuple[Split, Split, Split]:
    """Cut a series into chronological train/val/test windows (see the module docstring).

    ``values`` is float32 ``(T,)``; every split gets ``x`` float32 ``(N, window, 1)`` and ``y``
    float32 ``(N, horizon)``, with ``N`` from :func:`window_counts` (at least one each, as
    :func:`check_windows` ensures).
    """
    counts = target_counts(len(values), window)
    rows = sliding_window_view(values, window + horizon)  # (T - window - horizon + 1, window + horizon)
    splits: list[Split] = []
    first = 0  # the first window whose targets start in this split
    for predicted in counts:
        n = max(0, predicted - horizon + 1)
        part = rows[first : first + n]
        x = np.ascontiguousarray(part[:, :window], dtype=np.float32)[:, :, None]  # (N, window, 1)
        y = np.ascontiguousarray(part[:, window:], dtype=np.float32)  # (N, horizon)
        splits.append(Split(to_tensor(x.copy()), to_tensor(y.copy())))
        first += predicted
    return splits[0], splits[1], splits[2]


def _sizes(counts: tuple[int, int, int]) -> dict[str, int]:
    return dict(zip(_SPLITS, counts, strict=True))


def sine_series(p: SineParams, seed: int) -> Floats32:
    """``sin(2π·f·t) + ½·sin(2π·f₂·t)`` (the second term only when ``f₂ > 0``) plus Gaussian noise, ``t = 0 … n-1``."""
    t = np.arange(p.n, dtype=np.float64)
    values = np.sin(2 * math.pi * p.frequency * t)
    if p.second_frequency > 0:
        values += 0.5 * np.sin(2 * math.pi * p.second_frequency * t)
    rng = np.random.default_rng([seed, 3])
    values += p.noise * rng.standard_normal(p.n)
    return values.astype(np.float32)


@dataclass(frozen=True)
class SineSet:
    """The generated sine series (a :class:`DatasetSpec`)."""

    name: str = "sine"
    title: str = "Sine wave (forecast)"
    description: str = (
        "A noisy sine wave (optionally the sum of two sines): from the last `window` values, predict the next "
        "`horizon` ones. The first forecasting lesson: a single Dense layer on the window predicts one step "
        "ahead well; feeding its own predictions back (the rollout) is harder."
    )
    params_model: type[SineParams] = SineParams

    def _info(self, p: SineParams) -> DatasetInfo:
        return DatasetInfo(
            name=self.name,
            title=self.title,
            description=self.description,
            task="forecast",
            kind="sequence",
            input_shape=[p.window, 1],
            output_size=p.horizon,
            sizes=_sizes(window_counts(p.n, p.window, p.horizon)),
            params_schema=params_schema(self.params_model),
            source="generated",
        )

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The info for ``params`` (default: 1,000 values, window 24, horizon 1)."""
        return self._info(params if isinstance(params, SineParams) else self.params_model())

    def parse_params(self, params: Mapping[str, object]) -> SineParams:
        """The validated params; ``window`` + ``horizon`` must leave every split a window of the ``n`` values."""
        p = parse_params(self.name, self.params_model, params)
        check_windows(self.name, p.n, p.window, p.horizon)
        return p

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """Generate the series (noise from ``params.seed``, else the run's ``seed``) and window it."""
        p = self.parse_params(ref.params)
        values = sine_series(p, seed if p.seed is None else p.seed)
        train, val, test = windowed_splits(values, p.window, p.horizon)
        return DatasetSplits(info=self._info(p), train=train, val=val, test=test)


def _statsmodels_missing() -> bool:
    return importlib.util.find_spec("statsmodels") is None


@functools.lru_cache(maxsize=1)
def _sunspot_values() -> Floats32:
    """statsmodels' yearly sunspot numbers (a CSV inside the package: nothing is downloaded)."""
    module = importlib.import_module("statsmodels.datasets.sunspots")
    values = np.asarray(module.load_pandas().data["SUNACTIVITY"], dtype=np.float32)
    values.flags.writeable = False
    return values


_STATSMODELS_HINT = "Install it (pip install statsmodels); it is one of layerlab's dependencies."


@dataclass(frozen=True)
class SunspotsSet:
    """The yearly sunspot numbers 1700–2008 from statsmodels (a :class:`DatasetSpec`)."""

    name: str = "sunspots"
    title: str = "Sunspots (forecast)"
    description: str = (
        "The yearly mean number of sunspots, 1700–2008 (309 values, from statsmodels). A real, noisy cycle of "
        "about 11 years whose peaks vary in height: predict the next years from the last `window` ones. Values "
        "are standardised with the mean and standard deviation of the training part."
    )
    params_model: type[SunspotsParams] = SunspotsParams

    def _info(self, p: SunspotsParams, length: int, description: str | None = None) -> DatasetInfo:
        missing = _statsmodels_missing()
        return DatasetInfo(
            name=self.name,
            title=self.title,
            description=description or self.description,
            task="forecast",
            kind="sequence",
            input_shape=[p.window, 1],
            output_size=p.horizon,
            sizes=_sizes(window_counts(length, p.window, p.horizon)),
            available=not missing,
            reason=f"sunspots needs the Python package statsmodels, which is not installed. {_STATSMODELS_HINT}"
            if missing
            else None,
            params_schema=params_schema(self.params_model),
            source="statsmodels (offline)",
        )

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The info for ``params`` (default: window 12, horizon 1); unavailable without statsmodels."""
        p = params if isinstance(params, SunspotsParams) else self.params_model()
        return self._info(p, SUNSPOTS_LENGTH)

    def parse_params(self, params: Mapping[str, object]) -> SunspotsParams:
        """The validated params; ``window`` + ``horizon`` must leave every split a window of the 309 values."""
        p = parse_params(self.name, self.params_model, params)
        check_windows(self.name, SUNSPOTS_LENGTH, p.window, p.horizon)
        return p

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """Window the standardised series (``seed`` is unused: the series and its splits are fixed).

        Raises:
            DatasetError: ``invalid_dataset_param``; ``dataset_unavailable`` without statsmodels.
        """
        p = self.parse_params(ref.params)
        try:
            raw = _sunspot_values()
        except ImportError as exc:
            raise DatasetError(
                f"sunspots needs the Python package statsmodels, which cannot be imported: {exc}.",
                code="dataset_unavailable",
                hint=_STATSMODELS_HINT,
            ) from None
        check_windows(self.name, len(raw), p.window, p.horizon)
        seen_by_train = raw[: p.window + target_counts(len(raw), p.window)[0]]
        mean = float(seen_by_train.mean(dtype=np.float64))
        std = float(seen_by_train.std(dtype=np.float64)) or 1.0
        values = ((raw - mean) / std).astype(np.float32)
        train, val, test = windowed_splits(values, p.window, p.horizon)
        description = (
            f"{self.description} Here: train mean {mean:.1f} and standard deviation {std:.1f} sunspots, "
            "so 0 is an average year and 1 is one standard deviation above it."
        )
        return DatasetSplits(info=self._info(p, len(raw), description), train=train, val=val, test=test)


SERIES_SETS: dict[str, SineSet | SunspotsSet] = {s.name: s for s in (SineSet(), SunspotsSet())}
