"""The built web page at ``/``, with an ``index.html`` fallback for the page's own routes.

Mounted after every ``/api`` route, so the API always wins; an unknown ``/api/…`` path
stays a JSON 404, and so does a missing ``/assets/…`` file (a script the page asks for
that is not there must fail as a script, not load ``index.html``). When the page was not
built, ``/`` explains how to build it.

Light to serve: the page build writes ``<file>.br`` and ``<file>.gz`` beside each text file
(``frontend/vite.config.ts``); the encoding the browser accepts best is sent, with
``Content-Encoding``, ``Vary: Accept-Encoding`` and the original file's type. Files whose
names carry a content hash (Vite's ``assets/``) are cached for a year as ``immutable``;
``index.html`` (and the fallback) is ``no-cache`` with an ``ETag`` and ``Last-Modified``,
so a repeat visit revalidates it with a 304 and fetches no script again; other files (the
favicon) are cached for a day. See ``docs/adr/0005-serving-the-page-light.md``.
"""

from __future__ import annotations

import mimetypes
import os
import re
import stat
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import Scope

__all__ = [
    "CACHE_HASHED",
    "CACHE_OTHER",
    "CACHE_PAGE",
    "ENCODINGS",
    "NOT_BUILT_PAGE",
    "SinglePageApp",
    "accepted_encodings",
    "choose_encoding",
    "mount_static",
]

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

#: Pre-compressed siblings, in the server's order of preference: (Content-Encoding, file suffix).
ENCODINGS: tuple[tuple[str, str], ...] = (("br", ".br"), ("gzip", ".gz"))
#: Files whose name carries a content hash: a new build gives them a new name.
CACHE_HASHED = "public, max-age=31536000, immutable"
#: ``index.html``: always revalidated (cheap: 304 with its ETag), so a new build is seen at once.
CACHE_PAGE = "no-cache"
#: Everything else (the favicon): a modest time.
CACHE_OTHER = "public, max-age=86400"

#: ``assets/name-<hash>.ext`` as Vite writes it (8 or more characters of base64url).
_HASHED = re.compile(r"^assets/[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")


def accepted_encodings(header: str) -> dict[str, float]:
    """``Accept-Encoding`` as coding → q-value (lower-cased; a malformed q counts as 0).

    >>> accepted_encodings("gzip, br;q=0.8, *;q=0")
    {'gzip': 1.0, 'br': 0.8, '*': 0.0}
    """
    accepted: dict[str, float] = {}
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        accepted[coding] = q
    return accepted


def choose_encoding(header: str, available: list[str]) -> str | None:
    """The coding of ``available`` (in the server's preference order) the client accepts best; None for plain.

    The highest q-value wins, the server's order breaks ties; ``*`` stands for codings the
    header does not name; q=0 refuses. Plain (identity) is always acceptable here.

    >>> choose_encoding("gzip, deflate, br", ["br", "gzip"])
    'br'
    >>> choose_encoding("br;q=0.5, gzip", ["br", "gzip"])
    'gzip'
    >>> choose_encoding("identity", ["br", "gzip"]) is None
    True
    """
    accepted = accepted_encodings(header)
    wildcard = accepted.get("*", 0.0)
    best: str | None = None
    best_q = 0.0
    for coding in available:
        q = accepted.get(coding, wildcard)
        if q > best_q:
            best, best_q = coding, q
    return best


class SinglePageApp(StaticFiles):
    """Static files where an unknown path (not under ``api/`` or ``assets/``) serves ``index.html``.

    Responses carry the cache policy of the module docstring and, where the build left a
    ``.br``/``.gz`` sibling, the best encoding the request accepts.
    """

    def __init__(self, *, directory: PathLike, html: bool = True) -> None:
        super().__init__(directory=directory, html=html)
        self._root = os.path.realpath(directory)

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file at ``path``, or ``index.html`` for a client-side route."""
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            top = path.replace("\\", "/").split("/", 1)[0]
            if exc.status_code != 404 or top in ("api", "assets"):
                raise
            return await super().get_response("index.html", scope)

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        """The file (or its best pre-compressed sibling) with cache headers; 304 when the client's copy is current."""
        full = os.fspath(full_path)
        relative = os.path.relpath(full, self._root).replace(os.sep, "/")
        request_headers = Headers(scope=scope)
        siblings = {coding: full + suffix for coding, suffix in ENCODINGS}
        available: dict[str, os.stat_result] = {}
        for name, sibling in siblings.items():
            try:
                sibling_stat = os.stat(sibling)
            except OSError:
                continue
            if stat.S_ISREG(sibling_stat.st_mode):
                available[name] = sibling_stat
        coding = choose_encoding(request_headers.get("accept-encoding", ""), list(available))
        media_type = mimetypes.guess_type(full)[0] or "application/octet-stream"
        if coding is None:
            response = FileResponse(full, status_code=status_code, stat_result=stat_result, media_type=media_type)
        else:
            response = FileResponse(
                siblings[coding], status_code=status_code, stat_result=available[coding], media_type=media_type
            )
            response.headers["content-encoding"] = coding
        if available:
            response.headers["vary"] = "Accept-Encoding"
        response.headers["cache-control"] = _cache_control(relative)
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response


def _cache_control(relative: str) -> str:
    if relative == "index.html" or relative.endswith("/index.html"):
        return CACHE_PAGE
    if _HASHED.match(relative):
        return CACHE_HASHED
    return CACHE_OTHER


def mount_static(app: FastAPI, directory: Path) -> None:
    """Serve ``directory`` at ``/`` when it holds a built page; else a page saying how to build it."""
    if (directory / "index.html").is_file():
        app.mount("/", SinglePageApp(directory=directory, html=True), name="static")
        return

    @app.get("/", include_in_schema=False)
    def not_built() -> HTMLResponse:
        return HTMLResponse(NOT_BUILT_PAGE)
