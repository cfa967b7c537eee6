"""The API's OpenAPI document, completed so that it describes every answer the server can give.

FastAPI generates the document from the routes and models; :func:`install_openapi` makes
``app.openapi()`` finish it once with :func:`complete_document`:

* every error answer, on every operation, for every status it can give, is the one
  :class:`~layerlab.api.schemas.ErrorResponse` (FastAPI's ``HTTPValidationError`` is
  replaced): 400 (a Host the server does not answer to; a body that is not JSON),
  403 (a write from another origin), 413 (a body over the size limit), 415 (a body
  that is not sent as JSON), 422 (a request that does not fit the schema), 503 (the
  server is starting or stopping) — besides the ones a route declares itself (404,
  409, 429 …);
* links from the operations that create or list resources to the operations on one
  of them (``POST /api/runs`` → ``id`` → every ``/api/runs/{run_id}…``), so a client
  generator or a stateful fuzzer can follow real ids.

Run as ``python -m layerlab.api.openapi > frontend/openapi.json`` it prints the document
of an app built with default settings; the page's TypeScript types are generated from
it (``make client``). Building the app starts nothing (no database, no workers).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from layerlab.api.deps import get_runner, get_store, get_writer
from layerlab.api.handlers import app_routes

__all__ = ["complete_document", "install_openapi", "openapi_schema"]

_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STATE_DEPENDENCIES = (get_store, get_runner, get_writer)

#: Answers that hold a resource's id: (path, method, status, the path parameter it fills,
#: where it is in the answer). Each links to every operation on a path with that parameter.
_LINK_SOURCES: tuple[tuple[str, str, str, str, str], ...] = (
    ("/api/runs", "post", "201", "run_id", "$response.body#/id"),
    ("/api/projects", "post", "201", "project_id", "$response.body#/id"),
    ("/api/projects/{project_id}", "put", "200", "project_id", "$response.body#/id"),
)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": dict(_ERROR_REF)}}}


def _uses_state(dependant: Dependant) -> bool:
    """Whether the route reads the store, runner or writer (so it answers 503 while they are down)."""
    stack = [dependant]
    while stack:
        current = stack.pop()
        if current.call in _STATE_DEPENDENCIES:
            return True
        stack.extend(current.dependencies)
    return False


def _operations(app: FastAPI, paths: dict[str, Any]) -> Iterator[tuple[APIRoute, str, dict[str, Any]]]:
    for route in app_routes(app):
        if not isinstance(getattr(route, "original_route", route), APIRoute) or not route.include_in_schema:
            continue
        for method in sorted(route.methods):
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                yield route, method, operation


def _common_errors(route: APIRoute, method: str) -> dict[str, dict[str, Any]]:
    """The error answers that come from the app rather than the route, for this operation."""
    has_body = route.body_field is not None
    errors = {
        "400": _error(
            "The Host header names a host this server does not answer to (`host_not_allowed`)"
            + (", or the body is not valid JSON (`malformed_json`)." if has_body else ".")
        ),
        "413": _error("The request body is larger than the server accepts (`body_too_large`)."),
    }
    if method in _UNSAFE_METHODS:
        errors["403"] = _error("The request comes from a page of another origin (`origin_not_allowed`).")
    if has_body:
        errors["415"] = _error("The body is not sent as JSON (`unsupported_media_type`).")
        errors["422"] = _error(
            "The body does not fit the schema (`invalid_request`); each issue names the field and, inside a graph, "
            "the node."
        )
    if route.dependant.query_params or route.dependant.path_params:
        errors.setdefault(
            "422", _error("A parameter does not fit the schema (`invalid_request`); each issue names it.")
        )
    if _uses_state(route.dependant):
        errors["503"] = _error("The server is starting or stopping (`unavailable`); try again in a moment.")
    return errors


def _add_links(paths: dict[str, Any]) -> None:
    for source_path, source_method, status, parameter, expression in _LINK_SOURCES:
        response = paths.get(source_path, {}).get(source_method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        links: dict[str, Any] = response.setdefault("links", {})
        for path, item in sorted(paths.items()):
            if "{" + parameter + "}" not in path:
                continue
            for method, operation in sorted(item.items()):
                target = operation.get("operationId")
                if target is None or (path, method) == (source_path, source_method):
                    continue
                links[target] = {
                    "operationId": target,
                    "parameters": {parameter: expression},
                    "description": f"The `{parameter}` of the answer, for {method.upper()} {path}.",
                }


def complete_document(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Finish FastAPI's document in place (see the module docstring) and return it."""
    paths: dict[str, Any] = document.get("paths", {})
    for route, method, operation in _operations(app, paths):
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for status, answer in _common_errors(route, method).items():
            current = responses.get(status)
            if current is None or "HTTPValidationError" in json.dumps(current):
                responses[status] = answer
        for status, answer in responses.items():
            if status.startswith(("4", "5")):
                answer["content"] = {"application/json": {"schema": dict(_ERROR_REF)}}
        operation["responses"] = dict(sorted(responses.items()))
    _add_links(paths)
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return the completed document, built once."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete_document(app, FastAPI.openapi(app))
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = document  # type: ignore[method-assign]


def openapi_schema() -> dict[str, Any]:
    """The document of an app built with default settings."""
    from layerlab.main import create_app
    from layerlab.settings import Settings

    return create_app(Settings()).openapi()


def main() -> None:
    """Write the document to standard output as indented JSON."""
    sys.stdout.write(json.dumps(openapi_schema(), indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    main()
