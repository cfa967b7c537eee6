"""EventWriter: uncommitted run updates stay visible to readers until their batch is committed."""

from __future__ import annotations

import threading
from typing import Any, cast

from layerlab.storage.store import EventRecord, RunStore
from layerlab.storage.writer import EventWriter


class _SlowStore:
    """Holds every batch until ``release`` is set, like a database under load."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.writing = threading.Event()
        self.batches: list[tuple[list[EventRecord], dict[str, dict[str, Any]]]] = []

    def write_batch(self, records: list[EventRecord], patches: dict[str, dict[str, Any]]) -> None:
        self.writing.set()
        assert self.release.wait(10)
        self.batches.append((records, patches))


def test_pending_patch_covers_queued_and_in_flight_updates_until_committed() -> None:
    store = _SlowStore()
    writer = EventWriter(cast(RunStore, store), flush_interval_s=0.01)
    writer.submit(None, {"id": "r1", "status": "queued", "position": 1})
    assert writer.pending_patch("r1") == {"status": "queued", "position": 1}  # queued, not yet written
    writer.start()
    try:
        assert store.writing.wait(5)  # the batch is being written now
        writer.submit(EventRecord("r1", 2, "status", "{}"), {"status": "stopped", "last_seq": 2}, urgent=True)
        assert writer.pending_patch("r1") == {"status": "stopped", "position": 1, "last_seq": 2}
        assert writer.pending_patch("other") == {}
        store.release.set()
        assert writer.flush(timeout_s=5)
        assert writer.pending_patch("r1") == {}
        assert [patches["r1"]["status"] for _, patches in store.batches] == ["queued", "stopped"]
    finally:
        store.release.set()
        writer.stop()
