"""The messages between the server and a worker process, over two one-way pipes.

Server → worker (``send_bytes`` of a JSON object), one of::

    {"op": "run", "run_id": ..., "request": <RunRequest JSON text>, "first_seq": n}
    {"op": "pause" | "resume" | "stop" | "step", "run_id": ...}
    {"op": "learning_rate", "run_id": ..., "value": 0.01}
    {"op": "probe", "run_id": ..., "value": 7}        the probe sample's index in the validation split
    {"op": "sampling", "run_id": ..., "value": {"temperature": 0.5, "prompt": "ROMEO:"}}
                                                      a language model's new sample settings (any of
                                                      temperature, length, prompt)
    {"op": "exit"}

Worker → server (``send_bytes``), one of::

    b"R"                          ready: torch and the job function are imported
    b"H"                          heartbeat: the process is alive (sent by a thread of its own)
    b"E<seq> <type>\\n<json>"      one event, its JSON text exactly as it will be stored
    b"D<run_id>"                  the job function returned for that run

The event header lets the server route and check ``seq`` without parsing bulky JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ControlOp",
    "EventMessage",
    "HEARTBEAT",
    "READY",
    "decode_worker_message",
    "encode_command",
    "encode_done",
    "encode_event",
]

ControlOp = Literal["pause", "resume", "stop", "step", "learning_rate", "probe", "sampling"]

READY = b"R"
HEARTBEAT = b"H"


@dataclass(frozen=True)
class EventMessage:
    """An event as the server receives it: header fields and the untouched JSON text."""

    seq: int
    type: str
    payload: str


def encode_event(seq: int, event_type: str, payload: str) -> bytes:
    """Frame one event for the pipe."""
    return f"E{seq} {event_type}\n".encode() + payload.encode()


def encode_done(run_id: str) -> bytes:
    """Frame "the job for ``run_id`` returned"."""
    return b"D" + run_id.encode()


def decode_worker_message(data: bytes) -> EventMessage | tuple[Literal["ready"], None] | tuple[Literal["done"], str]:
    """Decode one worker → server message.

    >>> decode_worker_message(b'E3 step\\n{"seq":3}')
    EventMessage(seq=3, type='step', payload='{"seq":3}')
    >>> decode_worker_message(b"Dabc")
    ('done', 'abc')
    """
    kind = data[:1]
    if kind == b"E":
        header, _, body = data.partition(b"\n")
        seq_text, _, event_type = header[1:].decode().partition(" ")
        return EventMessage(int(seq_text), event_type, body.decode())
    if kind == b"D":
        return ("done", data[1:].decode())
    if kind == READY:
        return ("ready", None)
    raise ValueError(f"unknown worker message {data[:20]!r}")


def encode_command(op: str, run_id: str | None = None, **fields: object) -> bytes:
    """Frame one server → worker command."""
    message: dict[str, object] = {"op": op, **fields}
    if run_id is not None:
        message["run_id"] = run_id
    return json.dumps(message).encode()
