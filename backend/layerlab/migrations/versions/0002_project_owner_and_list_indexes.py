"""Projects remember who saved them and how many nodes they hold; indexes for paged lists and retention.

``projects.client_id`` (the ``X-Client-Id`` header, else the address: the per-client
project limit counts it), ``projects.node_count`` (the project list shows it without
reading the graph; filled in here for existing projects), and indexes on
``projects.client_id``, ``projects.updated_at`` (the list's order) and
``runs.finished_at`` (the retention of finished runs).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-20
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _node_count(graph_json: str) -> int:
    try:
        nodes = json.loads(graph_json).get("nodes")
    except (ValueError, AttributeError):
        return 0
    return len(nodes) if isinstance(nodes, list) else 0


def upgrade() -> None:
    """Add the two project columns (counting the nodes of existing projects) and the three indexes."""
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("client_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("node_count", sa.Integer, nullable=False, server_default="0"))
    projects = sa.table(
        "projects", sa.column("id", sa.String), sa.column("graph_json", sa.Text), sa.column("node_count", sa.Integer)
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(projects.c.id, projects.c.graph_json)).all()
    for project_id, graph_json in rows:
        connection.execute(
            projects.update().where(projects.c.id == project_id).values(node_count=_node_count(graph_json))
        )
    op.create_index("ix_projects_client_id", "projects", ["client_id"])
    op.create_index("ix_projects_updated_at", "projects", ["updated_at"])
    op.create_index("ix_runs_finished_at", "runs", ["finished_at"])


def downgrade() -> None:
    """Drop the indexes and the two columns."""
    op.drop_index("ix_runs_finished_at", table_name="runs")
    op.drop_index("ix_projects_updated_at", table_name="projects")
    op.drop_index("ix_projects_client_id", table_name="projects")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("node_count")
        batch.drop_column("client_id")
