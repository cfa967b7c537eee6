"""Retention of finished runs: delete the old ones and their events, a bounded batch at a time.

A :class:`RetentionPolicy` keeps finished runs (``completed``, ``failed``, ``stopped``,
``interrupted``) for ``max_age_s`` seconds and/or at most ``max_runs`` of them (the
newest by when they finished); 0 turns either rule off. :func:`prune_finished_runs`
applies it once; :func:`keep_pruned` applies it every ``interval_s`` for as long as the
server runs (the lifespan starts it).

Deleting is done in small transactions — a run's events ``events_per_batch`` at a time,
then the run — so the event writer never waits long for the database. ``on_deleted`` is told
each deleted run's id (the server deletes the run's files with it). A run is only
deleted a while (:data:`SETTLE_S`) after it finished, when nothing is left to write for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from starlette.concurrency import run_in_threadpool

from layerlab.storage.store import RunStore
from layerlab.storage.tables import events, runs

__all__ = ["RetentionPolicy", "SETTLE_S", "keep_pruned", "prune_finished_runs"]

logger = logging.getLogger(__name__)

#: Seconds after it finished before a run may be deleted (its last events are written by then).
SETTLE_S = 60.0
_UNFINISHED = ("queued", "running", "paused")


@dataclass(frozen=True)
class RetentionPolicy:
    """How long finished runs are kept: ``max_age_s`` seconds and/or the newest ``max_runs`` (0: no limit)."""

    max_age_s: float = 0.0
    max_runs: int = 0

    @property
    def is_active(self) -> bool:
        """Whether it deletes anything at all."""
        return self.max_age_s > 0 or self.max_runs > 0


def _expired_ids(store: RunStore, policy: RetentionPolicy, now: float, limit: int) -> list[str]:
    """Up to ``limit`` ids of finished runs the policy no longer keeps, oldest first."""
    finished_at = func.coalesce(runs.c.finished_at, runs.c.created_at)
    settled = runs.c.status.notin_(_UNFINISHED) & (finished_at < now - SETTLE_S)
    found: list[str] = []
    with store.engine.connect() as conn:
        if policy.max_age_s > 0:
            query = select(runs.c.id).where(settled, finished_at < now - policy.max_age_s)
            found += conn.execute(query.order_by(finished_at, runs.c.id).limit(limit)).scalars().all()
        if policy.max_runs > 0 and len(found) < limit:
            newest_first = select(runs.c.id).where(runs.c.status.notin_(_UNFINISHED))
            newest_first = newest_first.order_by(finished_at.desc(), runs.c.id.desc())
            beyond = newest_first.offset(policy.max_runs).limit(limit).subquery()
            query = select(runs.c.id).where(settled, runs.c.id.in_(select(beyond.c.id)))
            for run_id in conn.execute(query.order_by(finished_at, runs.c.id)).scalars():
                if run_id not in found:
                    found.append(run_id)
    return found[:limit]


def _delete_run(store: RunStore, run_id: str, events_per_batch: int) -> bool:
    """Delete one finished run's events in batches of seqs, then the run; False if it was not there (or not finished)."""
    with store.engine.connect() as conn:
        top = int(conn.execute(select(func.max(events.c.seq)).where(events.c.run_id == run_id)).scalar() or 0)
    low = 0
    while low < top:
        with store.engine.begin() as conn:
            conn.execute(
                delete(events).where(
                    events.c.run_id == run_id, events.c.seq > low, events.c.seq <= low + events_per_batch
                )
            )
        low += events_per_batch
    with store.engine.begin() as conn:
        conn.execute(delete(events).where(events.c.run_id == run_id))  # any written after the count above
        result = conn.execute(delete(runs).where(runs.c.id == run_id, runs.c.status.notin_(_UNFINISHED)))
    return bool(result.rowcount)


def prune_finished_runs(
    store: RunStore,
    policy: RetentionPolicy,
    *,
    now: float | None = None,
    runs_per_batch: int = 50,
    events_per_batch: int = 20_000,
    on_deleted: Callable[[str], None] | None = None,
) -> int:
    """Delete every finished run ``policy`` no longer keeps, with its events; how many runs were deleted.

    Blocking (call it from a thread). Runs are taken ``runs_per_batch`` at a time, oldest
    first, and each run's events ``events_per_batch`` seqs per transaction.

    >>> store = RunStore.open("sqlite://")
    >>> prune_finished_runs(store, RetentionPolicy(max_runs=10))
    0
    """
    if not policy.is_active:
        return 0
    now = time.time() if now is None else now
    deleted = 0
    while True:
        batch = _expired_ids(store, policy, now, runs_per_batch)
        if not batch:
            return deleted
        gone = 0
        for run_id in batch:
            if _delete_run(store, run_id, events_per_batch):
                gone += 1
                if on_deleted is not None:
                    on_deleted(run_id)
        deleted += gone
        if gone == 0:
            return deleted  # nothing could be deleted (changed meanwhile): try again next time


async def keep_pruned(
    store: RunStore, policy: RetentionPolicy, interval_s: float, on_deleted: Callable[[str], None] | None = None
) -> None:
    """Apply ``policy`` now and then every ``interval_s`` seconds, until cancelled; a failure is logged and retried."""
    while True:
        try:
            deleted = await run_in_threadpool(prune_finished_runs, store, policy, on_deleted=on_deleted)
            if deleted:
                logger.info("retention: deleted %d finished run(s) and their events", deleted)
        except Exception:
            logger.exception("retention: deleting old runs failed; trying again in %.0f s", interval_s)
        await asyncio.sleep(interval_s)
