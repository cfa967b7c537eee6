"""EventWriter: a thread that writes events and run updates to the database in batches.

The event loop hands every event to :meth:`EventWriter.submit` (a list append under a
lock: it never waits for the database). The thread commits what has gathered every
``flush_interval_s`` seconds, or at once when an urgent item (a terminal status)
arrives. Until an event is committed it stays in the in-memory tail, so
:meth:`EventWriter.pending_after` plus the database always hold every event ever
submitted: a replay reads the tail first, then the database, and merges by seq.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from layerlab.storage.store import EventRecord, RunStore

__all__ = ["EventWriter"]

logger = logging.getLogger(__name__)

_MAX_ATTEMPTS = 5


class EventWriter:
    """Batches events into the database off the event loop (see the module docstring)."""

    def __init__(self, store: RunStore, flush_interval_s: float = 0.25) -> None:
        self.store = store
        self.flush_interval_s = flush_interval_s
        self._lock = threading.Lock()
        self._written_cond = threading.Condition(self._lock)
        self._records: list[EventRecord] = []
        self._patches: dict[str, dict[str, Any]] = {}
        self._in_flight: dict[str, dict[str, Any]] = {}  # patches being written right now
        self._tail: dict[str, list[tuple[int, str, str]]] = {}
        self._submitted = 0
        self._written = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        assert self._thread is None, "writer already started"
        self._thread = threading.Thread(target=self._loop, name="layerlab-event-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Write everything still buffered, then end the thread."""
        with self._lock:
            self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # --- called from the event loop ---------------------------------------------------
    def submit(
        self, record: EventRecord | None, patch: Mapping[str, Any] | None = None, *, urgent: bool = False
    ) -> None:
        """Queue an event and/or an update of its run's columns; never blocks on the database.

        ``urgent`` (a terminal status) makes the thread write at once instead of at the next tick.
        """
        run_id = record.run_id if record is not None else None
        with self._lock:
            if record is not None:
                self._records.append(record)
                self._tail.setdefault(record.run_id, []).append((record.seq, record.type, record.payload))
            if patch:
                key = run_id if run_id is not None else str(patch["id"])
                self._patches.setdefault(key, {}).update({k: v for k, v in patch.items() if k != "id"})
            self._submitted += 1
        if urgent:
            self._wake.set()

    def pending_after(self, run_id: str, after: int) -> list[tuple[int, str, str]]:
        """``(seq, type, payload)`` of a run's not-yet-committed events with ``seq > after``, in order."""
        with self._lock:
            return [item for item in self._tail.get(run_id, ()) if item[0] > after]

    def pending_patch(self, run_id: str) -> dict[str, Any]:
        """A run's column updates that are not committed yet (being written, then queued), merged.

        Reads lay it over the stored row so they never see a run's older state between the
        moment an event is recorded and the moment its batch is committed.
        """
        with self._lock:
            merged = dict(self._in_flight.get(run_id, {}))
            merged.update(self._patches.get(run_id, {}))
            return merged

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Block until everything submitted before this call is committed; False on timeout."""
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
        while True:
            self._wake.wait(self.flush_interval_s)
            self._wake.clear()
            with self._lock:
                records, self._records = self._records, []
                patches, self._patches = self._patches, {}
                self._in_flight = patches
                count = self._submitted
                stopping = self._stopping
            if records or patches:
                self._write(records, patches)
            with self._written_cond:
                for record in records:
                    tail = self._tail.get(record.run_id)
                    if tail:
                        # Committed events leave the tail (it holds them in seq order).
                        while tail and tail[0][0] <= record.seq:
                            tail.pop(0)
                        if not tail:
                            del self._tail[record.run_id]
                self._in_flight = {}
                self._written = count
                self._written_cond.notify_all()
            if stopping:
                with self._lock:
                    if not self._records and not self._patches:
                        return

    def _write(self, records: list[EventRecord], patches: dict[str, dict[str, Any]]) -> None:
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                self.store.write_batch(records, patches)
                return
            except Exception:
                if attempt == _MAX_ATTEMPTS:
                    logger.exception("dropping %d events after %d failed writes", len(records), attempt)
                    return
                logger.warning("event write failed (attempt %d), retrying", attempt, exc_info=True)
                time.sleep(0.2 * attempt)
