"""Runner: the queue of runs, their dispatch to worker processes, the flow of their events, the watchdog.

One :class:`Runner` per server, used from the event loop only. A run's life::

    submit()  → row inserted, status queued (position n)   ← server-made events
    dispatch  → a warm worker gets the run (first_seq = last_seq + 1)
    worker    → status running, step, epoch, …, final status  ← the engine's events
    done      → the worker is idle again; the next queued run starts

Every event — the engine's and the few the server makes itself (queued positions,
``stopped`` for a queued run or a run over a time limit, ``failed`` when a worker dies or
hangs or storage fails, ``interrupted`` at shutdown) — goes through :meth:`Runner._record`,
which checks seq continuity, works out the run's new columns and hands both to the
:class:`~layerlab.storage.writer.EventWriter`. Nothing is published from there: the writer
calls back once a batch is committed and only then does :meth:`Runner._on_committed` pass
its events to the :class:`~layerlab.runs.broadcast.Broadcaster`. A run stays known here
(its websocket subscribers keep waiting) until its final status is committed.

The watchdog (:meth:`Runner._watch`, a few times a second) ends what would otherwise hang:

* a worker that sent nothing (not even its heartbeat) for ``worker_heartbeat_timeout_s`` is
  killed and its run fails ``worker_unresponsive``;
* a stop that has not taken effect after ``stop_grace_s`` (a long batch, a download, the
  test evaluation) ends the worker: the run is ``stopped`` all the same;
* a run running longer than ``max_run_s`` or paused longer than ``max_pause_s`` is
  ``stopped`` with the reason;
* when storage has been failing for ``storage_failure_timeout_s``, every active run ends
  ``failed`` with code ``storage_error`` (its events stay in memory and are committed when
  storage works again) and no new run starts until then.

The server never renumbers an event.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from layerlab.storage.writer import EventWriter, StorageHealth
from layerlab.training.events import TERMINAL_STATES, StatusEvent
from layerlab.training.request import RunRequest

__all__ = [
    "RunConflictError",
    "RunHandle",
    "RunLimitError",
    "RunNotFoundError",
    "Runner",
    "STORAGE_ERROR_HINT",
    "interrupt_unfinished",
]

logger = logging.getLogger(__name__)

_SCALAR_PATCH_TYPES = frozenset({"status", "epoch", "evaluation"})
#: How often the watchdog looks (seconds).
WATCH_INTERVAL_S = 0.2
#: How long a worker that never sent anything yet may take to start (imports, warm-up).
WORKER_START_ALLOWANCE_S = 60.0
STORAGE_ERROR_HINT = (
    "The server's database refused to save (a full disk or a locked database?). Its history up to the "
    "problem is kept in memory and saved once storage works again; free the disk or the database, then "
    "start the run again."
)


class RunNotFoundError(LookupError):
    """No run has this id (HTTP 404)."""


class RunConflictError(Exception):
    """The run is in a state where this is not possible (HTTP 409)."""


class RunLimitError(Exception):
    """Too many active runs for this client, or the queue is full (HTTP 429)."""


@dataclass(eq=False)
class RunHandle:
    """A run the server tracks: active, or ended with its final status not yet committed."""

    id: str
    request_json: str
    client_id: str | None
    status: str = "queued"
    last_seq: int = 0
    position: int | None = None
    worker: WorkerHandle | None = None
    #: The final status is recorded (maybe not committed yet): no more events are accepted.
    ended: bool = False
    final_seq: int | None = None
    #: The highest seq known to be committed (published to subscribers).
    committed_seq: int = 0
    #: ``time.monotonic()`` when it started running / when it was paused (None while not).
    running_since: float | None = None
    paused_since: float | None = None
    #: Run columns shown although not committed: only the failure that storage itself caused.
    visible: dict[str, Any] = field(default_factory=dict)

    @property
    def is_waiting(self) -> bool:
        """Queued and not yet handed to a worker."""
        return self.status == "queued" and self.worker is None and not self.ended


def interrupt_unfinished(store: RunStore) -> list[str]:
    """Mark runs left queued/running/paused by a previous server as ``interrupted``.

    Appends a final ``status: interrupted`` event (seq = last committed + 1: every event a
    client could have seen was committed, so no seq is reused) to each, so their history
    stays whole and their stream ends. Returns the ids. Blocking.
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
    """Queue, workers, event flow and watchdog of every active run (see the module docstring)."""

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
        self._handles: dict[str, RunHandle] = {}
        self._queue: deque[str] = deque()
        self._waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = {}
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._storage_failing = False
        writer.on_committed = self._committed_from_writer
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
        """Start the warm worker pool (waits until the workers have imported torch) and the watchdog."""
        self._loop = asyncio.get_running_loop()
        self._watchdog = asyncio.create_task(self._watch(), name="layerlab-watchdog")
        await self.pool.start()

    async def stop(self) -> None:
        """Stop the watchdog and the workers; active runs end ``interrupted`` (their history is kept)."""
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.pool.stop()
        for handle in list(self._handles.values()):
            if not handle.ended:
                self._emit_status(
                    handle,
                    "interrupted",
                    message="The server stopped while this run was active.",
                    hint="Start the run again; its history up to this point is kept.",
                )
        self._queue.clear()

    # --- queries ----------------------------------------------------------------------
    def get(self, run_id: str) -> RunHandle | None:
        """The run with this id, if it is active (queued, running or paused)."""
        handle = self._handles.get(run_id)
        return handle if handle is not None and not handle.ended else None

    def active_count(self, client_id: str | None = None) -> int:
        """Active runs in all, or of one client."""
        return sum(1 for h in self._handles.values() if not h.ended and (client_id is None or h.client_id == client_id))

    def queued_count(self) -> int:
        """Runs waiting for a worker."""
        return len(self._queue)

    def storage_health(self) -> StorageHealth:
        """Whether storage accepts writes (the writer's view)."""
        return self.writer.health()

    def overlay(self, row: RunRow) -> RunRow:
        """The row with what the server knows but storage could not save yet (a storage failure) laid over it."""
        handle = self._handles.get(row.id)
        if handle is not None:
            for key, value in handle.visible.items():
                setattr(row, key, value)
        return row

    def subscribe(self, run_id: str) -> Subscriber | None:
        """Subscribe to a run's events as they are committed; None when its stream has ended."""
        if run_id not in self._handles:
            return None
        return self.broadcaster.subscribe(run_id)

    async def settle(self, run_id: str, timeout_s: float = 5.0) -> bool:
        """Wait until every event recorded so far for ``run_id`` is committed; False on timeout.

        Lets a control answer only once its effect can be read back (``GET /api/runs/{id}``).
        """
        handle = self._handles.get(run_id)
        if handle is None or handle.committed_seq >= handle.last_seq:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(run_id, []).append((handle.last_seq, future))
        try:
            await asyncio.wait_for(future, timeout_s)
            return True
        except TimeoutError:
            return False

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
        self._handles[run_id] = handle  # reserved before awaiting, so limits hold under concurrency
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
            del self._handles[run_id]
            raise
        if self._stopping:
            del self._handles[run_id]
            raise RunConflictError("The server is shutting down.")
        self._queue.append(run_id)
        self._emit_status(handle, "queued", position=len(self._queue))
        self._dispatch()
        await self.settle(run_id)  # answer once the run reads back as queued (durable before visible)
        return handle

    def control(self, run_id: str, op: ControlOp, value: float | dict[str, object] | None = None) -> str:
        """Pause, resume, stop, step, change the learning rate, the probe sample or the sampling settings of a run;
        returns its status now.

        A stop reaches the engine between batches; if it has not taken effect after
        ``stop_grace_s`` (a long batch, a download, the evaluation) the watchdog ends the worker.

        Raises:
            RunNotFoundError: when the run is not active (the API checks the database for 404 vs 409).
            RunConflictError: when the run's state does not allow it (e.g. resume a running run).
        """
        handle = self.get(run_id)
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
            "probe": ("running", "paused"),
            "sampling": ("running", "paused"),
        }
        if handle.status not in allowed[op]:
            changes = {"probe": "change its probe sample", "sampling": "change its text samples"}
            what = changes.get(op, f"{op.replace('_', ' ')} it")
            raise RunConflictError(f"Run {run_id} is {handle.status}; cannot {what} now.")
        if op == "stop":
            self._stop_on_worker(
                handle,
                {
                    "status": "stopped",
                    "message": "Stopped by the user. It was inside a long step, so its worker process was ended.",
                },
            )
            return handle.status
        assert handle.worker is not None
        fields: dict[str, object] = {} if value is None else {"value": value}
        handle.worker.send(encode_command(op, run_id, **fields))
        return handle.status

    def end_run(self, handle: RunHandle, status: str, **fields: Any) -> None:
        """End an active run from the server's side: record its final status now, then stop its worker.

        Used for time limits, storage failures and unresponsive workers; whatever the worker
        still sends for the run is dropped (its final status is already recorded).
        """
        if handle.ended:
            return
        if handle.is_waiting:
            self._queue.remove(handle.id)
            self._update_positions()
        self._emit_status(handle, status, **fields)
        self._stop_on_worker(handle, None)

    def _stop_on_worker(self, handle: RunHandle, fallback: dict[str, Any] | None) -> None:
        """Ask the run's worker to stop; the watchdog ends the worker if it has not after ``stop_grace_s``.

        ``fallback`` is the final status recorded if the worker has to be ended before it sent its own.
        """
        worker = handle.worker
        if worker is None or worker.run_id != handle.id:
            return
        worker.send(encode_command("stop", handle.id))
        if worker.finish_by is None:
            worker.finish_by = time.monotonic() + self.settings.stop_grace_s
            worker.fallback_status = fallback

    # --- the event flow ---------------------------------------------------------------
    def _emit_status(self, handle: RunHandle, status: str, **fields: Any) -> None:
        """Record a status event made by the server itself (seq = last + 1)."""
        event = StatusEvent.model_validate(
            {"seq": handle.last_seq + 1, "run_id": handle.id, "time": time.time(), "status": status, **fields}
        )
        self._record(handle, EventMessage(event.seq, "status", event.model_dump_json()), event.model_dump())

    def _record(self, handle: RunHandle, message: EventMessage, data: dict[str, Any] | None = None) -> None:
        """The one path of every event: check seq, work out the run's columns, hand both to the writer."""
        if handle.ended:
            logger.info("run %s: dropping %s event %d after its final status", handle.id, message.type, message.seq)
            return
        if message.seq <= handle.last_seq:
            logger.warning("run %s: dropping duplicate event seq %d (last %d)", handle.id, message.seq, handle.last_seq)
            return
        if message.seq != handle.last_seq + 1:
            logger.error("run %s: seq jumped from %d to %d", handle.id, handle.last_seq, message.seq)
        handle.last_seq = message.seq
        patch: dict[str, Any] = {"last_seq": message.seq}
        if message.type in _SCALAR_PATCH_TYPES:
            if data is None:
                data = json.loads(message.payload)
            if self._patch_from(handle, message.type, data, patch):
                handle.ended, handle.final_seq = True, message.seq
        self.writer.submit(EventRecord(handle.id, message.seq, message.type, message.payload), patch)

    @staticmethod
    def _patch_from(handle: RunHandle, event_type: str, data: dict[str, Any], patch: dict[str, Any]) -> bool:
        """Fill ``patch`` with the run columns this event changes; True for a final status."""
        if event_type == "status":
            status = str(data["status"])
            handle.status = status
            handle.position = data.get("position") if status == "queued" else None
            patch["status"] = status
            patch["position"] = handle.position
            now = time.monotonic()
            if status == "running":
                if handle.running_since is None:
                    handle.running_since = now
                    patch["started_at"] = data["time"]
                handle.paused_since = None
            elif status == "paused" and handle.paused_since is None:
                handle.paused_since = now
            if status in TERMINAL_STATES:
                patch["finished_at"] = data["time"]
                if status in ("failed", "interrupted") or data.get("code"):
                    patch["error"] = {k: data.get(k) for k in ("code", "message", "hint", "node_id")}
                return True
        elif event_type == "epoch":
            patch["latest"] = {"epoch": data.get("epoch"), "train": data.get("train"), "val": data.get("val")}
        elif event_type == "evaluation":
            patch["final"] = data.get("metrics")
        return False

    def _committed_from_writer(self, records: list[EventRecord], _patches: dict[str, dict[str, Any]]) -> None:
        """Writer thread: a batch is committed; publish it on the event loop."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is gone
            loop.call_soon_threadsafe(self._on_committed, records)

    def _on_committed(self, records: list[EventRecord]) -> None:
        """Publish committed events; end the streams whose final status is among them."""
        ended: set[str] = set()
        for record in records:
            self.broadcaster.publish(record.run_id, record.seq, record.type, record.payload)
            handle = self._handles.get(record.run_id)
            if handle is not None:
                handle.committed_seq = max(handle.committed_seq, record.seq)
                if handle.final_seq == record.seq:
                    ended.add(record.run_id)
        for run_id in {r.run_id for r in records} & set(self._waiters):
            last = max(r.seq for r in records if r.run_id == run_id)
            waiting = self._waiters.pop(run_id)
            keep = []
            for seq, future in waiting:
                if seq <= last or run_id in ended:
                    if not future.done():
                        future.set_result(None)
                else:
                    keep.append((seq, future))
            if keep:
                self._waiters[run_id] = keep
        for run_id in ended:
            self.broadcaster.end(run_id)
            del self._handles[run_id]

    def _dispatch(self) -> None:
        """Hand queued runs to idle workers, in order (not while storage is failing)."""
        if self._stopping or not self.writer.health().is_ok:
            return
        moved = False
        while self._queue:
            worker = self.pool.idle_worker()
            if worker is None:
                break
            run_id = self._queue.popleft()
            handle = self._handles[run_id]
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
            handle = self._handles[run_id]
            if handle.position != position:
                self._emit_status(handle, "queued", position=position)

    # --- the watchdog -----------------------------------------------------------------
    async def _watch(self) -> None:
        """Every :data:`WATCH_INTERVAL_S`: hung workers, overdue stops, time limits, storage (module docstring)."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            try:
                self._check_workers(time.monotonic())
                self._check_limits(time.monotonic())
                self._check_storage(time.monotonic())
            except Exception:
                logger.exception("the watchdog failed (it keeps watching)")

    def _check_workers(self, now: float) -> None:
        timeout = self.settings.worker_heartbeat_timeout_s
        for worker in self.pool.live_workers():
            handle = self._handles.get(worker.run_id) if worker.run_id is not None else None
            if worker.finish_by is not None and now >= worker.finish_by:
                logger.warning("worker %s did not finish run %s in time; ending it", worker.pid, worker.run_id)
                fallback = worker.fallback_status
                self.pool.kill(worker)
                if handle is not None and not handle.ended and handle.worker is worker:
                    fields = dict(fallback or {})
                    self._emit_status(handle, str(fields.pop("status", "stopped")), **fields)
                continue
            allowance = timeout if worker.has_spoken else max(timeout, WORKER_START_ALLOWANCE_S)
            if now - worker.last_seen > allowance:
                silent = now - worker.last_seen
                logger.error("worker %s sent nothing for %.1f s; ending it", worker.pid, silent)
                self.pool.kill(worker)
                if handle is not None and not handle.ended and handle.worker is worker:
                    self._emit_status(
                        handle,
                        "failed",
                        code="worker_unresponsive",
                        message=f"The worker process running this run stopped responding (nothing for {silent:.0f} s).",
                        hint="It was ended and replaced. Start the run again; if it happens again, try a smaller model or batch.",
                    )

    def _check_limits(self, now: float) -> None:
        max_run_s, max_pause_s = self.settings.max_run_s, self.settings.max_pause_s
        for handle in list(self._handles.values()):
            if handle.ended or handle.worker is None:
                continue
            if max_run_s and handle.running_since is not None and now - handle.running_since > max_run_s:
                self.end_run(
                    handle,
                    "stopped",
                    code="run_time_limit",
                    message=f"Stopped: it ran longer than this server's limit of {_duration(max_run_s)}.",
                    hint="Train for fewer epochs, or ask whoever runs the server to raise LAYERLAB_MAX_RUN_S.",
                )
            elif max_pause_s and handle.paused_since is not None and now - handle.paused_since > max_pause_s:
                self.end_run(
                    handle,
                    "stopped",
                    code="pause_time_limit",
                    message=f"Stopped: it stayed paused longer than this server's limit of {_duration(max_pause_s)}.",
                    hint="A paused run holds a training slot; start it again when you are ready.",
                )

    def _check_storage(self, now: float) -> None:
        health = self.writer.health()
        if health.is_ok:
            if self._storage_failing:
                self._storage_failing = False
                self._dispatch()  # queued runs waited while storage failed
            return
        self._storage_failing = True
        assert health.failing_since is not None
        if now - health.failing_since < self.settings.storage_failure_timeout_s:
            return
        for handle in list(self._handles.values()):
            if handle.ended:
                continue
            message = f"The server could not save this run's events ({health.error})."
            logger.error(
                "run %s: ending it, storage has been failing for %.0f s", handle.id, now - health.failing_since
            )
            self.end_run(handle, "failed", code="storage_error", message=message, hint=STORAGE_ERROR_HINT)
            handle.visible = {
                "status": "failed",
                "position": None,
                "finished_at": time.time(),
                "error": {"code": "storage_error", "message": message, "hint": STORAGE_ERROR_HINT, "node_id": None},
            }

    # --- pool callbacks ---------------------------------------------------------------
    def _on_ready(self, worker: WorkerHandle) -> None:
        self._dispatch()

    def _on_event(self, worker: WorkerHandle, message: EventMessage) -> None:
        handle = self._handles.get(worker.run_id or "")
        if handle is None or handle.worker is not worker:
            logger.debug("worker %s: dropping %s event of an inactive run", worker.pid, message.type)
            return
        self._record(handle, message)

    def _on_done(self, worker: WorkerHandle, run_id: str) -> None:
        handle = self._handles.get(run_id)
        if handle is not None and handle.worker is worker and not handle.ended:
            logger.error("run %s: the job returned without a final status", run_id)
            self._emit_status(
                handle,
                "failed",
                code="internal_error",
                message="The run ended without reporting a final status.",
                hint=f"See the server log for run {run_id}.",
            )
        worker.run_id = None
        worker.finish_by, worker.fallback_status = None, None
        self._dispatch()

    def _on_exit(self, worker: WorkerHandle, exitcode: int | None) -> None:
        run_id = worker.run_id
        worker.run_id = None
        handle = self._handles.get(run_id or "")
        if handle is None or handle.worker is not worker or handle.ended:
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


def _duration(seconds: float) -> str:
    """``90`` → ``"1 min 30 s"``, ``7200`` → ``"2 h"``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if secs and not hours:
        parts.append(f"{secs} s")
    return " ".join(parts)
