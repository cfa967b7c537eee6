"""RunStore: every read and write of runs, events and projects (SQLAlchemy Core, dialect-neutral).

All methods are blocking and thread-safe (each opens its own connection from the
pool); async code calls them through a thread (``run_in_threadpool``) or the
:class:`~layerlab.storage.writer.EventWriter` thread, never on the event loop.

Events are stored as the JSON text the worker produced and read back as text
(:meth:`RunStore.events_after` returns ``list[str]``), so a replay never parses them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping, delete, func, insert, select, update

from layerlab.storage.database import create_database_engine, migrate
from layerlab.storage.tables import events, projects, runs

__all__ = ["EventRecord", "ProjectRow", "ProjectSummaryRow", "RunRow", "RunStore"]

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class EventRecord:
    """One recorded event: its place in the run and its JSON text exactly as streamed."""

    run_id: str
    seq: int
    type: str
    payload: str


@dataclass
class RunRow:
    """One row of ``runs`` with its JSON columns decoded (``request`` stays text until asked for)."""

    id: str
    status: str
    dataset: str
    request_json: str
    created_at: float
    name: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    position: int | None = None
    last_seq: int = 0
    latest: JsonDict | None = None
    final: JsonDict | None = None
    error: JsonDict | None = None
    client_id: str | None = None
    epochs: int | None = None


@dataclass
class ProjectRow:
    """One saved project; ``graph``/``dataset``/``training`` are the decoded JSON documents.

    ``client_id`` is who saved it first (the per-client project limit counts it).
    """

    id: str
    name: str
    graph: JsonDict
    created_at: float
    updated_at: float
    dataset: JsonDict | None = None
    training: JsonDict | None = None
    client_id: str | None = None

    @property
    def node_count(self) -> int:
        """How many nodes its graph has."""
        nodes = self.graph.get("nodes")
        return len(nodes) if isinstance(nodes, list) else 0


@dataclass(frozen=True)
class ProjectSummaryRow:
    """A project as the project list shows it: no graph or training (read without their JSON)."""

    id: str
    name: str
    node_count: int
    created_at: float
    updated_at: float
    dataset: JsonDict | None = None


_JSON_COLUMNS = {"latest": "latest_json", "final": "final_json", "error": "error_json"}


def _dumps(value: object) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _row_to_run(row: Mapping[Any, Any]) -> RunRow:
    return RunRow(
        id=row["id"],
        name=row["name"],
        status=row["status"],
        dataset=row["dataset"],
        request_json=row["request_json"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        position=row["position"],
        last_seq=row["last_seq"],
        latest=_loads(row["latest_json"]),
        final=_loads(row["final_json"]),
        error=_loads(row["error_json"]),
        client_id=row["client_id"],
        epochs=row["epochs"],
    )


def _row_to_project(row: RowMapping) -> ProjectRow:
    return ProjectRow(
        id=row["id"],
        name=row["name"],
        graph=json.loads(row["graph_json"]),
        dataset=_loads(row["dataset_json"]),
        training=_loads(row["training_json"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        client_id=row["client_id"],
    )


#: The columns of ``runs`` a run list needs: all but the request (the biggest by far).
_RUN_SUMMARY_COLUMNS = [column for column in runs.c if column.name != "request_json"]


def run_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Map friendly names (``latest``, ``final``, ``error``) to their ``*_json`` columns, encoding them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in _JSON_COLUMNS:
            out[_JSON_COLUMNS[key]] = _dumps(value)
        else:
            out[key] = value
    return out


class RunStore:
    """The database behind the server (see the module docstring).

    >>> store = RunStore.open("sqlite://")
    >>> store.list_runs()
    []
    >>> store.close()
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite: one raw connection kept for write_batch (the event writer's commits; see there).
        self._write_lock = threading.Lock()
        self._write_conn: Any = None

    @classmethod
    def open(cls, url: str, *, busy_timeout_s: float = 30.0) -> RunStore:
        """Open (and migrate) the database at ``url`` (a SQLite write waits ``busy_timeout_s`` for a lock)."""
        engine = create_database_engine(url, busy_timeout_s=busy_timeout_s)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        """Close every pooled connection."""
        with self._write_lock:
            if self._write_conn is not None:
                self._write_conn.close()
                self._write_conn = None
        self.engine.dispose()

    # --- runs -------------------------------------------------------------------------
    def create_run(self, row: RunRow) -> None:
        """Insert a new run (its events follow through :meth:`write_batch`)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(runs).values(
                    id=row.id,
                    name=row.name,
                    status=row.status,
                    dataset=row.dataset,
                    request_json=row.request_json,
                    created_at=row.created_at,
                    started_at=row.started_at,
                    finished_at=row.finished_at,
                    position=row.position,
                    last_seq=row.last_seq,
                    latest_json=_dumps(row.latest),
                    final_json=_dumps(row.final),
                    error_json=_dumps(row.error),
                    client_id=row.client_id,
                    epochs=row.epochs,
                )
            )

    def get_run(self, run_id: str) -> RunRow | None:
        """The run, or None when there is no such run."""
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        return None if row is None else _row_to_run(row)

    def list_runs(self, limit: int = 1000) -> list[RunRow]:
        """Runs, newest first, each with its request."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.created_at.desc()).limit(limit)).mappings().all()
        return [_row_to_run(row) for row in rows]

    def list_run_summaries(self, limit: int = 100, offset: int = 0) -> tuple[list[RunRow], int]:
        """A page of runs, newest first, without reading their requests; and how many runs there are.

        The rows' ``request_json`` is ``""`` (never read): use :meth:`get_run` for one run's request.

        >>> store = RunStore.open("sqlite://")
        >>> store.list_run_summaries(limit=10)
        ([], 0)
        """
        query = (
            select(*_RUN_SUMMARY_COLUMNS)
            .order_by(runs.c.created_at.desc(), runs.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            total = int(conn.execute(select(func.count()).select_from(runs)).scalar() or 0)
        return [_row_to_run({**row, "request_json": ""}) for row in rows], total

    def update_run(self, run_id: str, **values: Any) -> None:
        """Set columns of one run (``latest``/``final``/``error`` are JSON-encoded)."""
        with self.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**run_columns(values)))

    def delete_run(self, run_id: str) -> bool:
        """Delete a run and its events; False when there was no such run."""
        with self.engine.begin() as conn:
            conn.execute(delete(events).where(events.c.run_id == run_id))
            result = conn.execute(delete(runs).where(runs.c.id == run_id))
        return bool(result.rowcount)

    def unfinished_runs(self) -> list[RunRow]:
        """Runs whose last recorded status is not terminal (queued, running, paused)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs).where(runs.c.status.in_(("queued", "running", "paused")))).mappings().all()
        return [_row_to_run(row) for row in rows]

    # --- events -----------------------------------------------------------------------
    def write_batch(self, records: Sequence[EventRecord], patches: Mapping[str, Mapping[str, Any]]) -> None:
        """Insert events and apply run-column patches in one transaction (the event writer's commit).

        On SQLite this runs on a raw connection of its own, kept open: the writer commits a few
        dozen small batches a second, and going through SQLAlchemy's pool and statement layers
        costs about 1 ms of CPU per commit (five times the commit itself), which a training worker
        on the same cores would lose. Raises the driver's error when the commit fails (nothing of
        the batch is written then).
        """
        if self.engine.dialect.name == "sqlite":
            self._write_batch_sqlite(records, patches)
            return
        with self.engine.begin() as conn:
            if records:
                conn.execute(
                    insert(events),
                    [{"run_id": r.run_id, "seq": r.seq, "type": r.type, "payload": r.payload} for r in records],
                )
            for run_id, values in patches.items():
                if values:
                    conn.execute(update(runs).where(runs.c.id == run_id).values(**run_columns(values)))

    def _write_batch_sqlite(self, records: Sequence[EventRecord], patches: Mapping[str, Mapping[str, Any]]) -> None:
        updates = []
        for run_id, values in patches.items():
            columns = run_columns(values)
            if columns:
                unknown = set(columns) - set(runs.c.keys())
                assert not unknown, f"not columns of runs: {unknown}"
                assignments = ", ".join(f"{name} = ?" for name in columns)
                updates.append((f"UPDATE runs SET {assignments} WHERE id = ?", (*columns.values(), run_id)))
        with self._write_lock:
            if self._write_conn is None:
                self._write_conn = self.engine.raw_connection()  # with the engine's pragmas (WAL, busy timeout)
            conn = self._write_conn
            try:
                cursor = conn.cursor()
                try:
                    if records:
                        cursor.executemany(
                            "INSERT INTO events (run_id, seq, type, payload) VALUES (?, ?, ?, ?)",
                            [(r.run_id, r.seq, r.type, r.payload) for r in records],
                        )
                    for statement, params in updates:
                        cursor.execute(statement, params)
                finally:
                    cursor.close()
                conn.commit()
            except BaseException:
                try:
                    conn.rollback()
                except Exception:  # the connection is broken: open a new one next time
                    conn.invalidate()
                    self._write_conn = None
                raise

    def events_after(
        self, run_id: str, after: int = 0, limit: int | None = None, max_bytes: int | None = None
    ) -> list[tuple[int, str, str]]:
        """``(seq, type, payload)`` of the recorded events with ``seq > after``, ordered by seq.

        At most ``limit`` events and, when ``max_bytes`` is given, about that many bytes of
        payload (the event that crosses it is the last one; at least one event is returned
        when there is one): a caller asks again with ``after`` = the last seq it got. The
        rows are streamed from the database, so memory stays bounded by ``max_bytes`` too.
        """
        query = select(events.c.seq, events.c.type, events.c.payload).where(
            events.c.run_id == run_id, events.c.seq > after
        )
        query = query.order_by(events.c.seq)
        if limit is not None:
            query = query.limit(limit)
        rows: list[tuple[int, str, str]] = []
        total = 0
        with self.engine.connect() as conn:
            if conn.dialect.name != "sqlite":
                # A server-side cursor (PostgreSQL): the driver would otherwise load every row at once.
                result = conn.execution_options(stream_results=True, max_row_buffer=500).execute(query)
                for seq, event_type, payload in result:
                    rows.append((seq, event_type, payload))
                    total += len(payload)
                    if max_bytes is not None and total >= max_bytes:
                        break
                result.close()
                return rows
            # The hot path of every replay: run the compiled statement on the DB-API cursor and
            # keep its plain tuples (SQLAlchemy Row objects would double the cost of 100k rows).
            compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            params = compiled.construct_params()
            args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(str(compiled), args)
                if max_bytes is None:
                    rows = cursor.fetchall()
                else:
                    while total < max_bytes:
                        some: list[tuple[int, str, str]] = cursor.fetchmany(256)
                        if not some:
                            break
                        for row in some:
                            rows.append(row)
                            total += len(row[2])
                            if total >= max_bytes:
                                break
            finally:
                cursor.close()
        return rows

    def last_event(self, run_id: str) -> tuple[int, str, str] | None:
        """``(seq, type, payload)`` of the run's newest recorded event, or None."""
        query = (
            select(events.c.seq, events.c.type, events.c.payload)
            .where(events.c.run_id == run_id)
            .order_by(events.c.seq.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (int(row[0]), str(row[1]), str(row[2]))

    def max_seq(self, run_id: str) -> int:
        """The highest recorded seq of a run (0 when it has none)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(events.c.seq)).where(events.c.run_id == run_id)).scalar()
        return int(value or 0)

    # --- projects ---------------------------------------------------------------------
    def create_project(self, project: ProjectRow) -> None:
        """Insert a project."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(projects).values(
                    id=project.id,
                    name=project.name,
                    graph_json=json.dumps(project.graph),
                    dataset_json=_dumps(project.dataset),
                    training_json=_dumps(project.training),
                    created_at=project.created_at,
                    updated_at=project.updated_at,
                    client_id=project.client_id,
                    node_count=project.node_count,
                )
            )

    def count_projects(self, client_id: str | None = None) -> int:
        """How many projects there are (saved by ``client_id`` when given)."""
        query = select(func.count()).select_from(projects)
        if client_id is not None:
            query = query.where(projects.c.client_id == client_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def list_project_summaries(self, limit: int = 100, offset: int = 0) -> tuple[list[ProjectSummaryRow], int]:
        """A page of projects, most recently updated first, without their graphs; and how many there are.

        >>> store = RunStore.open("sqlite://")
        >>> store.list_project_summaries()
        ([], 0)
        """
        columns = [projects.c[name] for name in ("id", "name", "node_count", "created_at", "updated_at")]
        query = (
            select(*columns, projects.c.dataset_json)
            .order_by(projects.c.updated_at.desc(), projects.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            total = int(conn.execute(select(func.count()).select_from(projects)).scalar() or 0)
        summaries = [
            ProjectSummaryRow(
                id=row["id"],
                name=row["name"],
                node_count=row["node_count"],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
                dataset=_loads(row["dataset_json"]),
            )
            for row in rows
        ]
        return summaries, total

    def get_project(self, project_id: str) -> ProjectRow | None:
        """The project, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(projects).where(projects.c.id == project_id)).mappings().first()
        return None if row is None else _row_to_project(row)

    def list_projects(self) -> list[ProjectRow]:
        """Projects, most recently updated first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(projects).order_by(projects.c.updated_at.desc())).mappings().all()
        return [_row_to_project(row) for row in rows]

    def update_project(self, project: ProjectRow) -> bool:
        """Replace a project's name and documents; False when there is no such project."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(projects)
                .where(projects.c.id == project.id)
                .values(
                    name=project.name,
                    graph_json=json.dumps(project.graph),
                    dataset_json=_dumps(project.dataset),
                    training_json=_dumps(project.training),
                    updated_at=project.updated_at,
                    node_count=project.node_count,
                )
            )
        return bool(result.rowcount)

    def delete_project(self, project_id: str) -> bool:
        """Delete a project; False when there was no such project."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(projects).where(projects.c.id == project_id))
        return bool(result.rowcount)

    def insert_events(self, records: Iterable[EventRecord]) -> None:
        """Insert events directly (tests and benchmarks; the server goes through the writer)."""
        self.write_batch(list(records), {})
