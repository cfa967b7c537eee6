"""EventEmitter's numbering and throttling; CallbackList's fan-out."""

from __future__ import annotations

from typing import Any

import torch

from layerlab.training.callbacks import FLOOR_RATE_FACTOR, Callback, CallbackList, EventEmitter, TrainState
from layerlab.training.events import Event


def _state(step: int) -> TrainState:
    state = TrainState(epochs=1, steps_per_epoch=100, epoch=1, step=step, batch=step, batch_samples=32, lr=0.1)
    state.loss_tensor = torch.tensor(0.5)
    return state


def test_seq_starts_at_first_seq_and_has_no_gaps(manual_clock: Any) -> None:
    events: list[Event] = []
    emitter = EventEmitter("r", events.append, first_seq=41, clock=manual_clock(step_s=1.0))
    emitter.on_train_start(_state(0))
    for step in range(1, 4):
        emitter.on_batch_end(_state(step))
    emitter.emit_status("completed")
    assert [e.seq for e in events] == [41, 42, 43, 44, 45] and emitter.next_seq == 46


def test_first_step_is_sent_at_once_then_at_most_the_configured_rate(manual_clock: Any) -> None:
    events: list[Event] = []
    clock = manual_clock(step_s=0.01)  # 10 ms per clock read
    emitter = EventEmitter("r", events.append, step_events_per_s=10.0, clock=clock)
    emitter.on_train_start(_state(0))
    for step in range(1, 101):  # ~1 s of batches
        emitter.on_batch_end(_state(step))
    steps = [e for e in events if e.type == "step"]
    assert steps[0].type == "step" and steps[0].step == 1
    assert 9 <= len(steps) <= 11
    assert all(e.type == "step" and e.samples_per_s > 0 for e in steps[1:])


def test_a_fast_epoch_still_sends_its_share_of_steps(manual_clock: Any) -> None:
    events: list[Event] = []
    clock = manual_clock(step_s=0.006)  # 6 ms per clock read: 100 batches in ~0.6 s
    emitter = EventEmitter("r", events.append, step_events_per_s=10.0, step_events_per_epoch=20, clock=clock)
    emitter.on_train_start(_state(0))
    for step in range(1, 101):
        emitter.on_batch_end(_state(step))
    steps = [e.step for e in events if e.type == "step"]
    # by time alone 6-7 steps; with the floor every 5th batch (100 / 20)
    assert steps[:3] == [1, 6, 11] and 19 <= len(steps) <= 21


def test_the_per_epoch_floor_stays_under_a_few_times_the_time_rate(manual_clock: Any) -> None:
    events: list[Event] = []
    clock = manual_clock(step_s=0.0002)  # 0.2 ms per read: the floor alone would send 20 in 20 ms
    emitter = EventEmitter("r", events.append, step_events_per_s=10.0, step_events_per_epoch=20, clock=clock)
    emitter.on_train_start(_state(0))
    for step in range(1, 101):
        emitter.on_batch_end(_state(step))
    steps = [e.step for e in events if e.type == "step"]
    # 100 batches in ~20 ms, under 1 / (FLOOR_RATE_FACTOR × 10/s): no more than the first
    assert FLOOR_RATE_FACTOR * 0.02 < 1 / 10 and steps == [1]


def test_unsent_steps_never_read_the_loss(manual_clock: Any) -> None:
    reads: list[int] = []

    class Counting(TrainState):
        def batch_loss(self) -> float:
            reads.append(self.step)
            return 0.5

    emitter = EventEmitter("r", lambda e: None, step_events_per_s=1.0, clock=manual_clock(step_s=0.0))
    for step in range(1, 50):
        state = Counting(epoch=1, step=step, batch_samples=1)
        emitter.on_batch_end(state)
    assert reads == [1]


def test_callback_list_calls_every_callback_in_order() -> None:
    calls: list[str] = []

    class Recorder(Callback):
        def __init__(self, name: str) -> None:
            self.name = name

        def on_epoch_start(self, state: TrainState) -> None:
            calls.append(self.name)

    CallbackList([Recorder("a"), Recorder("b")]).on_epoch_start(TrainState())
    assert calls == ["a", "b"]
