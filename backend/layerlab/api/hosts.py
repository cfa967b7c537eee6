"""HostOriginGuard: an ASGI middleware that lets only the server's own hosts and pages use the API.

Two checks, for HTTP requests and websocket handshakes alike, before anything else runs:

* **Host** — the ``Host`` header's name (without the port) must be one of
  ``allowed_hosts`` (``LAYERLAB_ALLOWED_HOSTS``, default ``127.0.0.1`` and ``localhost``;
  ``*`` allows any). A page on another site that re-points its own DNS name at this
  machine (DNS rebinding) sends its own name, so it gets 400 ``host_not_allowed``.
* **Origin** — a websocket, or an HTTP request with a method that changes something
  (``POST``, ``PUT``, ``PATCH``, ``DELETE``), whose ``Origin`` header is present must come
  from the server's own origin (the same ``host:port`` as its ``Host``) or from one of
  ``allowed_origins`` (``LAYERLAB_CORS_ORIGINS``; ``*`` allows any); else 403
  ``origin_not_allowed``. Without an ``Origin`` (a non-browser client) it passes.

Refusals use the API's error shape (``{"detail", "code", "errors"}``). A websocket is
refused at the handshake, before it is accepted: with the HTTP status and body where the
server supports the ASGI denial-response extension, else as a plain 403.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HostOriginGuard", "host_name"]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def host_name(host: str) -> str:
    """The name part of a ``Host`` header (or of an origin's ``host:port``), lower case, without the port.

    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("127.0.0.1")
    ('localhost', '::1', '127.0.0.1')
    """
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        host = name
    return host.rstrip(".")


def _origin(value: str) -> str:
    """An origin as compared: lower case, no trailing slash."""
    return value.strip().lower().rstrip("/")


class HostOriginGuard:
    """Refuse requests for other hosts (400) and cross-origin websockets and writes (403); see the module docstring."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str], allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        hosts = [host_name(host) for host in allowed_hosts if host.strip()]
        self.any_host = "*" in hosts
        self.allowed_hosts = frozenset(hosts)
        origins = [_origin(origin) for origin in allowed_origins if origin.strip()]
        self.any_origin = "*" in origins
        self.allowed_origins = frozenset(origins)

    def is_host_allowed(self, host: str) -> bool:
        """Whether a request with this ``Host`` header is answered."""
        return self.any_host or (bool(host) and host_name(host) in self.allowed_hosts)

    def is_origin_allowed(self, origin: str, host: str) -> bool:
        """Whether a page at ``origin`` may open websockets and send writes to the server reached as ``host``."""
        normalized = _origin(origin)
        if self.any_origin or normalized in self.allowed_origins:
            return True
        netloc = urlsplit(normalized).netloc if "://" in normalized else ""
        return bool(netloc) and netloc == host.strip().lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.is_host_allowed(host):
            shown = host_name(host) or "(none)"
            await self._refuse(
                scope,
                receive,
                send,
                400,
                "host_not_allowed",
                f'This server does not answer to the host "{shown}".',
                "Host",
                "Open the page at an allowed address (e.g. http://127.0.0.1:8000), "
                "or add the name to LAYERLAB_ALLOWED_HOSTS.",
            )
            return
        origin = headers.get("origin")
        checks_origin = scope["type"] == "websocket" or scope.get("method", "GET") not in _SAFE_METHODS
        if checks_origin and origin is not None and not self.is_origin_allowed(origin, host):
            await self._refuse(
                scope,
                receive,
                send,
                403,
                "origin_not_allowed",
                f'Pages from "{origin.strip()}" may not use this API.',
                "Origin",
                "Open the page from this server itself, or add its origin to LAYERLAB_CORS_ORIGINS.",
            )
            return
        await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str, field: str, hint: str
    ) -> None:
        issue = {"code": code, "message": message, "node_id": None, "field": field, "hint": hint}
        body = json.dumps({"detail": message, "code": code, "errors": [issue]}).encode()
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if scope["type"] == "websocket":
            await receive()  # the handshake's websocket.connect, answered below without accepting
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": status, "headers": response_headers})
            await send({"type": "http.response.body", "body": body})
        elif "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": status, "headers": response_headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
