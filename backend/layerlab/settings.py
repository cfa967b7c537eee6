"""Settings: the only reader of ``LAYERLAB_*`` environment variables.

Use :func:`get_settings` (cached) everywhere; tests override it with their own
``Settings`` instance. An invalid value fails at start-up with the variable's
name and value, e.g. ``LAYERLAB_DEVICE has value 'gpu'. Use one of: auto, cpu, cuda, mps.``
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
        default=None,
        description="A folder holding mnist/*.gz, fashion-mnist/*.gz, cifar-10/*.bin[.gz]; when set, nothing is downloaded.",
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
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Origins (scheme://host:port) whose pages may use the API besides its own: CORS for HTTP, and "
            "the websocket Origin check. Comma-separated or a JSON list."
        ),
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost"],
        description=(
            "Host names (without the port) the server answers to; any other Host header gets 400, which stops "
            "DNS rebinding. '*' allows any. Comma-separated or a JSON list."
        ),
    )
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
    max_run_memory_mb: int = Field(
        default=8192,
        ge=16,
        description=(
            "Most memory (MiB) one run may need by the cost estimate: parameters, gradients, optimizer state, "
            "one batch's activations, buffers and the data set. 8 GiB lets one run share a 16 GB machine (or a "
            "12 GB GPU) with the server and the browser; the estimate leaves out short-lived working memory, "
            "which can add a good part of the activations at the peak. Raise it on a bigger machine."
        ),
    )
    max_nodes: int = Field(default=200, ge=1)
    max_epochs: int = Field(default=1000, ge=1)
    max_batch_size: int = Field(default=8192, ge=1)
    max_sequence_length: int = Field(
        default=512, ge=2, description="Longest training window (training.sequence_length) of a language model."
    )
    max_request_bytes: int = Field(default=2_000_000, ge=1024)
    max_predict_inputs: int = Field(
        default=64, ge=1, le=10_000, description="Most inputs one POST /api/runs/{id}/predict may send."
    )

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
    group_commit_s: float = Field(
        default=0.003,
        ge=0,
        le=1,
        description="Events arriving within this long are committed together; none reaches a client before its commit.",
    )
    commit_interval_s: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="Commits start at most this often: a busy stream is committed in groups (less CPU per event).",
    )
    telemetry_events_per_s: float = Field(
        default=2.0,
        gt=0,
        le=100,
        description="Inside-the-network snapshots (activations, weights, gradients) per second at most.",
    )
    telemetry_budget: float = Field(
        default=0.02,
        gt=0,
        le=1,
        description="Most share of training time the inside-the-network snapshots may take (they back off to stay under it).",
    )
    telemetry_max_event_bytes: int = Field(
        default=256_000,
        ge=10_000,
        description="About the most bytes of one activations event; what does not fit is left out, with a note.",
    )
    subscriber_queue_size: int = Field(default=1000, ge=10)
    max_ws_per_run: int = Field(default=1000, ge=1, description="Websocket connections one run may have at once.")
    max_ws_per_client: int = Field(
        default=50, ge=1, description="Websocket connections one client (X-Client-Id, else its address) may have."
    )
    replay_chunk_bytes: int = Field(
        default=4_000_000, ge=10_000, description="About how many bytes of history one replay round trip reads."
    )
    max_events_response_bytes: int = Field(
        default=32_000_000,
        ge=10_000,
        description="About the most bytes GET /api/runs/{id}/events returns at once (ask again with after=).",
    )

    # Storage failures.
    storage_failure_timeout_s: float = Field(
        default=15.0,
        gt=0,
        description="How long storage may keep failing before the active runs end failed (storage_error).",
    )
    storage_retry_max_s: float = Field(default=2.0, gt=0, le=60, description="Longest wait between two write tries.")
    sqlite_busy_timeout_s: float = Field(
        default=5.0, gt=0, le=600, description="How long a SQLite write waits for a lock before it counts as failed."
    )

    # The watchdog.
    worker_heartbeat_s: float = Field(default=1.0, gt=0, le=60, description="How often a worker says it is alive.")
    worker_heartbeat_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="A worker silent this long (no heartbeat) is ended; its run fails worker_unresponsive.",
    )
    stop_grace_s: float = Field(
        default=1.5,
        gt=0,
        le=60,
        description="How long a stop may take inside a batch, a download or an evaluation before the worker is ended.",
    )
    max_run_s: float = Field(
        default=12 * 3600.0, ge=0, description="Longest a run may run (wall clock, seconds); 0: no limit."
    )
    max_pause_s: float = Field(
        default=1800.0, ge=0, description="Longest a run may stay paused (it holds a worker); 0: no limit."
    )
    worker_memory_mb: int = Field(
        default=0,
        ge=0,
        description="Data-memory limit of each worker process (MB); 0: 80 % of the machine's memory shared by the workers.",
    )
    ws_compression: bool = Field(
        default=False,
        description="permessage-deflate on websockets: saves bandwidth, but costs CPU per client and message.",
    )

    # Stored data.
    max_projects_per_client: int = Field(default=500, ge=1, le=1_000_000, description="Projects one client may keep.")
    max_project_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest project: bytes of its graph, data set and training as JSON."
    )
    run_retention_days: float = Field(
        default=0, ge=0, description="Delete finished runs (and their events) older than this many days; 0: never."
    )
    run_retention_max_runs: int = Field(
        default=0, ge=0, description="Keep at most this many finished runs, deleting the oldest first; 0: no limit."
    )
    run_retention_interval_s: float = Field(
        default=3600, gt=0, description="How often the retention of finished runs is applied."
    )

    @field_validator("cors_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """``a,b`` or ``["a", "b"]`` from the environment; a list as it is."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

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
