"""``POST /api/graphs/validate``: every problem of a graph at once, shapes, parameter counts and the cost estimate.

200 for any well-formed body: an unknown or unavailable data set is an issue (field
``dataset``), not an error answer. The checks are the ones ``POST /api/runs`` makes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from layerlab.api.deps import SettingsDep
from layerlab.api.schemas import ErrorResponse, ValidateRequest, ValidateResponse
from layerlab.training.plan import check_graph_for_dataset

router = APIRouter(tags=["graphs"])


@router.post("/api/graphs/validate", response_model=ValidateResponse, responses={422: {"model": ErrorResponse}})
def validate(body: ValidateRequest, settings: SettingsDep) -> dict[str, Any]:
    """The validation report for the graph against the data set's input shape (runs in a thread).

    With ``training``, the cost estimate is for those settings (and the loss decides the
    output size check, as for ``POST /api/runs``); a language model's ``Input`` receives
    ``training.sequence_length`` characters (``input_shape`` in the answer).
    """
    loss = body.training.loss if body.training is not None else "auto"
    report, info, issues = check_graph_for_dataset(
        body.graph, body.dataset, settings, loss, body.training, recipe=body.recipe
    )
    input_shape = tuple(info.input_shape) if info is not None else None
    response = report.to_response()
    response["errors"] = [issue.model_dump() for issue in issues] + list(response["errors"])  # type: ignore[call-overload]
    response["valid"] = bool(report.valid and not issues)
    response["input_shape"] = list(input_shape) if input_shape is not None else None
    return response
