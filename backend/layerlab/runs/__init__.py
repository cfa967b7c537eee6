"""Runs: the queue, the warm worker processes that train, and the fan-out of their events.

:class:`Runner` owns a :class:`WorkerPool` (spawned processes, one run each at a time)
and a FIFO queue; every event passes through it to the
:class:`~layerlab.storage.writer.EventWriter` and the :class:`Broadcaster`.
"""

from layerlab.runs.broadcast import Broadcaster, EndOfStream, Subscriber, SubscriberOverflow
from layerlab.runs.ids import new_id
from layerlab.runs.pool import WorkerHandle, WorkerPool, describe_exit
from layerlab.runs.runner import (
    RunConflictError,
    RunHandle,
    RunLimitError,
    Runner,
    RunNotFoundError,
    interrupt_unfinished,
)

__all__ = [
    "Broadcaster",
    "EndOfStream",
    "RunConflictError",
    "RunHandle",
    "RunLimitError",
    "RunNotFoundError",
    "Runner",
    "Subscriber",
    "SubscriberOverflow",
    "WorkerHandle",
    "WorkerPool",
    "describe_exit",
    "interrupt_unfinished",
    "new_id",
]
