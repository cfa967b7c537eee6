"""How many torch threads a run trains with: one for a small model, the pool's share for a big one.

A worker process gets ``cpu_count // pool size`` threads (``WorkerPool``). A tiny network (the
spiral MLP: a few thousand FLOPs per step) gains nothing from a second thread: each step is a
handful of small kernels, and the threads spend the step handing work to each other; with anything
else on the machine (the page drawing the run, another run) the second thread mostly waits for a
core, and the run slows several-fold. A convolution net gains from every core. So each run trains
with one thread below ``SINGLE_THREAD_FLOPS`` forward + backward FLOPs per step (the graph's cost
estimate, ``layerlab.graph.cost``), and with the worker's full count above it
(``bench/worker_threads.py`` measures both sides).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from layerlab.settings import Settings
from layerlab.training.request import RunRequest

__all__ = ["SINGLE_THREAD_FLOPS", "api_threads", "flops_per_step", "in_api_threads", "threads_for"]

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Below this many FLOPs per training step (batch included) a run uses one thread. The MNIST
#: MLP at batch 32 costs ~2e7 (no faster on two threads) and the CIFAR CNN ~9e8 (1.8× faster on two).
SINGLE_THREAD_FLOPS = 50_000_000


def flops_per_step(request: RunRequest, settings: Settings) -> int | None:
    """The estimated FLOPs of one training step of ``request``; None when the graph has no estimate."""
    from layerlab.training.plan import check_graph_for_dataset  # the plan module imports torch

    report, _, _ = check_graph_for_dataset(
        request.graph, request.dataset, settings, request.training.loss, request.training, request.recipe
    )
    cost = report.cost
    if cost is None or not cost.complete:
        return None
    return cost.flops_per_step


def threads_for(request: RunRequest, settings: Settings, pool_threads: int) -> int:
    """Threads to train ``request`` with, given the worker's share of the cores (``pool_threads``)."""
    if pool_threads <= 1:
        return 1
    try:
        flops = flops_per_step(request, settings)
    except Exception:  # the run reports its own errors; the thread count is only a speed choice
        logger.debug("no cost estimate for the thread count", exc_info=True)
        return pool_threads
    if flops is not None and flops < SINGLE_THREAD_FLOPS:
        return 1
    return pool_threads


def api_threads(cpu_count: int | None) -> int:
    """Torch threads for the API process's own work (predict, the gallery): one per 8 cores, at least one.

    It answers small batches while the cores belong to the training workers; two threads on a
    2-core machine would take the core a run trains on (the page asks the model while it trains).
    """
    return max(1, (cpu_count or 1) // 8)


def in_api_threads(function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Call ``function`` with the API's torch thread count set in this (thread-pool) thread.

    Set per call: with OpenMP a thread count belongs to the thread that set it, and the API's
    torch work runs on whichever thread of the pool is free.
    """
    import torch

    torch.set_num_threads(api_threads(os.cpu_count()))
    return function(*args, **kwargs)
