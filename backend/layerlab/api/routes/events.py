"""A run's events: ``GET /api/runs/{id}/events?after=N&limit=M`` and ``WS /api/runs/{id}/events?after=N``.

Both return the recorded events with ``seq > after`` — from the database and the
not-yet-flushed tail — as the JSON text the worker produced (never re-serialised).

The websocket subscribes to the live stream *first*, then replays what was recorded,
then forwards live events, skipping any with ``seq <=`` the last one replayed: no gap,
no duplicate. It closes with 1000 right after the final status; 4404 when there is
no such run; 1013 when the client fell so far behind that its queue overflowed
(reconnect with ``after=<last seq received>`` to lose nothing).

With ``batch=true`` the replay part is sent as JSON *arrays* of up to
:data:`REPLAY_BATCH` events per message (a long history replays ~10× faster); live
events are always single JSON objects. A client tells them apart by the first character.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Query, Response, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from layerlab.api.deps import RunnerDep, StoreDep, WriterDep
from layerlab.api.handlers import ApiError
from layerlab.api.schemas import ErrorResponse
from layerlab.runs.broadcast import EndOfStream, Subscriber, SubscriberOverflow
from layerlab.runs.runner import read_events
from layerlab.training.events import TERMINAL_STATES, Event

router = APIRouter(tags=["events"])
logger = logging.getLogger(__name__)

#: Events read from the database per round trip while replaying.
REPLAY_CHUNK = 20_000
#: Events per websocket message while replaying with ``batch=true``.
REPLAY_BATCH = 1000
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013


def is_final(event_type: str, payload: str) -> bool:
    """True for a ``status`` event with a final state."""
    return event_type == "status" and json.loads(payload).get("status") in TERMINAL_STATES


@router.get("/api/runs/{run_id}/events", response_model=list[Event], responses={404: {"model": ErrorResponse}})
async def get_events(
    run_id: str,
    store: StoreDep,
    writer: WriterDep,
    runner: RunnerDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
) -> Response:
    """Recorded events with ``seq > after`` (at most ``limit``), ordered by seq, as a bare JSON array."""
    if runner.get(run_id) is None and await run_in_threadpool(store.get_run, run_id) is None:
        raise ApiError(404, f'No run "{run_id}".')
    events = await run_in_threadpool(read_events, store, writer, run_id, after, limit)
    body = "[" + ",".join(payload for _, _, payload in events) + "]"
    return Response(content=body, media_type="application/json")


async def _wait_disconnect(websocket: WebSocket) -> None:
    """Return when the client goes away (anything it sends is ignored)."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _forward(websocket: WebSocket, subscriber: Subscriber, last: int) -> int:
    """Send live events after ``last`` until the run ends; returns the close code to use."""
    while True:
        try:
            item = await subscriber.get()
        except SubscriberOverflow:
            return CLOSE_TRY_AGAIN_LATER
        if isinstance(item, EndOfStream):
            return 1000
        seq, _event_type, payload = item
        if seq <= last:
            continue
        await websocket.send_text(payload)
        last = seq


async def _close(websocket: WebSocket, code: int, reason: str = "") -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, reason), timeout=2.0)


@router.websocket("/api/runs/{run_id}/events")
async def stream_events(
    websocket: WebSocket,
    run_id: str,
    store: StoreDep,
    writer: WriterDep,
    runner: RunnerDep,
    after: int = 0,
    batch: bool = False,
) -> None:
    """Replay then live (see the module docstring)."""
    await websocket.accept()
    subscriber = runner.subscribe(run_id)
    try:
        if subscriber is None and await run_in_threadpool(store.get_run, run_id) is None:
            await _close(websocket, CLOSE_NOT_FOUND, f"no run {run_id}")
            return
        last = max(0, after)
        final = False
        while True:
            chunk = await run_in_threadpool(read_events, store, writer, run_id, last, REPLAY_CHUNK)
            if batch:
                for start in range(0, len(chunk), REPLAY_BATCH):
                    part = chunk[start : start + REPLAY_BATCH]
                    await websocket.send_text("[" + ",".join(payload for _, _, payload in part) + "]")
            else:
                for _, _, payload in chunk:
                    await websocket.send_text(payload)
            if chunk:
                last = chunk[-1][0]
                final = is_final(chunk[-1][1], chunk[-1][2])
            if len(chunk) < REPLAY_CHUNK:
                break
        if final or subscriber is None:
            await _close(websocket, 1000)
            return
        forward = asyncio.ensure_future(_forward(websocket, subscriber, last))
        gone = asyncio.ensure_future(_wait_disconnect(websocket))
        overflow = asyncio.ensure_future(subscriber.overflowed_event.wait())
        done, pending = await asyncio.wait({forward, gone, overflow}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
        if gone in done or (forward in done and forward.exception() is not None):
            return
        if overflow in done or forward.result() == CLOSE_TRY_AGAIN_LATER:
            logger.info("run %s: closing a subscriber that fell behind (1013)", run_id)
            await _close(websocket, CLOSE_TRY_AGAIN_LATER, "too slow: reconnect with after=<last seq>")
            return
        await _close(websocket, 1000)
    except WebSocketDisconnect:
        return
    finally:
        if subscriber is not None:
            runner.broadcaster.unsubscribe(run_id, subscriber)
