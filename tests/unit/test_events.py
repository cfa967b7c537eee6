"""Event models: JSON round trip through the discriminated union."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from layerlab.training.events import EpochEvent, StatusEvent, StepEvent, parse_event


def test_events_round_trip_through_json() -> None:
    events = [
        StatusEvent(seq=1, run_id="r", time=1.0, status="running", device="cpu"),
        StepEvent(seq=2, run_id="r", time=1.1, epoch=1, step=1, loss=0.5, learning_rate=0.01, samples_per_s=100.0),
        EpochEvent(seq=3, run_id="r", time=1.2, epoch=1, train={"loss": 0.5, "accuracy": 0.8}, val={"loss": 0.6}),
    ]
    for event in events:
        assert parse_event(event.model_dump_json()) == event


def test_unknown_type_and_missing_seq_are_rejected() -> None:
    with pytest.raises(ValidationError):
        parse_event({"seq": 1, "run_id": "r", "time": 0.0, "type": "bogus"})
    with pytest.raises(ValidationError):
        parse_event({"run_id": "r", "time": 0.0, "type": "status", "status": "running"})
    with pytest.raises(ValidationError):
        parse_event({"seq": 0, "run_id": "r", "time": 0.0, "type": "status", "status": "running"})
