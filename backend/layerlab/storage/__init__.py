"""Storage: runs, events and projects in SQLite (default) or PostgreSQL, through SQLAlchemy Core.

:class:`RunStore` does every read and write (blocking; call it from threads);
:class:`EventWriter` batches events into it off the event loop; the schema is created
and upgraded by Alembic (:func:`migrate`) at start-up.
"""

from layerlab.storage.database import create_database_engine, migrate
from layerlab.storage.retention import RetentionPolicy, keep_pruned, prune_finished_runs
from layerlab.storage.store import EventRecord, ProjectRow, ProjectSummaryRow, RunRow, RunStore
from layerlab.storage.writer import EventWriter

__all__ = [
    "EventRecord",
    "EventWriter",
    "ProjectRow",
    "ProjectSummaryRow",
    "RetentionPolicy",
    "RunRow",
    "RunStore",
    "create_database_engine",
    "keep_pruned",
    "migrate",
    "prune_finished_runs",
]
