"""EventWriter: nothing is reported before it is committed, and a failing store loses nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any, cast

from layerlab.storage.store import EventRecord, RunStore
from layerlab.storage.writer import EventWriter


class _FlakyStore:
    """Refuses every batch while ``failing`` is set ("database or disk is full"), then accepts them."""

    def __init__(self) -> None:
        self.failing = threading.Event()
        self.attempts = 0
        self.batches: list[tuple[list[EventRecord], dict[str, dict[str, Any]]]] = []

    def write_batch(self, records: list[EventRecord], patches: dict[str, dict[str, Any]]) -> None:
        self.attempts += 1
        if self.failing.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        self.batches.append((list(records), {k: dict(v) for k, v in patches.items()}))


def _record(seq: int) -> EventRecord:
    return EventRecord("r1", seq, "step", f'{{"seq":{seq}}}')


def _wait(predicate: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_failing_store_keeps_every_event_in_order_and_reports_it() -> None:
    store = _FlakyStore()
    reported: list[int] = []
    writer = EventWriter(
        cast(RunStore, store),
        group_commit_s=0.001,
        retry_initial_s=0.01,
        retry_max_s=0.05,
        on_committed=lambda records, _patches: reported.extend(r.seq for r in records),
    )
    writer.start()
    try:
        writer.submit(_record(1), {"last_seq": 1, "status": "running"})
        assert writer.flush(5) and reported == [1]
        store.failing.set()
        for seq in range(2, 6):
            writer.submit(_record(seq), {"last_seq": seq})
        assert _wait(lambda: store.attempts >= 4)  # retried with back-off, not given up
        health = writer.health()
        assert not health.is_ok and health.failing_since is not None
        assert health.error == "OperationalError: database or disk is full" and health.pending == 4
        assert not writer.flush(0.3)  # nothing counts as written while it is not
        assert reported == [1]  # and nothing is reported (so nothing reaches a client)
        writer.submit(_record(6), {"last_seq": 6, "status": "completed"})
        store.failing.clear()
        assert writer.flush(5)
        assert reported == [1, 2, 3, 4, 5, 6]
        written = [r.seq for records, _ in store.batches for r in records]
        assert written == [1, 2, 3, 4, 5, 6]  # each once, in order
        assert store.batches[-1][1]["r1"] == {"last_seq": 6, "status": "completed"}  # newer patch values win
        assert writer.health().is_ok and writer.health().pending == 0
    finally:
        store.failing.clear()
        writer.stop()


def test_stop_retries_until_its_timeout_then_says_what_was_lost() -> None:
    store = _FlakyStore()
    store.failing.set()
    writer = EventWriter(cast(RunStore, store), group_commit_s=0.0, retry_initial_s=0.01, retry_max_s=0.02)
    writer.start()
    writer.submit(_record(1))
    assert _wait(lambda: store.attempts >= 1)
    started = time.monotonic()
    attempts = store.attempts
    assert writer.stop(timeout_s=0.3) is False
    assert 0.2 <= time.monotonic() - started < 3
    assert 3 <= store.attempts - attempts <= 40  # retried, with its back-off (0.02 s), not in a busy loop


def test_stop_commits_what_is_left_when_the_store_works() -> None:
    store = _FlakyStore()
    writer = EventWriter(cast(RunStore, store), group_commit_s=0.5)
    writer.start()
    for seq in range(1, 4):
        writer.submit(_record(seq))
    assert writer.stop(timeout_s=5) is True
    assert [r.seq for records, _ in store.batches for r in records] == [1, 2, 3]
