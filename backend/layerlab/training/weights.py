"""A run's trained weights: ``<home>/runs/<run_id>/weights.safetensors``, kept so a finished run can still predict.

:class:`WeightsProducer` (a :class:`~layerlab.training.callbacks.TelemetryProducer` that emits
nothing) writes the model's ``state_dict`` at the end of an epoch, at most every
:data:`SAVE_INTERVAL_S` seconds, and always when training ends (completed, stopped by the user,
stopped early: after early stopping restored its best weights). Each write goes to a temporary
file in the same folder and is renamed over the old one, so a reader never sees half a file.

The file's metadata (safetensors' string map) holds what rebuilding the model needs besides the
run's recorded request: the input shape the graph was compiled for, the seed (the data set's splits
follow it), the task, the class labels, the epoch and step the weights belong to, and whether they
are the final ones. A write that fails (a full disk, no permission) is logged and leaves the reason
in ``weights.error`` beside it, where it can; the run goes on and ends as it would have.

Only tensors are stored: reading never unpickles anything (``safetensors`` has no code path for it).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from layerlab.graph.compile import GraphModule
from layerlab.training.callbacks import TelemetryProducer, TrainState

__all__ = [
    "FORMAT_VERSION",
    "SAVE_INTERVAL_S",
    "WARM_UP_RUN_ID",
    "WeightsMeta",
    "WeightsProducer",
    "delete_run_files",
    "load_weights",
    "read_error",
    "read_meta",
    "run_dir",
    "save_weights",
    "weights_path",
]

logger = logging.getLogger(__name__)

#: The shortest time between two saves at the end of an epoch (the end of training always saves).
SAVE_INTERVAL_S = 5.0
#: ``metadata["format"]`` of the files this module writes.
FORMAT_VERSION = "1"
#: The run id of a worker's warm-up runs (``layerlab.runs.worker``): nothing is kept for them.
WARM_UP_RUN_ID = "warm-up"
_FILE = "weights.safetensors"
_ERROR_FILE = "weights.error"


def run_dir(home: Path, run_id: str) -> Path:
    """The folder of a run's files under the server's home."""
    if not run_id or "/" in run_id or "\\" in run_id or run_id in (".", ".."):
        raise ValueError(f"not a run id: {run_id!r}")
    return home / "runs" / run_id


def weights_path(home: Path, run_id: str) -> Path:
    """``<home>/runs/<run_id>/weights.safetensors``."""
    return run_dir(home, run_id) / _FILE


@dataclass(frozen=True)
class WeightsMeta:
    """What a weights file says about itself (its safetensors metadata)."""

    input_shape: tuple[int, ...]
    task: str
    labels: list[str]
    seed: int | None
    epoch: int
    step: int
    final: bool

    def to_metadata(self) -> dict[str, str]:
        """As safetensors metadata (strings only)."""
        return {
            "format": FORMAT_VERSION,
            "input_shape": json.dumps(list(self.input_shape)),
            "task": self.task,
            "labels": json.dumps(self.labels),
            "seed": "" if self.seed is None else str(self.seed),
            "epoch": str(self.epoch),
            "step": str(self.step),
            "final": "1" if self.final else "0",
        }

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> WeightsMeta:
        """Read it back; raises ``ValueError`` for a file this module did not write."""
        if metadata.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown weights format {metadata.get('format')!r}")
        try:
            return cls(
                input_shape=tuple(int(n) for n in json.loads(metadata["input_shape"])),
                task=metadata["task"],
                labels=[str(label) for label in json.loads(metadata["labels"])],
                seed=int(metadata["seed"]) if metadata.get("seed") else None,
                epoch=int(metadata["epoch"]),
                step=int(metadata["step"]),
                final=metadata.get("final") == "1",
            )
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"weights metadata is incomplete: {exc}") from exc


def save_weights(path: Path, model: nn.Module, meta: WeightsMeta) -> None:
    """Write ``model``'s state_dict to ``path`` atomically (a temporary file renamed over it).

    Raises:
        OSError: the folder or the file could not be written (the old file, if any, is kept).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Copies on the CPU: safetensors refuses tensors that share memory, and a GPU tensor cannot be written.
    tensors = {name: value.detach().to("cpu", copy=True).contiguous() for name, value in model.state_dict().items()}
    fd, tmp_name = tempfile.mkstemp(prefix=".weights-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        save_file(tensors, str(tmp), metadata=meta.to_metadata())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        (path.parent / _ERROR_FILE).unlink()


def read_meta(path: Path) -> WeightsMeta:
    """The metadata of a weights file (reads only its header).

    Raises:
        OSError: no such file; ValueError: not a weights file of this format.
    """
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except OSError:
        raise
    except Exception as exc:  # safetensors' own error for a damaged header
        raise ValueError(f"not a readable safetensors file: {exc}") from exc
    return WeightsMeta.from_metadata(dict(metadata))


def load_weights(path: Path) -> tuple[dict[str, torch.Tensor], WeightsMeta]:
    """The tensors (on the CPU) and metadata of a weights file.

    Raises:
        OSError: no such file; ValueError: not a weights file of this format.
    """
    meta = read_meta(path)
    try:
        tensors = load_file(str(path), device="cpu")
    except OSError:
        raise
    except Exception as exc:
        raise ValueError(f"not a readable safetensors file: {exc}") from exc
    return tensors, meta


def read_error(home: Path, run_id: str) -> str | None:
    """Why the last save of a run's weights failed, when it left that behind."""
    try:
        return (run_dir(home, run_id) / _ERROR_FILE).read_text(encoding="utf-8").strip() or None
    except (OSError, ValueError):
        return None


def delete_run_files(home: Path, run_id: str) -> None:
    """Delete a run's folder (its weights); nothing happens when there is none. Never raises."""
    try:
        folder = run_dir(home, run_id)
    except ValueError:
        return
    shutil.rmtree(folder, ignore_errors=True)


class WeightsProducer(TelemetryProducer):
    """Keeps the run's weights on disk (see the module docstring); emits no event."""

    def __init__(
        self, home: Path, run_id: str, *, interval_s: float = SAVE_INTERVAL_S, clock: Callable[[], float] | None = None
    ) -> None:
        self.path = weights_path(home, run_id) if run_id != WARM_UP_RUN_ID else None
        self.interval_s = interval_s
        self._clock = clock or time.monotonic
        self._last_save: float | None = None
        self._failed = False

    def on_train_start(self, state: TrainState) -> None:
        self._last_save, self._failed = None, False

    def on_epoch_end(self, state: TrainState) -> None:
        if state.epoch >= state.epochs:  # the last epoch: on_train_end writes the final file
            return
        now = self._clock()
        if self._last_save is None or now - self._last_save >= self.interval_s:
            self._save(state, final=False)
            self._last_save = now

    def on_train_end(self, state: TrainState) -> None:
        if state.step > 0:  # nothing trained: nothing worth keeping
            self._save(state, final=True)

    def _save(self, state: TrainState, *, final: bool) -> None:
        model, data = state.model, state.data
        if self.path is None or not isinstance(model, GraphModule) or data is None:
            return
        meta = WeightsMeta(
            input_shape=tuple(data.input_shape),
            task=state.task,
            labels=list(state.labels),
            seed=state.seed,
            epoch=state.epoch,
            step=state.step,
            final=final,
        )
        try:
            save_weights(self.path, model, meta)
        except OSError as exc:
            reason = f"saving the weights at epoch {state.epoch} failed: {exc.strerror or exc}"
            if not self._failed:
                logger.error("%s (%s); the run goes on", reason, self.path)
            self._failed = True
            with contextlib.suppress(OSError):
                (self.path.parent / _ERROR_FILE).write_text(reason, encoding="utf-8")
