"""The worker pipe protocol: framing round-trips; exit descriptions name the signal."""

from __future__ import annotations

import json

import pytest

from layerlab.runs.ids import new_id
from layerlab.runs.pool import describe_exit
from layerlab.runs.protocol import READY, EventMessage, decode_worker_message, encode_command, encode_done, encode_event


def test_event_frames_round_trip_with_the_payload_untouched() -> None:
    payload = '{"seq": 7, "type": "epoch", "note": "line\\nbreak é"}'
    assert decode_worker_message(encode_event(7, "epoch", payload)) == EventMessage(7, "epoch", payload)


def test_ready_done_and_commands() -> None:
    assert decode_worker_message(READY) == ("ready", None)
    assert decode_worker_message(encode_done("abc")) == ("done", "abc")
    assert json.loads(encode_command("learning_rate", "r1", value=0.1)) == {
        "op": "learning_rate",
        "value": 0.1,
        "run_id": "r1",
    }
    with pytest.raises(ValueError):
        decode_worker_message(b"?junk")


def test_describe_exit_names_signals_and_codes() -> None:
    assert describe_exit(-9) == "killed by signal SIGKILL"
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(None) == "ended for an unknown reason"


def test_ids_are_short_random_hex() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 12 and int(i, 16) >= 0 for i in ids)
