"""Runs: create (``POST /api/runs``), list, detail, controls and delete.

``POST /api/runs`` checks everything a run would fail on before loading data (limits,
the data set, loss vs task, the graph with the data set's input shape, the output
size) and answers 422 with the same issue list as ``/api/graphs/validate``; 429 when
the client already has ``max_runs_per_client`` active runs or the queue is full.

``POST /api/runs/{id}/sampling`` changes a training language model's live text samples
(temperature, length, prompt); it travels like the probe sample (runner → worker →
:class:`~layerlab.training.control.RunControl`) and the next sample follows at the next batch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from layerlab.api.deps import RunnerDep, SettingsDep, StoreDep, WriterDep, client_id
from layerlab.api.handlers import ApiError, summarize
from layerlab.api.pages import Offset, page_headers, page_response
from layerlab.api.schemas import (
    ControlResponse,
    ErrorResponse,
    LearningRateBody,
    RunCreated,
    RunDetail,
    RunErrorInfo,
    RunLatest,
    RunSummary,
)
from layerlab.api.testing import run_body
from layerlab.errors import LayerLabError
from layerlab.runs.protocol import ControlOp
from layerlab.runs.runner import RunConflictError, RunLimitError, Runner, RunNotFoundError
from layerlab.storage.store import RunRow, RunStore
from layerlab.training.events import TERMINAL_STATES, RunState
from layerlab.training.plan import request_issues
from layerlab.training.request import RunRequest
from layerlab.training.sampling import language_model_vocabulary, prompt_issue, sampling_limits
from layerlab.training.weights import delete_run_files

router = APIRouter(tags=["runs"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "There is no such run (`not_found`)."}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    409: {"model": ErrorResponse, "description": "The run is not in a state that allows it (`conflict`)."},
}
#: A run that trains in about a second: a small MLP on 200 points of ``circle``, one epoch.
RUN_EXAMPLES: dict[str, Any] = {
    "tiny_mlp": {"summary": "A small MLP on the circle data set", "value": {**run_body(), "name": "tiny"}},
}
_CREATE_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorResponse,
        "description": "The body does not fit the schema, or the run cannot start: every problem of the graph, "
        "data set, training and limits, as `POST /api/graphs/validate` lists them (`invalid_request`).",
    },
    429: {
        "model": ErrorResponse,
        "description": "This client has as many active runs as it may, or the queue is full (`too_many_requests`).",
    },
}


_SAMPLING_ERRORS: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    409: {
        "model": ErrorResponse,
        "description": "The run is not a language model, or it is not running or paused (`conflict`).",
    },
    422: {
        "model": ErrorResponse,
        "description": "The prompt has characters outside the data set's vocabulary (issue code "
        "`prompt_out_of_vocabulary`, field `prompt`, the characters listed), or a value is out of range.",
    },
}


class SamplingBody(BaseModel):
    """``POST /api/runs/{id}/sampling``: what to change (left out or null: as it is). Ranges as ``training.sampling``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    temperature: float | None = Field(
        default=None,
        **sampling_limits("temperature"),
        description="Below 1: safer, more repetitive text; above 1: wilder.",
    )
    length: int | None = Field(
        default=None, **sampling_limits("length"), description="Characters generated per sample."
    )
    prompt: str | None = Field(
        default=None, **sampling_limits("prompt"), description="Text the samples continue (empty: from a new line)."
    )

    @field_validator("length", mode="before")
    @classmethod
    def _integral(cls, value: object) -> object:
        """``30.0`` as ``30``: JSON counts a number without a fraction as an integer."""
        return int(value) if isinstance(value, float) and value.is_integer() else value


class SamplingResponse(BaseModel):
    """The run's status now and the changes asked for; the next ``samples`` event (at the next batch) follows them."""

    id: str
    status: RunState
    temperature: float | None = None
    length: int | None = None
    prompt: str | None = None


def summary_fields(row: RunRow) -> dict[str, object]:
    """The RunSummary fields of a row."""
    return {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "dataset": row.dataset,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "position": row.position,
        "epochs": row.epochs or 0,
        "latest": RunLatest.model_validate(row.latest) if row.latest else None,
        "final": row.final,
        "error": RunErrorInfo.model_validate(row.error) if row.error else None,
    }


async def load_row(store: RunStore, runner: Runner, run_id: str) -> RunRow:
    """The run's row with its live values, or 404."""
    row = await run_in_threadpool(store.get_run, run_id)
    if row is None:
        raise ApiError(404, f'No run "{run_id}".')
    return runner.overlay(row)


@router.post(
    "/api/runs",
    status_code=201,
    response_model=RunCreated,
    responses=_CREATE_ERRORS,
)
async def create_run(
    body: Annotated[RunRequest, Body(openapi_examples=RUN_EXAMPLES)],
    settings: SettingsDep,
    runner: RunnerDep,
    client: Annotated[str | None, Depends(client_id)],
) -> RunCreated:
    """Queue a run; its events stream at ``/api/runs/{id}/events``."""
    issues = await run_in_threadpool(request_issues, body, settings)
    if issues:
        raise ApiError(422, summarize(issues, "The run cannot start."), issues)
    try:
        handle = await runner.submit(body, client_id=client)
    except RunLimitError as exc:
        raise ApiError(429, str(exc)) from None
    except RunConflictError as exc:
        raise ApiError(503, str(exc)) from None
    return RunCreated(id=handle.id, status="queued")


@router.get("/api/runs", response_model=list[RunSummary], responses={200: page_response("A page of runs.")})
async def list_runs(
    request: Request,
    response: Response,
    store: StoreDep,
    runner: RunnerDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Runs per page.")] = 200,
    offset: Offset = 0,
) -> list[RunSummary]:
    """Runs, newest first, without their requests; ``X-Total-Count`` and ``Link`` tell the rest."""
    rows, total = await run_in_threadpool(store.list_run_summaries, limit, offset)
    page_headers(request, response, total=total, offset=offset, count=len(rows), limit=limit)
    return [RunSummary.model_validate(summary_fields(runner.overlay(row))) for row in rows]


@router.get("/api/runs/{run_id}", response_model=RunDetail, responses=_NOT_FOUND)
async def get_run(run_id: str, store: StoreDep, runner: RunnerDep) -> RunDetail:
    """One run: summary, request, last recorded seq, and the worker running it (while active)."""
    row = await load_row(store, runner, run_id)
    handle = runner.get(run_id)
    worker_pid = handle.worker.pid if handle is not None and handle.worker is not None else None
    return RunDetail.model_validate(
        {
            **summary_fields(row),
            "request": RunRequest.model_validate_json(row.request_json),
            "last_seq": row.last_seq,
            "worker_pid": worker_pid,
        }
    )


async def _control(
    run_id: str, op: ControlOp, store: RunStore, runner: Runner, value: float | None = None
) -> ControlResponse:
    try:
        status = runner.control(run_id, op, value)
    except RunConflictError as exc:
        raise ApiError(409, str(exc)) from None
    except RunNotFoundError:
        row = await run_in_threadpool(store.get_run, run_id)
        if row is None:
            raise ApiError(404, f'No run "{run_id}".') from None
        raise ApiError(409, f"Run {run_id} has ended ({row.status}); it cannot be changed any more.") from None
    if status in TERMINAL_STATES:
        await runner.settle(run_id)  # answer once GET /api/runs/{id} reads it back (a queued run stopped at once)
    return ControlResponse.model_validate({"id": run_id, "status": status})


def _control_route(op: Literal["pause", "resume", "stop", "step"], doc: str) -> None:
    async def endpoint(run_id: str, store: StoreDep, runner: RunnerDep) -> ControlResponse:
        return await _control(run_id, op, store, runner)

    endpoint.__doc__ = doc
    endpoint.__name__ = f"{op}_run"
    router.post(f"/api/runs/{{run_id}}/{op}", response_model=ControlResponse, responses=_CONFLICT)(endpoint)


_control_route("pause", "Pause a running run before its next batch (emits status paused). 409 unless running.")
_control_route("resume", "Resume a paused run (emits status running). 409 unless paused.")
_control_route("stop", "Stop a run: a queued one at once (status stopped), a running one before its next batch.")
_control_route("step", "Run one more batch, then stay paused (on a running run: pause after the next batch).")


@router.post("/api/runs/{run_id}/learning_rate", response_model=ControlResponse, responses=_CONFLICT)
async def set_learning_rate(run_id: str, body: LearningRateBody, store: StoreDep, runner: RunnerDep) -> ControlResponse:
    """Use a new learning rate from the next batch on. 409 unless the run is running or paused."""
    return await _control(run_id, "learning_rate", store, runner, body.learning_rate)


@router.post(
    "/api/runs/{run_id}/sampling", status_code=202, response_model=SamplingResponse, responses=_SAMPLING_ERRORS
)
async def set_sampling(
    run_id: str, body: SamplingBody, store: StoreDep, runner: RunnerDep, settings: SettingsDep
) -> SamplingResponse:
    """Change a training language model's text samples (temperature, length, prompt) from the next batch on.

    A sample with the new settings follows at once (at the next batch). 409 unless the run is a
    language model that is running or paused.
    """
    row = await load_row(store, runner, run_id)
    request = RunRequest.model_validate_json(row.request_json)
    try:
        vocabulary = await run_in_threadpool(language_model_vocabulary, request, settings)
    except LayerLabError:
        vocabulary = None
    if vocabulary is None:
        raise ApiError(409, f"Run {run_id} is not a language model; it has no text samples to change.")
    if row.status in TERMINAL_STATES:
        raise ApiError(409, f"Run {run_id} has ended ({row.status}); its samples cannot change any more.")
    # (a set that cannot list its characters now is left to the run, which skips a prompt it cannot read)
    issue = prompt_issue(body.prompt, vocabulary, "prompt") if body.prompt and vocabulary else None
    if issue is not None:
        raise ApiError(422, issue.message, [issue])
    changes = body.model_dump(exclude_none=True)
    try:
        status = runner.control(run_id, "sampling", changes)
    except RunConflictError as exc:
        raise ApiError(409, str(exc)) from None
    except RunNotFoundError:
        raise ApiError(409, f"Run {run_id} has ended; its samples cannot change any more.") from None
    return SamplingResponse.model_validate({"id": run_id, "status": status, **changes})


@router.delete("/api/runs/{run_id}", status_code=204, responses=_CONFLICT)
async def delete_run(
    run_id: str, store: StoreDep, runner: RunnerDep, writer: WriterDep, settings: SettingsDep
) -> Response:
    """Delete a finished run, its events and its weights. 409 while it is queued, running or paused."""
    handle = runner.get(run_id)
    if handle is not None:
        raise ApiError(409, f"Run {run_id} is {handle.status}; stop it before deleting it.")
    await run_in_threadpool(writer.flush)
    if not await run_in_threadpool(store.delete_run, run_id):
        raise ApiError(404, f'No run "{run_id}".')
    await run_in_threadpool(delete_run_files, settings.home, run_id)
    return Response(status_code=204)
