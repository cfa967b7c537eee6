"""Parameter models of the data sets: one pydantic model per generated set and per series.

Every data set has a params model (``extra="forbid"``, so unknown params are errors).
Its JSON Schema is :attr:`DatasetInfo.params_schema`; :func:`parse_params` turns a
request's ``params`` dict into the model or raises ``invalid_dataset_param``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from layerlab.errors import DatasetError

__all__ = [
    "Classify2DParams",
    "MixtureParams",
    "MoonsParams",
    "NoParams",
    "Regress2DParams",
    "SineParams",
    "SunspotsParams",
    "params_schema",
    "parse_params",
]

ParamsT = TypeVar("ParamsT", bound=BaseModel)

MIN_POINTS = 10
MAX_POINTS = 100_000
MIN_WINDOW = 2
MAX_WINDOW = 512
MAX_HORIZON = 64
MIN_SERIES = 100


def _points_field(default: int) -> Any:
    """The ``n`` field every generated set has, with its own default."""
    return Field(
        default=default,
        title="Points",
        ge=MIN_POINTS,
        le=MAX_POINTS,
        description="Number of points, split 70/15/15 into train/val/test.",
    )


def _noise_field(default: float, description: str) -> Any:
    """The ``noise`` field every generated set has, in [0, 1]."""
    return Field(default=default, title="Noise", ge=0.0, le=1.0, description=description)


_SEED_FIELD = Field(
    default=None,
    title="Seed",
    ge=0,
    le=2**32 - 1,
    description="Seed of the generated points; leave it empty to use the run's seed.",
)


class NoParams(BaseModel):
    """A data set without parameters (any param is an error)."""

    model_config = ConfigDict(extra="forbid", title="No parameters")


class Classify2DParams(BaseModel):
    """Parameters of the 2-D classification sets of TensorFlow Playground (circle, xor, gaussian, spiral)."""

    model_config = ConfigDict(extra="forbid", title="2-D classification")

    n: int = _points_field(500)
    noise: float = _noise_field(
        0.0, "How much the classes overlap: 0 is clean; TensorFlow Playground's slider goes to 0.5."
    )
    seed: int | None = _SEED_FIELD


class MoonsParams(BaseModel):
    """Parameters of the two interleaving half circles."""

    model_config = ConfigDict(extra="forbid", title="Moons")

    n: int = _points_field(500)
    noise: float = _noise_field(
        0.1, "Standard deviation of the Gaussian noise, in the units of scikit-learn's make_moons."
    )
    seed: int | None = _SEED_FIELD


class MixtureParams(BaseModel):
    """Parameters of the Gaussian mixtures that generative models are tested on (ring, grid)."""

    model_config = ConfigDict(extra="forbid", title="Gaussian mixture")

    n: int = _points_field(2000)
    noise: float = _noise_field(
        0.05, "Standard deviation of each Gaussian (the modes are 2 apart, or 1.53 on the ring)."
    )
    seed: int | None = _SEED_FIELD


class Regress2DParams(BaseModel):
    """Parameters of the 2-D regression sets of TensorFlow Playground (plane, multi_gaussian)."""

    model_config = ConfigDict(extra="forbid", title="2-D regression")

    n: int = _points_field(1200)
    noise: float = _noise_field(
        0.0, "How far the target is computed from a jittered point: 0 is exact; the Playground's slider goes to 0.5."
    )
    seed: int | None = _SEED_FIELD


def _window_field(default: int) -> Any:
    """The ``window`` field of every forecast set: how many past values each sample sees."""
    return Field(
        default=default,
        title="Window",
        ge=MIN_WINDOW,
        le=MAX_WINDOW,
        description="Past values per sample: the model sees this many steps and predicts the next ones.",
    )


def _horizon_field() -> Any:
    """The ``horizon`` field of every forecast set: how many values each sample predicts."""
    return Field(
        default=1,
        title="Horizon",
        ge=1,
        le=MAX_HORIZON,
        description="Values to predict per sample, right after the window (1 = one step ahead).",
    )


class SineParams(BaseModel):
    """Parameters of the generated sine series (one sine, optionally plus a second, plus noise)."""

    model_config = ConfigDict(extra="forbid", title="Sine series")

    n: int = Field(
        default=1000,
        title="Length",
        ge=MIN_SERIES,
        le=MAX_POINTS,
        description="Values in the series; its windows are split 70/15/15 in time order.",
    )
    frequency: float = Field(
        default=0.05,
        title="Frequency",
        gt=0.0,
        le=0.5,
        description="Cycles per step of the sine (0.05 = one cycle every 20 steps; 0.5 is the fastest a series shows).",
    )
    second_frequency: float = Field(
        default=0.0,
        title="Second frequency",
        ge=0.0,
        le=0.5,
        description="Cycles per step of a second sine of half the amplitude added to the first; 0 = none.",
    )
    noise: float = _noise_field(
        0.05, "Standard deviation of the Gaussian noise added to every value (the sine's amplitude is 1)."
    )
    window: int = _window_field(24)
    horizon: int = _horizon_field()
    seed: int | None = Field(
        default=None,
        title="Seed",
        ge=0,
        le=2**32 - 1,
        description="Seed of the noise; leave it empty to use the run's seed.",
    )


class SunspotsParams(BaseModel):
    """Parameters of the yearly sunspot numbers: only the windowing."""

    model_config = ConfigDict(extra="forbid", title="Sunspots")

    window: int = _window_field(12)
    horizon: int = _horizon_field()


def params_schema(model: type[BaseModel]) -> dict[str, object]:
    """The JSON Schema of a params model, as published in ``DatasetInfo.params_schema``."""
    return dict(model.model_json_schema())


def parse_params(dataset: str, model: type[ParamsT], params: Mapping[str, object]) -> ParamsT:
    """Validate ``params`` of data set ``dataset`` against ``model``.

    Raises:
        DatasetError: code ``invalid_dataset_param``, ``field`` = the first bad param's name,
            the message says what was expected and what was got, e.g.
            ``Data set "spiral": param "noise" should be less than or equal to 1, got 2.``
    """
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else None
        allowed = ", ".join(model.model_fields) or "none"
        if error["type"] == "extra_forbidden":
            message = f'Data set "{dataset}" has no param "{field}"; its params are: {allowed}.'
            hint = f"Remove {field!r} from the data set's params."
        else:
            expected = error["msg"].removeprefix("Input ").removeprefix("Value error, ")
            message = f'Data set "{dataset}": param "{field}" {expected}, got {error.get("input")!r}.'
            description = model.model_fields[field].description if field in model.model_fields else None
            hint = description or f"Check the value of {field!r}."
        raise DatasetError(message, code="invalid_dataset_param", field=field, hint=hint) from None
