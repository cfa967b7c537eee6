"""Paginated lists (``GET /api/runs``, ``GET /api/projects``): ``limit`` and ``offset`` in, a page out.

The body stays a plain JSON array of the page's items; two headers tell where it sits:
``X-Total-Count`` (how many items there are in all) and, when more follow, ``Link:
</api/runs?limit=100&offset=100>; rel="next"`` (RFC 8288). Items are in a stable order
(newest first), so ``offset`` walks the list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

__all__ = ["Offset", "PAGE_HEADERS", "page_headers", "page_response"]

#: The headers a page carries (a cross-origin page must be allowed to read them).
PAGE_HEADERS = ("Link", "X-Total-Count")

#: How many items to skip (the largest offset keeps every database's integer happy).
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="How many items to skip (newest first).")]


def page_headers(request: Request, response: Response, *, total: int, offset: int, count: int, limit: int) -> None:
    """Set ``X-Total-Count`` and, when items remain after this page of ``count``, ``Link: <next page>; rel="next"``.

    >>> from starlette.requests import Request as R
    >>> answer = Response()
    >>> page_headers(R({"type": "http", "path": "/api/runs", "query_string": b"limit=2", "headers": []}),
    ...              answer, total=5, offset=0, count=2, limit=2)
    >>> answer.headers["x-total-count"], answer.headers["link"]
    ('5', '</api/runs?limit=2&offset=2>; rel="next"')
    """
    response.headers["X-Total-Count"] = str(total)
    if offset + count < total:
        following = request.url.include_query_params(limit=limit, offset=offset + count)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'


def page_response(description: str) -> dict[str, Any]:
    """The OpenAPI description of a 200 page answer with its two headers."""
    return {
        "description": description,
        "headers": {
            "X-Total-Count": {
                "description": "How many items there are in all.",
                "schema": {"type": "integer", "minimum": 0},
                "required": True,
            },
            "Link": {
                "description": 'The next page, `<url>; rel="next"`, when more items follow.',
                "schema": {"type": "string"},
                "required": False,
            },
        },
    }
