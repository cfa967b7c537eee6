"""Retention of finished runs (SQLite and PostgreSQL): by age, by count, in bounded batches, never an active run."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import event

from layerlab.storage.retention import SETTLE_S, RetentionPolicy, keep_pruned, prune_finished_runs
from layerlab.storage.store import EventRecord, RunRow, RunStore

NOW = 1_000_000.0
DAY = 86_400.0


def _run(store: RunStore, run_id: str, status: str, finished_at: float | None, events: int = 3) -> None:
    created = (finished_at or NOW) - 10
    store.create_run(
        RunRow(
            id=run_id, status=status, dataset="circle", request_json="{}", created_at=created, finished_at=finished_at
        )
    )
    store.insert_events(
        EventRecord(run_id, seq, "step", json.dumps({"seq": seq, "run_id": run_id})) for seq in range(1, events + 1)
    )


def _ids(store: RunStore) -> set[str]:
    return {row.id for row in store.list_runs()}


def test_runs_older_than_the_age_limit_go_with_their_events(store: RunStore) -> None:
    _run(store, "old", "completed", NOW - 10 * DAY, events=50)
    _run(store, "old_failed", "failed", NOW - 8 * DAY)
    _run(store, "recent", "completed", NOW - 1 * DAY)
    _run(store, "running", "running", None)
    _run(store, "queued_long_ago", "queued", None)
    assert prune_finished_runs(store, RetentionPolicy(max_age_s=7 * DAY), now=NOW, events_per_batch=7) == 2
    assert _ids(store) == {"recent", "running", "queued_long_ago"}
    assert store.events_after("old") == [] and store.max_seq("recent") == 3


def test_at_most_max_runs_finished_runs_are_kept_newest_first(store: RunStore) -> None:
    for i in range(6):
        _run(store, f"r{i}", "stopped" if i % 2 else "completed", NOW - 1000 + i * 100)
    _run(store, "paused", "paused", None)
    assert prune_finished_runs(store, RetentionPolicy(max_runs=2), now=NOW, runs_per_batch=1) == 4
    assert _ids(store) == {"r4", "r5", "paused"}
    assert prune_finished_runs(store, RetentionPolicy(max_runs=2), now=NOW) == 0


def test_a_run_that_just_finished_is_kept_until_it_settles(store: RunStore) -> None:
    _run(store, "a", "completed", NOW - 100)
    _run(store, "b", "completed", NOW - SETTLE_S / 2)
    assert prune_finished_runs(store, RetentionPolicy(max_runs=0, max_age_s=1), now=NOW) == 1
    assert _ids(store) == {"b"}


def test_zero_keeps_everything(store: RunStore) -> None:
    _run(store, "ancient", "completed", 1.0)
    assert not RetentionPolicy().is_active
    assert prune_finished_runs(store, RetentionPolicy(), now=NOW) == 0 and _ids(store) == {"ancient"}


def test_events_are_deleted_in_bounded_transactions(store: RunStore) -> None:
    _run(store, "long", "completed", NOW - 10 * DAY, events=100)
    deletes: list[str] = []
    event.listen(
        store.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: deletes.append(statement) if statement.startswith("DELETE") else None,
    )
    assert prune_finished_runs(store, RetentionPolicy(max_age_s=DAY), now=NOW, events_per_batch=30) == 1
    assert sum("FROM events" in statement for statement in deletes) == 5  # 4 batches of 30 seqs, then what is left


def test_keep_pruned_applies_the_policy_until_cancelled(store: RunStore) -> None:
    _run(store, "old", "completed", 1.0)

    async def scenario() -> None:
        task = asyncio.create_task(keep_pruned(store, RetentionPolicy(max_age_s=DAY), interval_s=0.01))
        for _ in range(500):
            if not _ids(store):
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert _ids(store) == set()
