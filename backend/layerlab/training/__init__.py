"""Training: the config and request models, the engine (``fit``), its callbacks, and one job (``run_job``).

Heavy parts (``engine``, ``job``) import torch and the graph compiler; import them from
their modules (``layerlab.training.job.run_job``) — this package re-exports only the
light, widely used names.
"""

from layerlab.training.callbacks import Callback, CallbackList, EarlyStopping, EventEmitter, StopReason, TrainState
from layerlab.training.config import TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.request import RunRequest

__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "EventEmitter",
    "RunControl",
    "RunRequest",
    "StopReason",
    "TrainConfig",
    "TrainState",
]
