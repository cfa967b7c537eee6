"""Exception handlers: every error answer is ``{"detail", "code", "errors": [GraphIssue…]}``.

``detail`` is one plain sentence, ``code`` a stable string for the answer as a whole
(:data:`STATUS_CODES` by default: ``not_found``, ``invalid_request`` …) and ``errors``
the issues behind it, each with its own stable code (may be empty).

* :class:`ApiError` (raised by routes) → its status, code, message and issues;
* a body that is not JSON at all (bad syntax, bad encoding) → 400 ``malformed_json``;
  a body sent with another media type → 415 ``unsupported_media_type``; JSON that does
  not fit the model → 422, one issue per problem, ``field`` the dotted path inside the
  body (``training.batch_size``, ``graph.nodes[2].params.units``) and ``node_id`` when
  the problem is inside a node;
* Starlette's HTTP errors (unknown route 404, wrong method 405 with an ``Allow`` header
  listing every method of the path) → the same shape;
* the database failing (locked, full disk …) → 503 ``storage_error`` with ``Retry-After``;
* anything else → 500 with a generic message; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from layerlab.errors import GraphIssue

__all__ = [
    "ApiError",
    "STATUS_CODES",
    "allowed_methods",
    "app_routes",
    "error_body",
    "install_handlers",
    "issues_from_validation",
    "summarize",
]

logger = logging.getLogger(__name__)

_CODES = {
    "json_invalid": "malformed_json",
    "json_type": "malformed_json",
    "extra_forbidden": "unknown_field",
    "missing": "missing_field",
}


#: The ``code`` of an error answer when its raiser names none, by HTTP status.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answer a route gives on purpose (4xx), with the issues behind it.

    ``code`` is the stable code of the answer; by default the one of its status
    (:data:`STATUS_CODES`), e.g. ``ApiError(404, 'No run "x".')`` answers ``code: not_found``.
    """

    def __init__(
        self, status_code: int, detail: str, errors: Sequence[GraphIssue] = (), *, code: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors)
        self.code = code or STATUS_CODES.get(status_code, "error")


def error_body(detail: str, errors: Sequence[GraphIssue] = (), *, code: str) -> dict[str, Any]:
    """The JSON body of an error answer.

    >>> error_body("No run \"x\".", code="not_found")
    {'detail': 'No run "x".', 'code': 'not_found', 'errors': []}
    """
    return {"detail": detail, "code": code, "errors": [issue.model_dump() for issue in errors]}


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
            position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            issues.append(_malformed_json(str(reason), position))
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


def app_routes(app: FastAPI) -> list[Any]:
    """Every route of the app, those of included routers too, each with its full path.

    FastAPI ≥ 0.150 keeps included routers as one entry each (``iter_route_contexts``
    flattens them); older versions copy their routes into ``app.routes``.
    """
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - older FastAPI
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def allowed_methods(request: Request) -> list[str]:
    """Every method the app answers on this request's path, sorted (``HEAD`` comes with ``GET``).

    The methods of the routes whose path matches; where none does but the static page is
    mounted over the path, ``GET`` and ``HEAD``.
    """
    methods: set[str] = set()
    mounted = False
    scope = dict(request.scope)
    for route in app_routes(request.app):
        match, _child = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(getattr(route, "original_route", route), Mount):
            mounted = True
        else:
            methods |= set(getattr(route, "methods", None) or ())
    if not methods and mounted:
        methods = {"GET", "HEAD"}
    return sorted(methods)


def _malformed_json(reason: str, position: int | None = None) -> GraphIssue:
    where = f" at character {position}" if position is not None else ""
    return GraphIssue(
        code="malformed_json",
        message=f"The request body is not valid JSON{where}: {reason}.",
        hint="Send a JSON object with Content-Type: application/json.",
    )


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc.detail, exc.errors, code=exc.code), status_code=exc.status_code)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    issues = issues_from_validation(errors, exc.body)
    if any(issue.code == "malformed_json" for issue in issues):
        malformed = [issue for issue in issues if issue.code == "malformed_json"]
        return JSONResponse(error_body(malformed[0].message, malformed, code="malformed_json"), status_code=400)
    if isinstance(exc.body, bytes) and any(tuple(error.get("loc", ())) == ("body",) for error in errors):
        # FastAPI leaves the body as bytes when its Content-Type is not JSON (or missing).
        issue = GraphIssue(
            code="unsupported_media_type",
            message="The request body must be JSON.",
            field="Content-Type",
            hint="Send it with Content-Type: application/json.",
        )
        return JSONResponse(error_body(issue.message, [issue], code=issue.code), status_code=415)
    return JSONResponse(
        error_body(summarize(issues, "The request is invalid."), issues, code="invalid_request"), status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # FastAPI's answer to a body it cannot decode at all (e.g. not UTF-8): a malformed body like any other.
        issue = _malformed_json(str(exc.__cause__).rstrip("."))
        return JSONResponse(error_body(issue.message, [issue], code="malformed_json"), status_code=400)
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
        methods = headers["Allow"]
        detail = f"{request.method} is not allowed on {request.url.path}; it answers {methods}."
        return JSONResponse(error_body(detail, code="method_not_allowed"), status_code=405, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
    code = STATUS_CODES.get(exc.status_code, "error")
    return JSONResponse(error_body(detail, code=code), status_code=exc.status_code, headers=headers or None)


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("storage failed on %s %s: %s", request.method, request.url.path, exc)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if message.startswith("(") and ") " in message:  # "(sqlite3.OperationalError) database is locked"
        message = message.split(") ", 1)[1]
    return JSONResponse(
        error_body(
            f"The server's database refused this request ({message[:200]}). Try again in a moment.",
            code="storage_error",
        ),
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        error_body(
            "Internal server error: something went wrong on our side; it has been logged.", code="internal_error"
        ),
        status_code=500,
    )


def install_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(SQLAlchemyError, _storage_error)
    app.add_exception_handler(Exception, _unexpected)
