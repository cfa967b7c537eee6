"""The built web page at ``/``, with an ``index.html`` fallback for the page's own routes.

Mounted after every ``/api`` route, so the API always wins; an unknown ``/api/…`` path
stays a JSON 404. When the page was not built, ``/`` explains how to build it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["NOT_BUILT_PAGE", "SinglePageApp", "mount_static"]

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LayerLab</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>LayerLab</h1>
<p>The API is running, but the web page has not been built.</p>
<p>Build it with <code>make run</code> (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>),
or point <code>LAYERLAB_STATIC_DIR</code> at a built page.</p>
<p>The API documentation is at <a href="/docs">/docs</a>.</p>
</body></html>
"""


class SinglePageApp(StaticFiles):
    """Static files where an unknown path (not under ``api/``) serves ``index.html``."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file at ``path``, or ``index.html`` for a client-side route."""
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path == "api" or path.startswith("api/") or path.startswith("api\\"):
                raise
            return await super().get_response("index.html", scope)


def mount_static(app: FastAPI, directory: Path) -> None:
    """Serve ``directory`` at ``/`` when it holds a built page; else a page saying how to build it."""
    if (directory / "index.html").is_file():
        app.mount("/", SinglePageApp(directory=directory, html=True), name="static")
        return

    @app.get("/", include_in_schema=False)
    def not_built() -> HTMLResponse:
        return HTMLResponse(NOT_BUILT_PAGE)
