"""Runner: the queue of runs, their dispatch to worker processes, and the flow of their events.

One :class:`Runner` per server, used from the event loop only. A run's life::

    submit()  → row inserted, status queued (position n)   ← server-made events
    dispatch  → a warm worker gets the run (first_seq = last_seq + 1)
    worker    → status running, step, epoch, …, final status  ← the engine's events
    done      → the worker is idle again; the next queued run starts

Every event — the engine's and the few the server makes itself (queued positions,
``stopped`` for a queued run, ``failed``/``worker_crashed`` when a worker dies,
``interrupted`` at shutdown) — goes through :meth:`Runner._record`, which checks seq
continuity, updates the run's columns, hands the event to the
:class:`~layerlab.storage.writer.EventWriter` and publishes it to the
:class:`~layerlab.runs.broadcast.Broadcaster`. The server never renumbers an event.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from layerlab.runs.broadcast import Broadcaster, Subscriber
from layerlab.runs.ids import new_id
from layerlab.runs.pool import WorkerHandle, WorkerPool, describe_exit
from layerlab.runs.protocol import ControlOp, EventMessage, encode_command
from layerlab.runs.worker import DEFAULT_JOB_TARGET
from layerlab.settings import Settings
from layerlab.storage.store import EventRecord, RunRow, RunStore
from layerlab.storage.writer import EventWriter
from layerlab.training.events import TERMINAL_STATES, StatusEvent
from layerlab.training.request import RunRequest

__all__ = [
    "RunConflictError",
    "RunHandle",
    "RunLimitError",
    "RunNotFoundError",
    "Runner",
    "interrupt_unfinished",
    "read_events",
]

logger = logging.getLogger(__name__)

_SCALAR_PATCH_TYPES = frozenset({"status", "epoch", "evaluation"})


class RunNotFoundError(LookupError):
    """No run has this id (HTTP 404)."""


class RunConflictError(Exception):
    """The run is in a state where this is not possible (HTTP 409)."""


class RunLimitError(Exception):
    """Too many active runs for this client, or the queue is full (HTTP 429)."""


@dataclass(eq=False)
class RunHandle:
    """An active (not yet finished) run as the server tracks it."""

    id: str
    request_json: str
    client_id: str | None
    status: str = "queued"
    last_seq: int = 0
    position: int | None = None
    worker: WorkerHandle | None = None
    #: Run columns as recorded so far (overlaid on the database row, which lags by a flush).
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def is_waiting(self) -> bool:
        """Queued and not yet handed to a worker."""
        return self.status == "queued" and self.worker is None


def read_events(
    store: RunStore, writer: EventWriter | None, run_id: str, after: int, limit: int | None
) -> list[tuple[int, str, str]]:
    """``(seq, type, payload)`` of a run's recorded events with ``seq > after``, including the unflushed tail.

    Blocking (call from a thread). The tail is read *before* the database so an event
    committed in between is found in one or the other; together they are gap-free.
    """
    tail = writer.pending_after(run_id, after) if writer is not None else []
    out = store.events_after(run_id, after, limit)
    last = out[-1][0] if out else after
    for item in tail:
        if limit is not None and len(out) >= limit:
            break
        if item[0] > last:
            out.append(item)
            last = item[0]
    return out


def interrupt_unfinished(store: RunStore) -> list[str]:
    """Mark runs left queued/running/paused by a previous server as ``interrupted``.

    Appends a final ``status: interrupted`` event (seq = last recorded + 1) to each, so
    their history stays whole and their stream ends. Returns the ids. Blocking.
    """
    ids = []
    now = time.time()
    for row in store.unfinished_runs():
        seq = max(store.max_seq(row.id), row.last_seq) + 1
        event = StatusEvent(
            seq=seq,
            run_id=row.id,
            time=now,
            status="interrupted",
            message="The server stopped while this run was active.",
            hint="Start the run again; its history up to this point is kept.",
        )
        store.write_batch(
            [EventRecord(row.id, seq, "status", event.model_dump_json())],
            {row.id: {"status": "interrupted", "finished_at": now, "position": None, "last_seq": seq}},
        )
        ids.append(row.id)
    if ids:
        logger.info("marked %d unfinished runs interrupted: %s", len(ids), ", ".join(ids))
    return ids


class Runner:
    """Queue, workers and event flow of every active run (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        store: RunStore,
        writer: EventWriter,
        broadcaster: Broadcaster,
        *,
        concurrency: int,
        job_target: str = DEFAULT_JOB_TARGET,
        gpu_count: int = 0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.writer = writer
        self.broadcaster = broadcaster
        self.concurrency = concurrency
        self._active: dict[str, RunHandle] = {}
        self._queue: deque[str] = deque()
        self._stopping = False
        self.pool = WorkerPool(
            concurrency,
            settings,
            on_ready=self._on_ready,
            on_event=self._on_event,
            on_done=self._on_done,
            on_exit=self._on_exit,
            job_target=job_target,
            gpu_count=gpu_count,
        )

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Start the warm worker pool (waits until the workers have imported torch)."""
        await self.pool.start()

    async def stop(self) -> None:
        """Stop the workers; active runs end ``interrupted`` (their history is kept)."""
        self._stopping = True
        await self.pool.stop()
        for handle in list(self._active.values()):
            self._emit_status(
                handle,
                "interrupted",
                message="The server stopped while this run was active.",
                hint="Start the run again; its history up to this point is kept.",
            )
        self._queue.clear()

    # --- queries ----------------------------------------------------------------------
    def get(self, run_id: str) -> RunHandle | None:
        """The active run with this id, if it is active."""
        return self._active.get(run_id)

    def active_count(self, client_id: str | None = None) -> int:
        """Active runs in all, or of one client."""
        if client_id is None:
            return len(self._active)
        return sum(1 for h in self._active.values() if h.client_id == client_id)

    def queued_count(self) -> int:
        """Runs waiting for a worker."""
        return len(self._queue)

    def overlay(self, row: RunRow) -> RunRow:
        """The row with its newest values laid over it: uncommitted updates, then an active run's own."""
        handle = self._active.get(row.id)
        newer = self.writer.pending_patch(row.id)
        if handle is not None:
            newer.update(handle.values)
        for key, value in newer.items():
            setattr(row, key, value)
        return row

    def subscribe(self, run_id: str) -> Subscriber | None:
        """Subscribe to an active run's live events; None when the run is not active."""
        if run_id not in self._active:
            return None
        return self.broadcaster.subscribe(run_id)

    # --- commands ---------------------------------------------------------------------
    async def submit(self, request: RunRequest, *, client_id: str | None) -> RunHandle:
        """Queue a new run; it starts as soon as a worker is free.

        Raises:
            RunLimitError: the client already has ``max_runs_per_client`` active runs,
                or ``max_queued_runs`` runs are waiting.
        """
        limit = self.settings.max_runs_per_client
        if client_id is not None and self.active_count(client_id) >= limit:
            raise RunLimitError(
                f"You already have {limit} active runs (the limit is {limit} per client). "
                "Wait for one to finish, or stop one, then try again."
            )
        if len(self._queue) >= self.settings.max_queued_runs:
            raise RunLimitError(
                f"The queue is full ({self.settings.max_queued_runs} runs are waiting). Try again in a moment."
            )
        run_id = new_id()
        request_json = request.model_dump_json()
        now = time.time()
        handle = RunHandle(id=run_id, request_json=request_json, client_id=client_id)
        self._active[run_id] = handle  # reserved before awaiting, so limits hold under concurrency
        row = RunRow(
            id=run_id,
            name=request.name,
            status="queued",
            dataset=request.dataset.name,
            request_json=request_json,
            created_at=now,
            client_id=client_id,
            epochs=request.training.epochs,
        )
        try:
            await run_in_threadpool(self.store.create_run, row)
        except BaseException:
            del self._active[run_id]
            raise
        if self._stopping:
            del self._active[run_id]
            raise RunConflictError("The server is shutting down.")
        self._queue.append(run_id)
        self._emit_status(handle, "queued", position=len(self._queue))
        self._dispatch()
        return handle

    def control(self, run_id: str, op: ControlOp, value: float | None = None) -> str:
        """Pause, resume, stop, step or change the learning rate of a run; returns its status now.

        Raises:
            RunNotFoundError: when the run is not active (the API checks the database for 404 vs 409).
            RunConflictError: when the run's state does not allow it (e.g. resume a running run).
        """
        handle = self._active.get(run_id)
        if handle is None:
            raise RunNotFoundError(run_id)
        if op == "stop" and handle.is_waiting:
            self._queue.remove(run_id)
            self._emit_status(handle, "stopped", message="Stopped before it started.")
            self._update_positions()
            return "stopped"
        if handle.is_waiting:
            raise RunConflictError(
                f"Run {run_id} is queued (position {handle.position}); it can only be stopped until it starts."
            )
        allowed: dict[str, tuple[str, ...]] = {
            "pause": ("running", "queued"),
            "resume": ("paused",),
            "stop": ("running", "paused", "queued"),
            "step": ("running", "paused", "queued"),
            "learning_rate": ("running", "paused", "queued"),
        }
        if handle.status not in allowed[op]:
            raise RunConflictError(f"Run {run_id} is {handle.status}; cannot {op.replace('_', ' ')} it now.")
        assert handle.worker is not None
        fields: dict[str, object] = {} if value is None else {"value": value}
        handle.worker.send(encode_command(op, run_id, **fields))
        return handle.status

    # --- the event flow ---------------------------------------------------------------
    def _emit_status(self, handle: RunHandle, status: str, **fields: Any) -> None:
        """Record a status event made by the server itself (seq = last + 1)."""
        event = StatusEvent.model_validate(
            {"seq": handle.last_seq + 1, "run_id": handle.id, "time": time.time(), "status": status, **fields}
        )
        self._record(handle, EventMessage(event.seq, "status", event.model_dump_json()), event.model_dump())

    def _record(self, handle: RunHandle, message: EventMessage, data: dict[str, Any] | None = None) -> None:
        """The one path of every event: check seq, update columns, store, publish."""
        if handle.status in TERMINAL_STATES:
            logger.warning("run %s: dropping %s event %d after its final status", handle.id, message.type, message.seq)
            return
        if message.seq <= handle.last_seq:
            logger.warning("run %s: dropping duplicate event seq %d (last %d)", handle.id, message.seq, handle.last_seq)
            return
        if message.seq != handle.last_seq + 1:
            logger.error("run %s: seq jumped from %d to %d", handle.id, handle.last_seq, message.seq)
        handle.last_seq = message.seq
        patch: dict[str, Any] = {"last_seq": message.seq}
        terminal = False
        if message.type in _SCALAR_PATCH_TYPES:
            if data is None:
                data = json.loads(message.payload)
            terminal = self._patch_from(handle, message.type, data, patch)
        handle.values.update(patch)
        self.writer.submit(EventRecord(handle.id, message.seq, message.type, message.payload), patch, urgent=terminal)
        self.broadcaster.publish(handle.id, message.seq, message.type, message.payload)
        if terminal:
            self.broadcaster.end(handle.id)
            del self._active[handle.id]

    @staticmethod
    def _patch_from(handle: RunHandle, event_type: str, data: dict[str, Any], patch: dict[str, Any]) -> bool:
        """Fill ``patch`` with the run columns this event changes; True for a final status."""
        if event_type == "status":
            status = str(data["status"])
            handle.status = status
            handle.position = data.get("position") if status == "queued" else None
            patch["status"] = status
            patch["position"] = handle.position
            if status == "running" and handle.values.get("started_at") is None:
                patch["started_at"] = data["time"]
            if status in TERMINAL_STATES:
                patch["finished_at"] = data["time"]
                if status in ("failed", "interrupted"):
                    patch["error"] = {k: data.get(k) for k in ("code", "message", "hint", "node_id")}
                return True
        elif event_type == "epoch":
            patch["latest"] = {"epoch": data.get("epoch"), "train": data.get("train"), "val": data.get("val")}
        elif event_type == "evaluation":
            patch["final"] = data.get("metrics")
        return False

    def _dispatch(self) -> None:
        """Hand queued runs to idle workers, in order."""
        if self._stopping:
            return
        moved = False
        while self._queue:
            worker = self.pool.idle_worker()
            if worker is None:
                break
            run_id = self._queue.popleft()
            handle = self._active[run_id]
            handle.worker = worker
            worker.run_id = run_id
            worker.send(
                encode_command("run", run_id, request=handle.request_json, first_seq=handle.last_seq + 1)
            )  # a dead worker is noticed by its sentinel, which fails the run
            moved = True
        if moved:
            self._update_positions()

    def _update_positions(self) -> None:
        """Tell every waiting run its new place in the queue (1 = next)."""
        for position, run_id in enumerate(self._queue, start=1):
            handle = self._active[run_id]
            if handle.position != position:
                self._emit_status(handle, "queued", position=position)

    # --- pool callbacks ---------------------------------------------------------------
    def _on_ready(self, worker: WorkerHandle) -> None:
        self._dispatch()

    def _on_event(self, worker: WorkerHandle, message: EventMessage) -> None:
        handle = self._active.get(worker.run_id or "")
        if handle is None or handle.worker is not worker:
            logger.debug("worker %s: dropping %s event of an inactive run", worker.pid, message.type)
            return
        self._record(handle, message)

    def _on_done(self, worker: WorkerHandle, run_id: str) -> None:
        handle = self._active.get(run_id)
        if handle is not None and handle.worker is worker:
            logger.error("run %s: the job returned without a final status", run_id)
            self._emit_status(
                handle,
                "failed",
                code="internal_error",
                message="The run ended without reporting a final status.",
                hint=f"See the server log for run {run_id}.",
            )
        worker.run_id = None
        self._dispatch()

    def _on_exit(self, worker: WorkerHandle, exitcode: int | None) -> None:
        run_id = worker.run_id
        worker.run_id = None
        handle = self._active.get(run_id or "")
        if handle is None or handle.worker is not worker:
            return
        how = describe_exit(exitcode)
        logger.error("run %s: worker process %s %s", handle.id, worker.pid, how)
        self._emit_status(
            handle,
            "failed",
            code="worker_crashed",
            message=f"The worker process running this run died ({how}).",
            hint=(
                "This usually means it ran out of memory or crashed inside native code: try a smaller "
                "batch size or model. Other runs and the server are not affected."
            ),
        )
