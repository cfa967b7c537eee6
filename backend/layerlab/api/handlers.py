"""Exception handlers: every error answer is ``{"detail": "<plain message>", "errors": [GraphIssue…]}``.

* :class:`ApiError` (raised by routes) → its status, message and issues;
* request validation (pydantic) → 422, one issue per problem, ``field`` the dotted path
  inside the body (``training.batch_size``, ``graph.nodes[2].params.units``) and
  ``node_id`` when the problem is inside a node; malformed JSON → 422 ``malformed_json``;
* Starlette's HTTP errors (unknown route 404, wrong method 405) → the same shape;
* anything else → 500 with a generic message; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from layerlab.errors import GraphIssue

__all__ = ["ApiError", "error_body", "install_handlers", "issues_from_validation", "summarize"]

logger = logging.getLogger(__name__)

_CODES = {
    "json_invalid": "malformed_json",
    "json_type": "malformed_json",
    "extra_forbidden": "unknown_field",
    "missing": "missing_field",
}


class ApiError(Exception):
    """An error answer a route gives on purpose (4xx), with the issues behind it."""

    def __init__(self, status_code: int, detail: str, errors: Sequence[GraphIssue] = ()) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors)


def error_body(detail: str, errors: Sequence[GraphIssue] = ()) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"detail": detail, "errors": [issue.model_dump() for issue in errors]}


def summarize(errors: Sequence[GraphIssue], fallback: str) -> str:
    """One line for ``detail``: the first issue's message, and how many more there are."""
    if not errors:
        return fallback
    more = len(errors) - 1
    return errors[0].message + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _field_path(loc: Sequence[int | str]) -> str | None:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or None


def _node_id(body: Any, loc: Sequence[int | str]) -> str | None:
    """The id of the node a body error sits in (``body.graph.nodes[i]…``), when it has one."""
    parts = list(loc)
    try:
        start = parts.index("nodes")
    except ValueError:
        return None
    if start + 1 >= len(parts) or not isinstance(parts[start + 1], int):
        return None
    node: Any = body
    for part in parts[1 : start + 2] if parts and parts[0] == "body" else parts[: start + 2]:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        return str(node["id"])
    return None


def issues_from_validation(errors: Sequence[Any], body: Any = None) -> list[GraphIssue]:
    """Pydantic/FastAPI error dicts as issues naming the field path."""
    issues = []
    for error in errors:
        kind = str(error.get("type", ""))
        loc = tuple(error.get("loc", ()))
        code = _CODES.get(kind, "invalid_value")
        if code == "malformed_json":
            reason = (error.get("ctx") or {}).get("error") or error.get("msg", "")
            position = loc[1] if len(loc) > 1 else None
            where = f" at character {position}" if isinstance(position, int) else ""
            issues.append(
                GraphIssue(
                    code=code,
                    message=f"The request body is not valid JSON{where}: {reason}.",
                    hint="Send a JSON object with Content-Type: application/json.",
                )
            )
            continue
        field = _field_path(loc)
        if code == "unknown_field":
            message = f'Unknown field "{field}".'
            hint: str | None = "Remove it or check its spelling."
        elif code == "missing_field":
            message = f'The field "{field}" is required.' if field else "A request body is required."
            hint = None
        else:
            message = f"{field}: {error.get('msg', 'invalid value')}." if field else str(error.get("msg"))
            hint = None
        issues.append(GraphIssue(code=code, message=message, field=field, node_id=_node_id(body, loc), hint=hint))
    return issues


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc.detail, exc.errors), status_code=exc.status_code)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = issues_from_validation(exc.errors(), exc.body)
    return JSONResponse(error_body(summarize(issues, "The request is invalid."), issues), status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
    return JSONResponse(error_body(detail), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        error_body("Internal server error: something went wrong on our side; it has been logged."), status_code=500
    )


def install_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
