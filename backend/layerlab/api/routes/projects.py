"""Projects: saved graphs with their data set and training (``/api/projects`` CRUD).

What a project may hold is bounded: at most ``max_projects_per_client`` projects per
client (``X-Client-Id``, else its address; 409 ``too_many_projects``), at most
``max_project_bytes`` of graph, data set and training as JSON (413
``project_too_large``) and at most ``max_nodes`` nodes (422, issue ``too_many_nodes``). The
graph is kept as drawn otherwise: a design may be saved before it is valid.

``GET /api/projects`` is paged (see :mod:`layerlab.api.pages`) and lists summaries
without graphs; ``GET /api/projects/{id}`` returns the whole project.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from layerlab.api.deps import SettingsDep, StoreDep, client_id
from layerlab.api.handlers import ApiError
from layerlab.api.pages import Offset, page_headers, page_response
from layerlab.api.schemas import ErrorResponse, Project, ProjectIn, ProjectSummary
from layerlab.errors import GraphIssue
from layerlab.runs.ids import new_id
from layerlab.settings import Settings
from layerlab.storage.store import ProjectRow, ProjectSummaryRow

router = APIRouter(tags=["projects"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "There is no such project (`not_found`)."}
}
_TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "model": ErrorResponse,
        "description": "The project is larger than the server keeps (`project_too_large`, `body_too_large`).",
    },
    422: {
        "model": ErrorResponse,
        "description": "The body does not fit the schema, or the graph has more nodes than the server allows "
        "(`invalid_request`; issue `too_many_nodes`).",
    },
}
_TOO_MANY: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": "This client already keeps as many projects as the server allows (`too_many_projects`).",
    }
}


def _to_row(project_id: str, body: ProjectIn, created_at: float, updated_at: float) -> ProjectRow:
    return ProjectRow(
        id=project_id,
        name=body.name,
        graph=body.graph.model_dump(mode="json"),
        dataset=body.dataset.model_dump(mode="json") if body.dataset is not None else None,
        training=body.training.model_dump(mode="json") if body.training is not None else None,
        created_at=created_at,
        updated_at=updated_at,
    )


def _to_model(row: ProjectRow) -> Project:
    return Project.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "graph": row.graph,
            "dataset": row.dataset,
            "training": row.training,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


def _to_summary(row: ProjectSummaryRow) -> ProjectSummary:
    return ProjectSummary.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "dataset": row.dataset,
            "node_count": row.node_count,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


def _not_found(project_id: str) -> ApiError:
    return ApiError(404, f'No project "{project_id}".')


def project_bytes(row: ProjectRow) -> int:
    """Bytes of the project's graph, data set and training as stored (JSON text)."""
    return sum(len(json.dumps(part)) for part in (row.graph, row.dataset, row.training) if part is not None)


def check_project_size(row: ProjectRow, settings: Settings) -> None:
    """Raise 422 when the graph has more than ``max_nodes`` nodes, 413 when the project is over ``max_project_bytes``."""
    if row.node_count > settings.max_nodes:
        issue = GraphIssue(
            code="too_many_nodes",
            message=f"The graph has {row.node_count:,} nodes, more than the limit of {settings.max_nodes:,}.",
            field="graph.nodes",
            hint="Remove some nodes.",
        )
        raise ApiError(422, issue.message, [issue])
    size = project_bytes(row)
    if size > settings.max_project_bytes:
        issue = GraphIssue(
            code="project_too_large",
            message=f"The project takes {size} bytes, above this server's limit of {settings.max_project_bytes}.",
            field="graph",
            hint="Make the graph smaller, or export it as a file instead.",
        )
        raise ApiError(413, issue.message, [issue], code="project_too_large")


@router.get("/api/projects", response_model=list[ProjectSummary], responses={200: page_response("A page of projects.")})
async def list_projects(
    request: Request,
    response: Response,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Projects per page.")] = 100,
    offset: Offset = 0,
) -> list[ProjectSummary]:
    """Projects, most recently updated first, without their graphs; ``X-Total-Count`` and ``Link`` tell the rest."""
    rows, total = await run_in_threadpool(store.list_project_summaries, limit, offset)
    page_headers(request, response, total=total, offset=offset, count=len(rows), limit=limit)
    return [_to_summary(row) for row in rows]


@router.post("/api/projects", status_code=201, response_model=Project, responses={**_TOO_LARGE, **_TOO_MANY})
async def create_project(
    body: ProjectIn,
    store: StoreDep,
    settings: SettingsDep,
    client: Annotated[str | None, Depends(client_id)],
) -> Project:
    """Save a new project (409 when this client keeps ``max_projects_per_client`` already)."""
    now = time.time()
    row = _to_row(new_id(), body, now, now)
    row.client_id = client
    check_project_size(row, settings)
    if await run_in_threadpool(store.count_projects, client) >= settings.max_projects_per_client:
        raise ApiError(
            409,
            f"You keep {settings.max_projects_per_client} projects, as many as this server allows; "
            "delete one you no longer need first.",
            code="too_many_projects",
        )
    await run_in_threadpool(store.create_project, row)
    return _to_model(row)


@router.get("/api/projects/{project_id}", response_model=Project, responses=_NOT_FOUND)
async def get_project(project_id: str, store: StoreDep) -> Project:
    """One project, with its graph and training."""
    row = await run_in_threadpool(store.get_project, project_id)
    if row is None:
        raise _not_found(project_id)
    return _to_model(row)


@router.put("/api/projects/{project_id}", response_model=Project, responses={**_NOT_FOUND, **_TOO_LARGE})
async def replace_project(project_id: str, body: ProjectIn, store: StoreDep, settings: SettingsDep) -> Project:
    """Replace a project's name, graph, data set and training (``created_at`` is kept)."""
    old = await run_in_threadpool(store.get_project, project_id)
    if old is None:
        raise _not_found(project_id)
    row = _to_row(project_id, body, old.created_at, max(time.time(), old.created_at))
    check_project_size(row, settings)
    if not await run_in_threadpool(store.update_project, row):
        raise _not_found(project_id)
    return _to_model(row)


@router.delete("/api/projects/{project_id}", status_code=204, responses=_NOT_FOUND)
async def delete_project(project_id: str, store: StoreDep) -> Response:
    """Delete a project."""
    if not await run_in_threadpool(store.delete_project, project_id):
        raise _not_found(project_id)
    return Response(status_code=204)
