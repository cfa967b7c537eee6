"""A run's events: ``GET /api/runs/{id}/events?after=N&limit=M`` and ``WS /api/runs/{id}/events?after=N``.

Both return the committed events with ``seq > after`` as the JSON text the worker produced
(never re-serialised). Nothing uncommitted is ever sent: the runner publishes an event to
websockets only after the database has it (see ``docs/architecture.md``, "Durable before
visible"), so whatever a client saw survives a crash of the server.

``GET`` answers at most ``limit`` events and about ``LAYERLAB_MAX_EVENTS_RESPONSE_BYTES`` of
them; a client asks again with ``after`` = the last seq it got.

The websocket subscribes to the live stream *first*, then replays what was recorded (in
rounds of about ``LAYERLAB_REPLAY_CHUNK_BYTES``), then forwards live events, skipping any
with ``seq <=`` the last one replayed: no gap, no duplicate. Every connection to a run that
has ended closes with 1000 right after the run's final status — also when ``after`` is at
or past it (the final status is then sent again, so a client always learns that the run
ended). 4404 when there is no such run; 1013 when the client fell so far behind that its
queue overflowed (reconnect with ``after=<last seq received>`` to lose nothing) or when it
holds too many connections (``LAYERLAB_MAX_WS_PER_RUN``, ``LAYERLAB_MAX_WS_PER_CLIENT``).

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

from layerlab.api.deps import RunnerDep, SettingsDep, StoreDep, client_id
from layerlab.api.handlers import ApiError
from layerlab.api.schemas import ErrorResponse
from layerlab.api.ws_slots import WebsocketSlots
from layerlab.runs.broadcast import EndOfStream, Subscriber, SubscriberOverflow
from layerlab.storage.store import RunStore
from layerlab.training.events import TERMINAL_STATES, Event

router = APIRouter(tags=["events"])
logger = logging.getLogger(__name__)

#: Events per websocket message while replaying with ``batch=true``.
REPLAY_BATCH = 1000
#: The largest ``after`` taken (larger ones mean "after everything"; the database's integers stop at 2**63).
MAX_SEQ = 2**53
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013


def is_final(event_type: str, payload: str) -> bool:
    """True for a ``status`` event with a final state."""
    return event_type == "status" and json.loads(payload).get("status") in TERMINAL_STATES


@router.get("/api/runs/{run_id}/events", response_model=list[Event], responses={404: {"model": ErrorResponse}})
async def get_events(
    run_id: str,
    store: StoreDep,
    runner: RunnerDep,
    settings: SettingsDep,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
) -> Response:
    """Committed events with ``seq > after`` (at most ``limit``, and about a bounded number of bytes), by seq."""
    if runner.get(run_id) is None and await run_in_threadpool(store.get_run, run_id) is None:
        raise ApiError(404, f'No run "{run_id}".')
    events = await run_in_threadpool(store.events_after, run_id, after, limit, settings.max_events_response_bytes)
    body = "[" + ",".join(payload for _, _, payload in events) + "]"
    return Response(content=body, media_type="application/json")


async def _wait_disconnect(websocket: WebSocket) -> None:
    """Return when the client goes away (anything it sends is ignored)."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


class _Sent:
    """What one connection has sent: the last seq, and whether the run's final status was among it."""

    def __init__(self, after: int) -> None:
        self.last = after
        self.final = False


async def _forward(websocket: WebSocket, subscriber: Subscriber, sent: _Sent) -> int:
    """Send live events after ``sent.last`` until the run ends; returns the close code to use."""
    while True:
        try:
            item = await subscriber.get()
        except SubscriberOverflow:
            return CLOSE_TRY_AGAIN_LATER
        if isinstance(item, EndOfStream):
            return 1000
        seq, event_type, payload = item
        if seq <= sent.last:
            continue
        await websocket.send_text(payload)
        sent.last = seq
        sent.final = is_final(event_type, payload)


async def _send_final_status(websocket: WebSocket, store: RunStore, run_id: str, sent: _Sent) -> None:
    """Send the run's final status if this connection has not (``after`` was at or past it)."""
    if sent.final:
        return
    last = await run_in_threadpool(store.last_event, run_id)
    if last is not None and is_final(last[1], last[2]):
        await websocket.send_text(last[2])
        sent.final = True


async def _close(websocket: WebSocket, code: int, reason: str = "") -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, reason), timeout=2.0)


@router.websocket("/api/runs/{run_id}/events")
async def stream_events(
    websocket: WebSocket,
    run_id: str,
    store: StoreDep,
    runner: RunnerDep,
    settings: SettingsDep,
    after: int = 0,
    batch: bool = False,
) -> None:
    """Replay then live (see the module docstring)."""
    await websocket.accept()
    slots: WebsocketSlots = websocket.app.state.ws_slots
    client = client_id(websocket)
    refused = slots.acquire(run_id, client)
    if refused is not None:
        await _close(websocket, CLOSE_TRY_AGAIN_LATER, refused)
        return
    subscriber = runner.subscribe(run_id)
    try:
        if subscriber is None and await run_in_threadpool(store.get_run, run_id) is None:
            await _close(websocket, CLOSE_NOT_FOUND, f"no run {run_id}")
            return
        sent = _Sent(min(max(0, after), MAX_SEQ))  # any after is fine: past the end it gets the final status
        while True:
            chunk = await run_in_threadpool(store.events_after, run_id, sent.last, None, settings.replay_chunk_bytes)
            if not chunk:
                break
            if batch:
                for start in range(0, len(chunk), REPLAY_BATCH):
                    part = chunk[start : start + REPLAY_BATCH]
                    await websocket.send_text("[" + ",".join(payload for _, _, payload in part) + "]")
            else:
                for _, _, payload in chunk:
                    await websocket.send_text(payload)
            sent.last = chunk[-1][0]
            sent.final = is_final(chunk[-1][1], chunk[-1][2])
            if sum(len(payload) for _, _, payload in chunk) < settings.replay_chunk_bytes:
                break  # the chunk did not fill its byte budget: that was the end of the history
        if sent.final or subscriber is None:
            await _send_final_status(websocket, store, run_id, sent)
            await _close(websocket, 1000)
            return
        forward = asyncio.ensure_future(_forward(websocket, subscriber, sent))
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
        await _send_final_status(websocket, store, run_id, sent)
        await _close(websocket, 1000)
    except WebSocketDisconnect:
        return
    finally:
        slots.release(run_id, client)
        if subscriber is not None:
            runner.broadcaster.unsubscribe(run_id, subscriber)
