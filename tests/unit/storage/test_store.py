"""RunStore, EventWriter, migrations and start-up interruption, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from layerlab.runs.runner import interrupt_unfinished
from layerlab.storage.database import MIGRATIONS_DIR
from layerlab.storage.store import EventRecord, ProjectRow, RunRow, RunStore
from layerlab.storage.tables import metadata
from layerlab.storage.writer import EventWriter


def _run(run_id: str = "r1", status: str = "running", created_at: float = 1.0) -> RunRow:
    return RunRow(id=run_id, status=status, dataset="circle", request_json="{}", created_at=created_at, epochs=3)


def _event(run_id: str, seq: int, kind: str = "step", **fields: object) -> EventRecord:
    payload = json.dumps({"seq": seq, "run_id": run_id, "time": 0.0, "type": kind, **fields})
    return EventRecord(run_id, seq, kind, payload)


def test_migrations_match_the_tables(store: RunStore) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file() and (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))


def test_opening_twice_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    RunStore.open(url).close()
    again = RunStore.open(url)
    assert again.list_runs() == []
    with again.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    again.close()


def test_runs_roundtrip_newest_first_and_delete(store: RunStore) -> None:
    store.create_run(_run("a", created_at=1.0))
    store.create_run(_run("b", created_at=2.0))
    store.update_run("a", status="completed", latest={"epoch": 1}, final={"accuracy": 0.9})
    assert [row.id for row in store.list_runs()] == ["b", "a"]
    row = store.get_run("a")
    assert row is not None and row.status == "completed" and row.final == {"accuracy": 0.9} and row.epochs == 3
    store.insert_events([_event("a", 1), _event("a", 2)])
    assert store.delete_run("a") and not store.delete_run("a")
    assert store.get_run("a") is None and store.events_after("a") == []


def test_events_come_back_in_order_as_stored_text(store: RunStore) -> None:
    store.create_run(_run())
    records = [_event("r1", seq, loss=seq / 10) for seq in (3, 1, 2, 4)]
    store.write_batch(records, {"r1": {"last_seq": 4, "status": "running"}})
    got = store.events_after("r1", after=1, limit=2)
    assert got == [(2, "step", records[2].payload), (3, "step", records[0].payload)]
    assert store.max_seq("r1") == 4 and store.get_run("r1").last_seq == 4  # type: ignore[union-attr]


def test_projects_crud(store: RunStore) -> None:
    project = ProjectRow(id="p", name="n", graph={"nodes": []}, created_at=1.0, updated_at=1.0, dataset={"name": "x"})
    store.create_project(project)
    assert store.get_project("p") == project
    project.name = "m"
    assert store.update_project(project) and store.list_projects() == [project]
    assert store.delete_project("p") and store.get_project("p") is None and not store.update_project(project)


def test_writer_commits_then_reports_each_batch(store: RunStore) -> None:
    store.create_run(_run())
    committed: list[list[int]] = []
    seen_in_db: list[int] = []

    def on_committed(records: list[EventRecord], _patches: dict[str, dict[str, object]]) -> None:
        committed.append([r.seq for r in records])
        seen_in_db.append(store.max_seq("r1"))  # already readable by anyone when we are told

    writer = EventWriter(store, group_commit_s=0.05, on_committed=on_committed)
    writer.start()
    try:
        for seq in range(1, 6):
            writer.submit(_event("r1", seq), {"last_seq": seq})
        writer.submit(_event("r1", 6, "status", status="completed"), {"last_seq": 6, "status": "completed"})
        assert writer.flush(5)
        assert [seq for seq, _, _ in store.events_after("r1")] == [1, 2, 3, 4, 5, 6]
        assert sum(committed, []) == [1, 2, 3, 4, 5, 6]
        assert len(committed) < 6  # grouped: what arrived within the window went in one commit
        assert seen_in_db[-1] == 6 and all(seen >= batch[-1] for seen, batch in zip(seen_in_db, committed, strict=True))
        row = store.get_run("r1")
        assert row is not None and row.status == "completed" and row.last_seq == 6
    finally:
        writer.stop()


def test_a_failed_batch_writes_nothing_of_itself_and_the_next_one_works(store: RunStore) -> None:
    store.create_run(_run())
    store.write_batch([_event("r1", 1)], {"r1": {"last_seq": 1}})
    with pytest.raises(Exception, match="(?i)unique|duplicate"):  # seq 1 again: the whole batch is refused
        store.write_batch([_event("r1", 2), _event("r1", 1)], {"r1": {"last_seq": 2, "status": "completed"}})
    row = store.get_run("r1")
    assert [seq for seq, _, _ in store.events_after("r1")] == [1]
    assert row is not None and row.status == "running" and row.last_seq == 1
    store.write_batch([_event("r1", 2)], {"r1": {"last_seq": 2, "latest": {"epoch": 1}}})
    row = store.get_run("r1")
    assert [seq for seq, _, _ in store.events_after("r1")] == [1, 2]
    assert row is not None and row.last_seq == 2 and row.latest == {"epoch": 1}


def test_events_after_is_bounded_by_bytes_and_resumes(store: RunStore) -> None:
    store.create_run(_run())
    big = "x" * 1000
    store.write_batch([_event("r1", seq, blob=big) for seq in range(1, 51)], {})
    first = store.events_after("r1", 0, None, max_bytes=5000)
    assert [seq for seq, _, _ in first] == [1, 2, 3, 4, 5]  # the 5th crosses 5000 bytes and is the last
    rest = store.events_after("r1", first[-1][0], 10, max_bytes=10**9)
    assert [seq for seq, _, _ in rest] == list(range(6, 16))
    assert [seq for seq, _, _ in store.events_after("r1", 0, None, max_bytes=1)] == [
        1
    ]  # never empty when not at the end
    assert store.events_after("r1", 50, None, max_bytes=1) == []
    assert store.last_event("r1") is not None and store.last_event("r1")[0] == 50  # type: ignore[index]
    assert store.last_event("nope") is None


def test_unfinished_runs_are_interrupted_with_a_final_event(store: RunStore) -> None:
    store.create_run(_run("live", status="running"))
    store.create_run(_run("waiting", status="queued"))
    store.create_run(_run("done", status="completed"))
    store.write_batch([_event("live", 1), _event("live", 2)], {"live": {"last_seq": 2}})
    assert sorted(interrupt_unfinished(store)) == ["live", "waiting"]
    live = store.get_run("live")
    assert live is not None and live.status == "interrupted" and live.last_seq == 3 and live.finished_at
    last = json.loads(store.events_after("live", 2)[0][2])
    assert last["type"] == "status" and last["status"] == "interrupted" and last["seq"] == 3
    assert store.events_after("waiting")[0][0] == 1
    assert interrupt_unfinished(store) == []


def test_replaying_100k_events_takes_under_a_second(tmp_path: Path) -> None:
    store = RunStore.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        store.create_run(_run())
        payload = '{"seq":%d,"run_id":"r1","time":0.0,"type":"step","epoch":1,"step":%d,"loss":0.5,"learning_rate":0.001,"samples_per_s":1.0}'
        store.write_batch([EventRecord("r1", i, "step", payload % (i, i)) for i in range(1, 100_001)], {})
        started = time.perf_counter()
        events = store.events_after("r1", 0, None, max_bytes=4_000_000)
        while len(events) < 100_000 and (more := store.events_after("r1", events[-1][0], None, 4_000_000)):
            events += more
        elapsed = time.perf_counter() - started
        assert len(events) == 100_000 and events[-1][0] == 100_000
        assert elapsed < 1.0, f"replay took {elapsed:.2f} s"
    finally:
        store.close()
