"""Fan-out of each run's events to its websocket subscribers, never waiting on any of them.

Everything here runs on the event loop (no locks). :meth:`Broadcaster.publish` puts an
event into every subscriber's bounded queue and returns at once:

* a subscriber whose queue is above its high-water mark (half full) skips bulky
  events (:data:`~layerlab.training.events.BULKY_EVENT_TYPES`: activations, weights,
  gradients, decision boundaries, samples); scalar events are always queued;
* a subscriber whose queue is full even so is marked *overflowed*: its websocket is
  closed with code 1013 and it can reconnect with ``after=<last seq>`` and lose nothing.

So a slow or stuck client costs the run and the other clients nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from layerlab.training.events import BULKY_EVENT_TYPES

__all__ = ["Broadcaster", "EndOfStream", "Subscriber", "SubscriberOverflow"]


@dataclass(frozen=True)
class EndOfStream:
    """Marker: the run has ended and every event was delivered to the queue."""


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind; close its websocket with 1013."""


class Subscriber:
    """One client's bounded queue of ``(seq, type, json_text)``."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.high_water = max(1, maxsize // 2)
        self._items: deque[tuple[int, str, str] | EndOfStream] = deque()
        self._ready = asyncio.Event()
        #: Set once the subscriber overflowed (the websocket handler waits on it while a send blocks).
        self.overflowed_event = asyncio.Event()
        self.overflowed = False
        self.dropped = 0

    def offer(self, seq: int, event_type: str, payload: str) -> None:
        """Queue an event, thinning bulky ones when behind; mark overflow when full."""
        if self.overflowed:
            return
        size = len(self._items)
        if event_type in BULKY_EVENT_TYPES and size >= self.high_water:
            self.dropped += 1
            return
        if size >= self.maxsize:
            self.overflowed = True
            self.overflowed_event.set()
            self._items.clear()
            self._ready.set()
            return
        self._items.append((seq, event_type, payload))
        self._ready.set()

    def end(self) -> None:
        """No more events will come (the run ended)."""
        self._items.append(EndOfStream())
        self._ready.set()

    def qsize(self) -> int:
        """Events waiting to be sent."""
        return len(self._items)

    async def get(self) -> tuple[int, str, str] | EndOfStream:
        """The next event, waiting for one; raises :class:`SubscriberOverflow` when overflowed."""
        while True:
            if self.overflowed:
                raise SubscriberOverflow
            if self._items:
                return self._items.popleft()
            self._ready.clear()
            await self._ready.wait()

    def get_nowait(self) -> tuple[int, str, str] | EndOfStream | None:
        """The next event if one is queued, else None (raises on overflow)."""
        if self.overflowed:
            raise SubscriberOverflow
        return self._items.popleft() if self._items else None


class Broadcaster:
    """Subscribers per run; :meth:`publish` never blocks (see the module docstring).

    >>> b = Broadcaster(queue_size=10)
    >>> sub = b.subscribe("r1")
    >>> b.publish("r1", 1, "status", '{"seq":1}')
    >>> sub.get_nowait()
    (1, 'status', '{"seq":1}')
    """

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[str, set[Subscriber]] = {}

    def subscribe(self, run_id: str) -> Subscriber:
        """A new subscriber to the events of ``run_id`` published from now on."""
        subscriber = Subscriber(self.queue_size)
        self._subscribers.setdefault(run_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, run_id: str, subscriber: Subscriber) -> None:
        """Forget a subscriber (idempotent)."""
        subscribers = self._subscribers.get(run_id)
        if subscribers is not None:
            subscribers.discard(subscriber)
            if not subscribers:
                del self._subscribers[run_id]

    def publish(self, run_id: str, seq: int, event_type: str, payload: str) -> None:
        """Offer one event to every subscriber of the run."""
        for subscriber in self._subscribers.get(run_id, ()):
            subscriber.offer(seq, event_type, payload)

    def end(self, run_id: str) -> None:
        """The run ended: tell its subscribers and forget them."""
        for subscriber in self._subscribers.pop(run_id, ()):
            subscriber.end()

    def count(self, run_id: str) -> int:
        """How many subscribers a run has."""
        return len(self._subscribers.get(run_id, ()))
