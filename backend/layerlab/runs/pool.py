"""WorkerPool: a fixed number of warm worker processes, replaced when they die.

Each worker is a ``spawn``-ed process running :func:`~layerlab.runs.worker.worker_main`
with two one-way pipes (commands in, events out). One small reader thread per worker
blocks on its event pipe and hands every batch of messages to the event loop with
``call_soon_threadsafe`` (I/O only: training never runs in the server). When the pipe
reaches EOF the worker has exited: the thread reaps it and the loop reports the exit
after every event the worker sent before dying. The owner (the runner) hears
everything through four callbacks — ready, event, done, exit — and a worker that
exits is replaced by a fresh one (with a growing back-off when workers die before
becoming ready).

Every message a worker sends — events, and a heartbeat (``b"H"``) each
``worker_heartbeat_s`` from a thread of its own — stamps ``WorkerHandle.last_seen`` in the
reader thread (heartbeats go no further), so the runner's watchdog can tell a worker that is
busy from one that hangs (stopped, deadlocked) and :meth:`WorkerPool.kill` it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from layerlab.runs.protocol import HEARTBEAT, EventMessage, decode_worker_message, encode_command
from layerlab.runs.worker import DEFAULT_JOB_TARGET, worker_main
from layerlab.settings import Settings

__all__ = ["WorkerHandle", "WorkerPool", "describe_exit"]

logger = logging.getLogger(__name__)

#: Never fork: the server process has threads (the event writer, the request thread pool).
START_METHOD = "spawn"


@dataclass(eq=False)
class WorkerHandle:
    """One worker process as the server sees it."""

    slot: int
    process: BaseProcess
    commands: Connection
    events: Connection
    ready: bool = False
    run_id: str | None = None
    exited: bool = False
    pid: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    reader: threading.Thread | None = None
    #: ``time.monotonic()`` of the last message (set by the reader thread); the spawn time at first.
    last_seen: float = field(default_factory=time.monotonic)
    #: True once anything (a heartbeat at least) arrived from the process.
    has_spoken: bool = False
    #: Being ended by the pool (killed): never handed a run again.
    retiring: bool = False
    #: When the run it was asked to stop must be over (the watchdog ends the worker after that).
    finish_by: float | None = None
    #: The status the runner records if it has to end the worker before the run sent its own.
    fallback_status: dict[str, object] | None = None

    @property
    def is_idle(self) -> bool:
        """Ready and not running anything."""
        return self.ready and self.run_id is None and not self.exited and not self.retiring

    def send(self, data: bytes) -> bool:
        """Send a command; False when the worker is gone."""
        try:
            self.commands.send_bytes(data)
            return True
        except (OSError, ValueError):
            return False


def describe_exit(exitcode: int | None) -> str:
    """How a process ended, in words: ``"killed by signal SIGKILL"``, ``"exit code 3"``.

    >>> describe_exit(-9)
    'killed by signal SIGKILL'
    """
    if exitcode is None:
        return "ended for an unknown reason"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"killed by signal {name}"
    return f"exit code {exitcode}"


OnReady = Callable[[WorkerHandle], None]
OnEvent = Callable[[WorkerHandle, EventMessage], None]
OnDone = Callable[[WorkerHandle, str], None]
OnExit = Callable[[WorkerHandle, int | None], None]


class WorkerPool:
    """``size`` warm workers (see the module docstring). Use from the event loop only."""

    def __init__(
        self,
        size: int,
        settings: Settings,
        *,
        on_ready: OnReady,
        on_event: OnEvent,
        on_done: OnDone,
        on_exit: OnExit,
        job_target: str = DEFAULT_JOB_TARGET,
        gpu_count: int = 0,
    ) -> None:
        assert size >= 1
        self.size = size
        self.settings = settings
        self.job_target = job_target
        self.gpu_count = gpu_count
        self._on_ready = on_ready
        self._on_event = on_event
        self._on_done = on_done
        self._on_exit = on_exit
        context = multiprocessing.get_context(START_METHOD)
        assert isinstance(context, multiprocessing.context.SpawnContext)
        self._context: multiprocessing.context.SpawnContext = context
        self._loop: asyncio.AbstractEventLoop | None = None
        self.workers: list[WorkerHandle | None] = [None] * size
        self._failures = [0] * size
        self._closing = False
        self._all_ready = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------
    async def start(self, wait_ready_s: float = 60.0) -> None:
        """Start every worker; wait (up to ``wait_ready_s``) until all have imported torch."""
        self._loop = asyncio.get_running_loop()
        for slot in range(self.size):
            self._spawn(slot)
        try:
            await asyncio.wait_for(self._all_ready.wait(), wait_ready_s)
        except TimeoutError:
            logger.warning("not every worker was ready after %.0f s; runs will wait for them", wait_ready_s)

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Stop every worker: idle ones are asked to exit, busy ones are terminated, then killed."""
        self._closing = True
        live = [w for w in self.workers if w is not None and not w.exited]
        for worker in live:
            if worker.run_id is None and worker.ready:
                worker.send(encode_command("exit"))
            else:
                worker.process.terminate()
        loop = asyncio.get_running_loop()
        for worker in live:
            reader = worker.reader
            if reader is not None:
                await loop.run_in_executor(None, reader.join, timeout_s)
                if reader.is_alive():
                    worker.process.kill()
                    await loop.run_in_executor(None, reader.join, timeout_s)
            self._close(worker)

    # --- queries ----------------------------------------------------------------------
    def idle_worker(self) -> WorkerHandle | None:
        """A ready worker with nothing to do, if any."""
        for worker in self.workers:
            if worker is not None and worker.is_idle:
                return worker
        return None

    def live_workers(self) -> list[WorkerHandle]:
        """The workers whose process has not exited nor is being ended."""
        return [w for w in self.workers if w is not None and not w.exited and not w.retiring]

    def kill(self, worker: WorkerHandle) -> None:
        """End a worker at once (SIGKILL, which also ends a stopped process); it is replaced as usual."""
        worker.retiring = True
        try:
            worker.process.kill()
        except (OSError, ValueError):
            pass

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.pid for w in self.workers if w is not None and w.pid is not None and not w.exited]

    # --- internals --------------------------------------------------------------------
    def _worker_env(self, slot: int) -> dict[str, str]:
        if self.gpu_count > 1:
            return {"CUDA_VISIBLE_DEVICES": str(slot % self.gpu_count)}
        return {}

    def _num_threads(self) -> int:
        return max(1, (os.cpu_count() or 1) // self.size)

    def _spawn(self, slot: int) -> None:
        assert self._loop is not None
        command_recv, command_send = self._context.Pipe(duplex=False)
        event_recv, event_send = self._context.Pipe(duplex=False)
        env = self._worker_env(slot)
        process = self._context.Process(
            target=worker_main,
            args=(command_recv, event_send, self.settings, self.job_target, env, self._num_threads(), self.size),
            name=f"layerlab-worker-{slot}",
            daemon=True,
        )
        process.start()
        command_recv.close()
        event_send.close()
        worker = WorkerHandle(
            slot=slot, process=process, commands=command_send, events=event_recv, pid=process.pid, env=env
        )
        self.workers[slot] = worker
        worker.reader = threading.Thread(
            target=self._read_events, args=(worker, self._loop), name=f"layerlab-worker-{slot}-events", daemon=True
        )
        worker.reader.start()
        logger.info("started worker %d (pid %s)", slot, process.pid)

    def _close(self, worker: WorkerHandle) -> None:
        worker.exited = True
        for conn in (worker.commands, worker.events):
            conn.close()
        try:
            worker.process.close()
        except ValueError:
            pass

    def _read_events(self, worker: WorkerHandle, loop: asyncio.AbstractEventLoop) -> None:
        """Thread: forward batches of messages to the loop until EOF, then reap the process."""
        conn = worker.events
        while True:
            batch: list[bytes] = []
            eof = False
            try:
                data = conn.recv_bytes()
                while True:
                    worker.last_seen, worker.has_spoken = time.monotonic(), True
                    if data != HEARTBEAT:
                        batch.append(data)
                    if not conn.poll():
                        break
                    data = conn.recv_bytes()
            except (EOFError, OSError):
                eof = True
            if batch and not self._post(loop, self._deliver_batch, worker, batch):
                return
            if eof:
                break
        worker.process.join()
        self._post(loop, self._on_process_exit, worker)

    @staticmethod
    def _post(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: object) -> bool:
        try:
            loop.call_soon_threadsafe(callback, *args)
            return True
        except RuntimeError:  # the loop is closed: the server is gone
            return False

    def _deliver_batch(self, worker: WorkerHandle, batch: list[bytes]) -> None:
        for data in batch:
            try:
                self._deliver(worker, data)
            except Exception:
                logger.exception("worker %s: failed to handle a message", worker.pid)

    def _deliver(self, worker: WorkerHandle, data: bytes) -> None:
        try:
            message = decode_worker_message(data)
        except ValueError:
            logger.error("worker %s sent a message that could not be decoded: %r", worker.pid, data[:80])
            return
        if isinstance(message, EventMessage):
            self._on_event(worker, message)
        elif message[0] == "ready":
            worker.ready = True
            self._failures[worker.slot] = 0
            if all(w is not None and w.ready for w in self.workers):
                self._all_ready.set()
            self._on_ready(worker)
        else:
            self._on_done(worker, message[1])

    def _on_process_exit(self, worker: WorkerHandle) -> None:
        """The process ended (all its events were delivered before this): report, replace it."""
        if self._closing or worker.exited:
            return
        exitcode = worker.process.exitcode
        was_ready = worker.ready
        self._close(worker)
        logger.warning("worker %d (pid %s) %s", worker.slot, worker.pid, describe_exit(exitcode))
        self._on_exit(worker, exitcode)
        if self.workers[worker.slot] is worker:
            self._failures[worker.slot] = 0 if was_ready else self._failures[worker.slot] + 1
            delay = min(30.0, 0.5 * (2 ** self._failures[worker.slot] - 1))
            assert self._loop is not None
            self._loop.call_later(delay, self._respawn, worker.slot)

    def _respawn(self, slot: int) -> None:
        if not self._closing:
            self._spawn(slot)
