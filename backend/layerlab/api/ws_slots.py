"""WebsocketSlots: caps on how many event websockets one run and one client may hold at once.

One instance per app (``app.state.ws_slots``), used from the event loop only. A refused
connection is closed with 1013 ("try again later") and a reason naming the limit, so a
page reconnects with its usual back-off once another of its sockets has closed.

>>> slots = WebsocketSlots(per_run=2, per_client=1)
>>> slots.acquire("r1", "a") is None
True
>>> slots.acquire("r1", "a")
'too many connections from this client (the limit is 1)'
>>> slots.release("r1", "a")
>>> slots.acquire("r1", "a") is None
True
"""

from __future__ import annotations

from collections import Counter

__all__ = ["WebsocketSlots"]


class WebsocketSlots:
    """Counts of open event websockets per run and per client, with their limits."""

    def __init__(self, *, per_run: int, per_client: int) -> None:
        self.per_run = per_run
        self.per_client = per_client
        self._runs: Counter[str] = Counter()
        self._clients: Counter[str] = Counter()

    def acquire(self, run_id: str, client_id: str | None) -> str | None:
        """Take a slot; None when granted, else why not (the close reason)."""
        if self._runs[run_id] >= self.per_run:
            return f"too many connections to this run (the limit is {self.per_run})"
        if client_id is not None and self._clients[client_id] >= self.per_client:
            return f"too many connections from this client (the limit is {self.per_client})"
        self._runs[run_id] += 1
        if client_id is not None:
            self._clients[client_id] += 1
        return None

    def release(self, run_id: str, client_id: str | None) -> None:
        """Give a slot back (once per granted :meth:`acquire`)."""
        for counter, key in ((self._runs, run_id), (self._clients, client_id)):
            if key is None:
                continue
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]
