"""The run and project lists read pages of summary columns only (never a run's request or a project's graph)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event

from layerlab.storage.database import MIGRATIONS_DIR, create_database_engine, migrate
from layerlab.storage.store import ProjectRow, RunRow, RunStore


def _statements(store: RunStore) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


def test_run_summaries_are_paged_and_never_read_the_request(store: RunStore) -> None:
    for i in range(5):
        request = json.dumps({"graph": {"nodes": ["x" * 10_000]}})
        store.create_run(RunRow(id=f"r{i}", status="completed", dataset="circle", request_json=request, created_at=i))
    statements = _statements(store)
    rows, total = store.list_run_summaries(limit=2, offset=1)
    assert total == 5 and [row.id for row in rows] == ["r3", "r2"] and rows[0].request_json == ""
    assert statements and not any("request_json" in statement for statement in statements)
    assert store.list_run_summaries(limit=10, offset=5) == ([], 5)


def test_project_summaries_are_paged_and_never_read_the_graph(store: RunStore) -> None:
    for i in range(3):
        graph = {"version": 1, "nodes": [{"id": f"n{j}", "type": "Dense"} for j in range(i + 1)], "edges": []}
        store.create_project(
            ProjectRow(id=f"p{i}", name=f"p{i}", graph=graph, created_at=i, updated_at=i, client_id="me")
        )
    statements = _statements(store)
    rows, total = store.list_project_summaries(limit=2)
    assert total == 3 and [(row.id, row.node_count) for row in rows] == [("p2", 3), ("p1", 2)]
    assert not any("graph_json" in statement or "training_json" in statement for statement in statements)
    assert store.count_projects("me") == 3 and store.count_projects("you") == 0
    assert store.get_project("p0") is not None and store.get_project("p0").client_id == "me"  # type: ignore[union-attr]


def test_migration_0002_counts_the_nodes_of_existing_projects(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        graph = json.dumps({"version": 1, "nodes": [{"id": "a", "type": "Input"}, {"id": "b", "type": "Dense"}]})
        connection.execute(
            sa.text(
                "INSERT INTO projects (id, name, graph_json, created_at, updated_at) VALUES ('old', 'old', :g, 1, 1)"
            ),
            {"g": graph},
        )
    migrate(engine)
    store = RunStore(engine)
    rows, total = store.list_project_summaries()
    assert total == 1 and rows[0].node_count == 2 and store.get_project("old").client_id is None  # type: ignore[union-attr]
    store.close()
