"""Opening the database: the engine (SQLite under ``settings.home`` or ``settings.database_url``) and migrations.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (readers never block the one
writer; a commit is appended to the write-ahead log — safe against a killed process, which
is what "durable before visible" guards against — and the log is synced at checkpoints)
and a busy timeout (``LAYERLAB_SQLITE_BUSY_TIMEOUT_S``: how long a write waits for a lock
before it counts as a storage failure), so the event writer thread and request threads
can share the file. Any other URL (PostgreSQL:
``postgresql+psycopg://…``) is used as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["MIGRATIONS_DIR", "create_database_engine", "migrate"]

logger = logging.getLogger(__name__)

#: Where the Alembic environment and revisions live (inside the package, so they ship with it).
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(busy_timeout_s: float) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        finally:
            cursor.close()

    return set_pragmas


def create_database_engine(url: str, *, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for ``url``; for a SQLite file, creates its folder and sets the pragmas.

    >>> engine = create_database_engine("sqlite://")  # in memory
    >>> engine.dialect.name
    'sqlite'
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent; run at start-up)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    logger.debug("database schema is up to date (%s)", engine.url.render_as_string(hide_password=True))
