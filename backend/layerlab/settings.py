"""Settings: the only reader of ``LAYERLAB_*`` environment variables.

Use :func:`get_settings` (cached) everywhere; tests override it with their own
``Settings`` instance. An invalid value fails at start-up with the variable's
name and value, e.g. ``LAYERLAB_DEVICE has value 'gpu'. Use one of: auto, cpu, cuda, mps.``
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DeviceSetting = Literal["auto", "cpu", "cuda", "mps"]

_REPO_FRONTEND_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"


class SettingsError(ValueError):
    """A ``LAYERLAB_*`` variable holds a value that cannot be used."""


class Settings(BaseSettings):
    """Every tunable of the product; each field is ``LAYERLAB_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="LAYERLAB_", extra="ignore", validate_default=True)

    home: Path = Field(
        default=Path.home() / ".layerlab",
        description="Where runs, uploads, the database and downloaded data sets live.",
    )
    data_dir: Path | None = Field(
        default=None, description="A folder laid out like shared/datasets; when set, nothing is downloaded."
    )
    allow_download: bool = Field(
        default=True, description="Download mnist/fashion_mnist/cifar10 on first use when not found locally."
    )
    device: DeviceSetting = "auto"
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default is a SQLite file under home.")
    static_dir: Path | None = Field(
        default=None, description="The built web page; default frontend/dist beside the package."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Concurrency: 0 means "one per GPU, or one per two CPU cores".
    max_concurrent_runs: int = Field(default=0, ge=0, le=256)
    max_runs_per_client: int = Field(default=4, ge=1, le=1000)
    max_queued_runs: int = Field(default=200, ge=1, le=100_000)

    # Limits on what a request may ask for.
    max_params: int = Field(default=50_000_000, ge=1)
    max_activation_elements: int = Field(
        default=50_000_000,
        ge=1,
        description=(
            "Most values per sample (no batch) in all layers' outputs summed, a guard against absurd graphs; "
            "the forward pass keeps them for backward (×4 bytes ×batch_size)."
        ),
    )
    max_nodes: int = Field(default=200, ge=1)
    max_epochs: int = Field(default=1000, ge=1)
    max_batch_size: int = Field(default=8192, ge=1)
    max_request_bytes: int = Field(default=2_000_000, ge=1024)

    # Streaming.
    step_events_per_s: float = Field(default=10.0, gt=0, le=1000)
    step_events_per_epoch: int = Field(
        default=20,
        ge=0,
        le=1000,
        description=(
            "Step events each epoch at least (evenly spaced), so a fast run still draws a curve; "
            "at most 4× step_events_per_s. 0: by time only."
        ),
    )
    event_flush_interval_s: float = Field(default=0.25, gt=0, le=5)
    subscriber_queue_size: int = Field(default=1000, ge=10)
    ws_compression: bool = Field(
        default=False,
        description="permessage-deflate on websockets: saves bandwidth, but costs CPU per client and message.",
    )

    @field_validator("home", "data_dir", "static_dir", mode="before")
    @classmethod
    def _expand_user(cls, value: object) -> object:
        if isinstance(value, str) and value:
            return Path(value).expanduser()
        if value == "":
            return None
        return value

    @property
    def resolved_static_dir(self) -> Path:
        """The folder of the built page (may not exist when the page was not built)."""
        return self.static_dir if self.static_dir is not None else _REPO_FRONTEND_DIST

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<home>/layerlab.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'layerlab.db'}"

    @property
    def datasets_cache_dir(self) -> Path:
        """Where downloaded data sets are cached."""
        return self.home / "datasets"

    def resolved_max_concurrent_runs(self, gpu_count: int | None = None) -> int:
        """The concurrency in force: the setting, or one per GPU, or one per two CPU cores."""
        if self.max_concurrent_runs:
            return self.max_concurrent_runs
        if gpu_count:
            return gpu_count
        return max(1, (os.cpu_count() or 2) // 2)


def load_settings() -> Settings:
    """Read settings from the environment, turning validation errors into one clear message.

    Raises:
        SettingsError: naming the variable and its value, e.g.
            ``LAYERLAB_PORT has value 'abc': Input should be a valid integer``.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "LAYERLAB_" + "_".join(str(part) for part in error["loc"][:1]).upper()
            value = os.environ.get(name, error.get("input"))
            problems.append(f"{name} has value {value!r}: {error['msg']}")
        raise SettingsError("; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (tests inject their own instead)."""
    return load_settings()
