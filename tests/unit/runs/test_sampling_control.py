"""The live "sampling" control: server → worker command → the run's RunControl, merged until the engine takes it."""

from __future__ import annotations

import json
import queue
import threading
from multiprocessing import Pipe
from typing import Any

from layerlab.runs.protocol import encode_command
from layerlab.runs.worker import _read_commands
from layerlab.training.control import RunControl


def _deliver(*commands: bytes) -> RunControl:
    """Send ``commands`` through a real pipe to the worker's command reader; the run ``r1``'s control afterwards."""
    reader, writer = Pipe(duplex=False)
    control = RunControl()
    jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    thread = threading.Thread(target=_read_commands, args=(reader, jobs, {"r1": control}), daemon=True)
    thread.start()
    for command in commands:
        writer.send_bytes(command)
    writer.send_bytes(encode_command("exit"))
    thread.join(timeout=5)
    assert not thread.is_alive() and jobs.get_nowait() is None
    return control


def test_a_sampling_command_frames_its_changes_as_a_dict_value() -> None:
    command = encode_command("sampling", "r1", value={"temperature": 0.5, "prompt": "ROMEO:"})
    assert json.loads(command) == {"op": "sampling", "value": {"temperature": 0.5, "prompt": "ROMEO:"}, "run_id": "r1"}


def test_sampling_commands_reach_the_control_merged_the_later_value_winning() -> None:
    control = _deliver(
        encode_command("sampling", "r1", value={"temperature": 0.5, "prompt": "ROMEO:"}),
        encode_command("sampling", "r1", value={"temperature": 1.5, "length": 40}),
    )
    assert control.take_sampling() == {"temperature": 1.5, "prompt": "ROMEO:", "length": 40}
    assert control.take_sampling() is None


def test_a_sampling_command_without_a_dict_or_for_another_run_changes_nothing() -> None:
    control = _deliver(
        encode_command("sampling", "r1", value=0.5),
        encode_command("sampling", "other", value={"temperature": 0.5}),
    )
    assert control.take_sampling() is None
