"""The database schema as SQLAlchemy Core tables (dialect-neutral: SQLite and PostgreSQL).

JSON documents are stored as text (``*_json`` columns) so a replay returns the
recorded event text as it is, without parsing and re-serialising it. Times are
seconds since the epoch (``float``), like the ``time`` of every event.

Alembic revisions in :mod:`layerlab.migrations` create these tables; this module
is what the code reads and writes through, and a test checks the two agree.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

__all__ = ["events", "metadata", "projects", "runs"]

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("request_json", Text, nullable=False),
    Column("epochs", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("position", Integer, nullable=True),
    Column("last_seq", Integer, nullable=False, default=0),
    Column("latest_json", Text, nullable=True),
    Column("final_json", Text, nullable=True),
    Column("error_json", Text, nullable=True),
    Column("client_id", String(200), nullable=True),
    Index("ix_runs_status", "status"),
    Index("ix_runs_created_at", "created_at"),
    Index("ix_runs_finished_at", "finished_at"),
)

events = Table(
    "events",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("payload", Text, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("graph_json", Text, nullable=False),
    Column("dataset_json", Text, nullable=True),
    Column("training_json", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("client_id", String(200), nullable=True),
    Column("node_count", Integer, nullable=False, default=0),
    Index("ix_projects_client_id", "client_id"),
    Index("ix_projects_updated_at", "updated_at"),
)
