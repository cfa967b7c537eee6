"""Alembic migrations of the LayerLab database, applied at start-up by :func:`layerlab.storage.database.migrate`.

Add a revision with ``alembic -c <(…)`` or by copying ``versions/0001_initial.py``:
every revision must run on SQLite and PostgreSQL (use ``op.batch_alter_table`` for
column changes so SQLite's table rebuild is used there).
"""
