"""Projects: saved graphs with their data set and training (``/api/projects`` CRUD)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from layerlab.api.deps import StoreDep
from layerlab.api.handlers import ApiError
from layerlab.api.schemas import ErrorResponse, Project, ProjectIn
from layerlab.runs.ids import new_id
from layerlab.storage.store import ProjectRow

router = APIRouter(tags=["projects"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}


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


def _not_found(project_id: str) -> ApiError:
    return ApiError(404, f'No project "{project_id}".')


@router.get("/api/projects", response_model=list[Project])
async def list_projects(store: StoreDep) -> list[Project]:
    """Every project, most recently updated first."""
    return [_to_model(row) for row in await run_in_threadpool(store.list_projects)]


@router.post("/api/projects", status_code=201, response_model=Project, responses={422: {"model": ErrorResponse}})
async def create_project(body: ProjectIn, store: StoreDep) -> Project:
    """Save a new project."""
    now = time.time()
    row = _to_row(new_id(), body, now, now)
    await run_in_threadpool(store.create_project, row)
    return _to_model(row)


@router.get("/api/projects/{project_id}", response_model=Project, responses=_NOT_FOUND)
async def get_project(project_id: str, store: StoreDep) -> Project:
    """One project."""
    row = await run_in_threadpool(store.get_project, project_id)
    if row is None:
        raise _not_found(project_id)
    return _to_model(row)


@router.put("/api/projects/{project_id}", response_model=Project, responses=_NOT_FOUND)
async def replace_project(project_id: str, body: ProjectIn, store: StoreDep) -> Project:
    """Replace a project's name, graph, data set and training (``created_at`` is kept)."""
    old = await run_in_threadpool(store.get_project, project_id)
    if old is None:
        raise _not_found(project_id)
    row = _to_row(project_id, body, old.created_at, max(time.time(), old.created_at))
    if not await run_in_threadpool(store.update_project, row):
        raise _not_found(project_id)
    return _to_model(row)


@router.delete("/api/projects/{project_id}", status_code=204, responses=_NOT_FOUND)
async def delete_project(project_id: str, store: StoreDep) -> Response:
    """Delete a project."""
    if not await run_in_threadpool(store.delete_project, project_id):
        raise _not_found(project_id)
    return Response(status_code=204)
