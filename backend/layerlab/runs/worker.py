"""The worker process: imports torch once, then runs one job at a time for the server.

Started by :class:`~layerlab.runs.pool.WorkerPool` with the ``spawn`` start method (never
``fork``: the server has threads). :func:`worker_main` imports the job function (by
default :func:`layerlab.training.job.run_job`), says it is ready, then loops: take a
``run`` command, call the job with an ``emit`` that frames every event onto the event
pipe, send ``done``. A thread reads the command pipe the whole time and calls the
current run's :class:`~layerlab.training.control.RunControl` (pause, resume, stop, step,
learning rate, probe sample, sampling settings), so commands reach the engine between steps.

A thread sends a heartbeat (``b"H"``) every ``worker_heartbeat_s`` from the moment the
process starts, so the server can tell a busy worker from a hung one. The process runs
under an OS limit on its data memory (``RLIMIT_DATA``, see :func:`memory_limit_bytes`): a
run that needs more than its estimate said gets an allocation error, which the engine
reports as ``out_of_memory``, instead of taking the machine's memory.

A crash here (segfault, OOM kill, ``os._exit``) ends only this process; the server sees
the process exit and fails the run it was running. When the server goes away the
command pipe reaches EOF and the worker exits.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Protocol

from layerlab.runs.protocol import HEARTBEAT, READY, encode_done, encode_event
from layerlab.runs.threads import threads_for
from layerlab.settings import Settings
from layerlab.training.control import RunControl
from layerlab.training.events import TERMINAL_STATES, Event, StatusEvent
from layerlab.training.request import RunRequest

__all__ = ["DEFAULT_JOB_TARGET", "JobFunction", "WORKER_NICENESS", "load_job", "memory_limit_bytes", "worker_main"]

logger = logging.getLogger(__name__)

#: How much lower than the server's a worker's CPU priority is (Unix ``nice`` increment).
WORKER_NICENESS = 5

#: The job function a worker runs, as ``"module:function"``.
DEFAULT_JOB_TARGET = "layerlab.training.job:run_job"


class JobFunction(Protocol):
    """The signature of :func:`layerlab.training.job.run_job`."""

    def __call__(
        self,
        request: RunRequest,
        *,
        run_id: str,
        emit: Callable[[Event], None],
        settings: Settings,
        control: RunControl | None = None,
        first_seq: int = 1,
    ) -> Any: ...


def load_job(target: str) -> JobFunction:
    """Import ``"module:function"`` and return the function."""
    module_name, _, attr = target.partition(":")
    function: JobFunction = getattr(importlib.import_module(module_name), attr or "run_job")
    return function


class _Emitter:
    """Frames events onto the event pipe and remembers the last seq sent."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.last_seq = 0
        self.finished = False

    def __call__(self, event: Event) -> None:
        data = encode_event(event.seq, event.type, event.model_dump_json())
        with self._lock:
            self._conn.send_bytes(data)
            self.last_seq = max(self.last_seq, event.seq)
            if isinstance(event, StatusEvent) and event.status in TERMINAL_STATES:
                self.finished = True

    def send_raw(self, data: bytes) -> None:
        """Send one framed message (ready, done, heartbeat) between events."""
        with self._lock:
            self._conn.send_bytes(data)


def _send_heartbeats(emit: _Emitter, interval_s: float) -> None:
    """Thread: one heartbeat every ``interval_s`` until the server is gone."""
    while True:
        time.sleep(interval_s)
        try:
            emit.send_raw(HEARTBEAT)
        except (OSError, ValueError):
            return


def memory_limit_bytes(settings: Settings, pool_size: int) -> int:
    """The data-memory limit of one worker: ``worker_memory_mb``, or 80 % of the machine's memory shared by the pool.

    At least 1 GiB (torch itself takes about 250 MB once imported).
    """
    if settings.worker_memory_mb:
        return settings.worker_memory_mb * 1024 * 1024
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0
    return max(1024**3, int(0.8 * total / max(1, pool_size)))


def _limit_memory(limit: int) -> None:
    """Cap this process's data memory (heap and private mappings) at ``limit`` bytes, where the OS allows."""
    if limit <= 0 or not hasattr(resource, "RLIMIT_DATA"):
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError):
        logger.warning("could not limit the worker's memory to %d MB", limit // 2**20, exc_info=True)


#: A tiny run done twice before a worker reports ready, so a user's first run finds every
#: lazy import, torch kernel and code path warm (the first run otherwise takes ~1.5 s longer).
WARM_UP_REQUEST = {
    "graph": {
        "nodes": [
            {"id": "in", "type": "Input"},
            {"id": "h", "type": "Dense", "params": {"units": 8, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    },
    "dataset": {"name": "circle", "params": {"n": 100}},
    "training": {"epochs": 1, "batch_size": 16, "seed": 0},
}


def _warm_up(job: JobFunction, settings: Settings, rounds: int = 2) -> None:
    """Run :data:`WARM_UP_REQUEST` ``rounds`` times, discarding its events (failures are only logged)."""
    try:
        request = RunRequest.model_validate(WARM_UP_REQUEST)
        for _ in range(rounds):
            job(request, run_id="warm-up", emit=lambda _event: None, settings=settings, control=RunControl())
    except Exception:
        logger.warning("worker warm-up failed; the first run may start slower", exc_info=True)


def _read_commands(ctrl: Connection, jobs: queue.Queue[dict[str, Any] | None], controls: dict[str, RunControl]) -> None:
    """Thread: route commands; on EOF (the server is gone) end the process."""
    while True:
        try:
            message: dict[str, Any] = json.loads(ctrl.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)
        op = message.get("op")
        if op == "exit":
            jobs.put(None)
            return
        if op == "run":
            controls[message["run_id"]] = RunControl()
            jobs.put(message)
            continue
        control = controls.get(str(message.get("run_id")))
        if control is None:
            continue
        if op == "pause":
            control.pause()
        elif op == "resume":
            control.resume()
        elif op == "stop":
            control.stop()
        elif op == "step":
            control.step_once()
        elif op == "learning_rate":
            control.set_learning_rate(float(message["value"]))
        elif op == "probe":
            control.set_probe_index(int(message["value"]))
        elif op == "sampling" and isinstance(message.get("value"), dict):
            control.set_sampling(message["value"])


def worker_main(
    ctrl: Connection,
    events: Connection,
    settings: Settings,
    job_target: str = DEFAULT_JOB_TARGET,
    env: dict[str, str] | None = None,
    num_threads: int | None = None,
    pool_size: int = 1,
) -> None:
    """Entry point of a worker process (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the server; it stops us itself.
    emit = _Emitter(events)
    threading.Thread(
        target=_send_heartbeats, args=(emit, settings.worker_heartbeat_s), name="heartbeat", daemon=True
    ).start()
    if hasattr(os, "nice"):
        # Training yields the CPU to the server: streaming, the API and websockets stay responsive
        # while every core trains (an idle server costs the run nothing).
        os.nice(WORKER_NICENESS)
    os.environ.update(env or {})
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s worker[%(process)d] %(levelname)s %(name)s: %(message)s"
    )
    _limit_memory(memory_limit_bytes(settings, pool_size))
    import torch

    if num_threads:
        torch.set_num_threads(num_threads)
    pool_threads = torch.get_num_threads()
    job = load_job(job_target)
    _warm_up(job, settings)
    jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    controls: dict[str, RunControl] = {}
    threading.Thread(target=_read_commands, args=(ctrl, jobs, controls), name="commands", daemon=True).start()
    emit.send_raw(READY)
    while (message := jobs.get()) is not None:
        run_id = str(message["run_id"])
        emit.last_seq = int(message["first_seq"]) - 1
        emit.finished = False
        try:
            request = RunRequest.model_validate_json(message["request"])
            # A tiny model trains faster on one thread than on contended two (runs/threads.py).
            torch.set_num_threads(threads_for(request, settings, pool_threads))
            job(
                request,
                run_id=run_id,
                emit=emit,
                settings=settings,
                control=controls[run_id],
                first_seq=emit.last_seq + 1,
            )
        except Exception:
            logger.exception("run %s: the job function raised", run_id)
            if not emit.finished:
                failed = StatusEvent(
                    seq=emit.last_seq + 1,
                    run_id=run_id,
                    time=time.time(),
                    status="failed",
                    code="internal_error",
                    message="The run stopped because of an internal error.",
                    hint=f"See the server log for run {run_id}.",
                )
                emit(failed)
        finally:
            controls.pop(run_id, None)
        emit.send_raw(encode_done(run_id))
