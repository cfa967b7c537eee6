"""EventWriter: a thread that commits events and run updates in small groups, then says so.

Durable before visible: nothing a client can see comes from memory. The event loop hands
every event to :meth:`EventWriter.submit` (a list append under a lock, never a wait on the
database); the thread wakes, gathers what arrives within ``group_commit_s`` (a few
milliseconds), commits it in one transaction, and only then hands the committed batch to
``on_committed`` (the runner publishes it to websockets from there). Commits start at most
every ``commit_interval_s``: an event after a quiet spell waits only ``group_commit_s``,
while a busy stream is committed in groups of that much time, so a fast run costs the
server a few dozen commits a second, not one per event. So a server killed at
any moment has every event any client saw, and ``seq`` numbers are never reused.

When a commit fails the batch stays in memory, ahead of anything newer, and is retried with
a growing back-off (``retry_initial_s`` doubling up to ``retry_max_s``) for as long as the
process lives: nothing recorded is dropped. :meth:`health` says since when storage has been
failing and why, so the server can report it (``GET /api/health`` answers ``degraded``) and
end the runs it affects.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from layerlab.storage.store import EventRecord, RunStore

__all__ = ["EventWriter", "OnCommitted", "StorageHealth"]

logger = logging.getLogger(__name__)

#: Called on the writer thread after each commit with the records and run patches it held.
OnCommitted = Callable[[list[EventRecord], dict[str, dict[str, Any]]], None]


@dataclass(frozen=True)
class StorageHealth:
    """The writer's view of storage: ``failing_since`` (monotonic seconds) is None while writes succeed."""

    failing_since: float | None = None
    error: str | None = None
    attempts: int = 0
    pending: int = 0

    @property
    def is_ok(self) -> bool:
        """True while the last write (if any) succeeded."""
        return self.failing_since is None


def _describe(exc: BaseException) -> str:
    """The first line of an exception, for people: ``OperationalError: database or disk is full``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    # SQLAlchemy wraps the driver's error as "(sqlite3.OperationalError) database is locked".
    if text.startswith("(") and ") " in text:
        text = text.split(") ", 1)[1]
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


class EventWriter:
    """Group-commits events off the event loop (see the module docstring)."""

    def __init__(
        self,
        store: RunStore,
        *,
        group_commit_s: float = 0.003,
        commit_interval_s: float = 0.02,
        retry_initial_s: float = 0.05,
        retry_max_s: float = 2.0,
        on_committed: OnCommitted | None = None,
    ) -> None:
        self.store = store
        self.group_commit_s = group_commit_s
        self.commit_interval_s = commit_interval_s
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.on_committed = on_committed
        self._lock = threading.Lock()
        self._written_cond = threading.Condition(self._lock)
        self._records: list[EventRecord] = []
        self._patches: dict[str, dict[str, Any]] = {}
        self._submitted = 0
        self._written = 0
        self._wake = threading.Event()  # set by submit(): there is something to write
        self._stop_wake = threading.Event()  # set by stop(): cuts a back-off short
        self._stopping = False
        self._stop_deadline = 0.0
        self._thread: threading.Thread | None = None
        self._health = StorageHealth()

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        assert self._thread is None, "writer already started"
        self._thread = threading.Thread(target=self._loop, name="layerlab-event-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Commit everything still held (retrying for up to ``timeout_s``), then end the thread.

        Returns False when storage kept failing and something could not be committed
        (it is logged with how many events were lost: the process is going away).
        """
        with self._lock:
            self._stopping = True
            self._stop_deadline = time.monotonic() + timeout_s
        self._wake.set()
        self._stop_wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s + 1.0)
            self._thread = None
        with self._lock:
            left = len(self._records)
        if left:
            logger.error("the event writer stopped with %d events it could not commit", left)
        return left == 0

    # --- called from the event loop ---------------------------------------------------
    def submit(self, record: EventRecord | None, patch: Mapping[str, Any] | None = None) -> None:
        """Queue an event and/or an update of its run's columns; never blocks on the database.

        A patch without a record names its run with an ``id`` key.
        """
        with self._lock:
            if record is not None:
                self._records.append(record)
            if patch:
                key = record.run_id if record is not None else str(patch["id"])
                self._patches.setdefault(key, {}).update({k: v for k, v in patch.items() if k != "id"})
            self._submitted += 1
        self._wake.set()

    def health(self) -> StorageHealth:
        """Whether storage accepts writes now, and how much waits to be committed."""
        with self._lock:
            health = self._health
            pending = len(self._records)
        return StorageHealth(health.failing_since, health.error, health.attempts, pending)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Block until everything submitted before this call is committed; False on timeout.

        False also while storage is failing (nothing is ever counted as written unless it was).
        """
        with self._lock:
            target = self._submitted
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        with self._written_cond:
            while self._written < target:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return self._written >= target
                self._written_cond.wait(left)
        return True

    # --- the thread -------------------------------------------------------------------
    def _loop(self) -> None:
        delay = 0.0  # the back-off while storage fails; 0 while it works
        last_commit = float("-inf")  # when the last commit started (monotonic)
        while True:
            if delay:
                # New events don't cut a back-off short; stop() cuts the one under way (once: the
                # back-offs after it are waited out, so a failing store is not retried in a busy loop).
                if self._stop_wake.wait(delay):
                    self._stop_wake.clear()
            else:
                self._wake.wait()
                # Group commit: gather what arrives in the next few ms, and start commits no closer together
                # than commit_interval_s (stop() cuts the wait short).
                wait_s = max(self.group_commit_s, last_commit + self.commit_interval_s - time.monotonic())
                if wait_s > 0 and self._stop_wake.wait(wait_s):
                    self._stop_wake.clear()
            self._wake.clear()
            with self._lock:
                records, patches = self._records, self._patches
                self._records, self._patches = [], {}
                count = self._submitted
                stopping, deadline = self._stopping, self._stop_deadline
            if records or patches:
                last_commit = time.monotonic()
                error = self._write(records, patches)
                if error is not None:
                    self._put_back(records, patches, error)
                    if stopping and time.monotonic() >= deadline:
                        return
                    delay = min(self.retry_max_s, max(self.retry_initial_s, delay * 2))
                    continue
                delay = 0.0
                if self.on_committed is not None:
                    try:
                        self.on_committed(records, patches)
                    except Exception:
                        logger.exception("the commit callback failed")
            with self._written_cond:
                self._written = count
                self._written_cond.notify_all()
            if stopping:
                with self._lock:
                    if not self._records and not self._patches:
                        return

    def _write(self, records: list[EventRecord], patches: dict[str, dict[str, Any]]) -> BaseException | None:
        """Commit one batch; the exception when it failed."""
        try:
            self.store.write_batch(records, patches)
        except Exception as exc:
            return exc
        with self._lock:
            if self._health.failing_since is not None:
                down = time.monotonic() - self._health.failing_since
                logger.warning("storage works again after %.1f s; %d events committed", down, len(records))
            self._health = StorageHealth()
        return None

    def _put_back(self, records: list[EventRecord], patches: dict[str, dict[str, Any]], error: BaseException) -> None:
        """Return a failed batch to the front of the queue (older than anything submitted since)."""
        with self._lock:
            self._records[:0] = records
            for run_id, patch in patches.items():
                newer = self._patches.get(run_id, {})
                self._patches[run_id] = {**patch, **newer}
            health = self._health
            failing_since = health.failing_since if health.failing_since is not None else time.monotonic()
            self._health = StorageHealth(failing_since, _describe(error), health.attempts + 1)
            attempts = self._health.attempts
        if attempts == 1 or attempts % 20 == 0:
            logger.error(
                "storage write failed (attempt %d, %d events held in memory): %s",
                attempts,
                len(records),
                _describe(error),
                exc_info=error if attempts == 1 else None,
            )
