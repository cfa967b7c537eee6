"""ApiCompression: gzip for the API's HTTP responses (JSON) when the client accepts it.

The catalogue the page loads at start (``/api/layers``, ``/api/datasets``, ``/api/templates``:
48 kB → 12 kB) and long event replays (``GET /api/runs/{id}/events``: 100k step events,
16 MB → about 2 MB) are repetitive JSON. Level 1 keeps the cost low (about 55 ms per 16 MB,
in a worker thread from 128 KiB up, by Starlette's ``GZipMiddleware``); a response under
:data:`MIN_BYTES` is sent as it is, so small answers wait for nothing (the pass-through costs
about 20 µs). Websockets are never touched (their own permessage-deflate is
``LAYERLAB_WS_COMPRESSION``), and nor is the built page, which is pre-compressed at build
time (``layerlab.api.static``).
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ApiCompression", "LEVEL", "MIN_BYTES"]

#: Smaller responses gain less than a network packet.
MIN_BYTES = 1024
#: zlib level: on event JSON, 1 is 3× faster than 6 for about 20 % more bytes.
LEVEL = 1


class ApiCompression:
    """gzip for HTTP responses under ``/api/`` and for ``/openapi.json``; anything else passes through."""

    def __init__(self, app: ASGIApp, *, minimum_size: int = MIN_BYTES, level: int = LEVEL) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=level)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"].startswith("/api/") or scope["path"] == "/openapi.json"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
