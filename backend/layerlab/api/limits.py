"""BodySizeLimit: an ASGI middleware that answers 413 to request bodies over ``max_bytes``.

It checks ``Content-Length`` up front and counts the bytes actually streamed (a
chunked upload without a length, or a lying header, is cut off as soon as it goes over).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimit"]


class _TooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body goes over the limit.

    An HTTPException, so FastAPI passes it through its body reading and the app's
    handler answers 413 in the usual error shape; if it escapes the app, we answer here.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than this server accepts ({max_bytes} bytes).")


class BodySizeLimit:
    """Reject HTTP request bodies larger than ``max_bytes`` with 413 and the usual error body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> bytes:
        detail = f"The request body is larger than this server accepts ({self.max_bytes} bytes)."
        return json.dumps({"detail": detail, "code": "body_too_large", "errors": []}).encode()

    async def _reject(self, send: Send) -> None:
        body = self._message()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reject(send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)
