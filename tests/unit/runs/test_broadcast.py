"""Broadcaster: every subscriber gets every scalar event; bulky ones are thinned when behind; overflow marks it."""

from __future__ import annotations

import asyncio

import pytest

from layerlab.runs.broadcast import Broadcaster, EndOfStream, SubscriberOverflow


def test_each_subscriber_gets_every_event_then_end_of_stream() -> None:
    async def scenario() -> None:
        broadcaster = Broadcaster(queue_size=100)
        subs = [broadcaster.subscribe("r") for _ in range(3)]
        other = broadcaster.subscribe("other")
        for seq in range(1, 6):
            broadcaster.publish("r", seq, "step", f"e{seq}")
        broadcaster.end("r")
        for sub in subs:
            got = [await sub.get() for _ in range(6)]
            assert got[:5] == [(seq, "step", f"e{seq}") for seq in range(1, 6)] and isinstance(got[5], EndOfStream)
        assert other.qsize() == 0 and broadcaster.count("r") == 0 and broadcaster.count("other") == 1

    asyncio.run(scenario())


def test_slow_subscriber_loses_bulky_events_only() -> None:
    broadcaster = Broadcaster(queue_size=10)
    slow = broadcaster.subscribe("r")
    for seq in range(1, 9):
        broadcaster.publish("r", seq, "decision_boundary" if seq % 2 else "epoch", str(seq))
    kept = []
    while (item := slow.get_nowait()) is not None:
        assert not isinstance(item, EndOfStream)
        kept.append(item[0])
    assert kept == [1, 2, 3, 4, 5, 6, 8] and slow.dropped == 1 and not slow.overflowed


def test_a_full_queue_of_scalars_marks_overflow_and_others_are_unaffected() -> None:
    async def scenario() -> None:
        broadcaster = Broadcaster(queue_size=10)
        stuck, live = broadcaster.subscribe("r"), broadcaster.subscribe("r")
        for seq in range(1, 12):
            broadcaster.publish("r", seq, "step", str(seq))
            assert await live.get() == (seq, "step", str(seq))
        assert stuck.overflowed and stuck.overflowed_event.is_set() and not live.overflowed
        with pytest.raises(SubscriberOverflow):
            await stuck.get()

    asyncio.run(scenario())


def test_unsubscribe_is_idempotent() -> None:
    broadcaster = Broadcaster()
    sub = broadcaster.subscribe("r")
    broadcaster.unsubscribe("r", sub)
    broadcaster.unsubscribe("r", sub)
    broadcaster.publish("r", 1, "step", "x")
    assert sub.qsize() == 0
