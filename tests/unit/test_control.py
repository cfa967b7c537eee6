"""RunControl: pause/resume/stop/step and learning-rate changes reach the loop between steps."""

from __future__ import annotations

import threading
import time

from layerlab.training.control import RunControl


def test_pause_blocks_until_resume() -> None:
    control = RunControl()
    control.pause()
    assert control.is_paused
    assert control.wait_if_paused(timeout_s=0.01) is False
    threading.Timer(0.05, control.resume).start()
    started = time.monotonic()
    assert control.wait_if_paused(timeout_s=5) is True
    assert time.monotonic() - started < 4


def test_step_once_lets_exactly_one_batch_through() -> None:
    control = RunControl()
    control.pause()
    control.step_once()
    assert control.wait_if_paused(timeout_s=0.01) is True
    assert control.is_paused
    assert control.wait_if_paused(timeout_s=0.01) is False


def test_stop_releases_a_paused_loop() -> None:
    control = RunControl()
    control.pause()
    control.stop()
    assert control.wait_if_paused(timeout_s=0.01) is True
    assert control.is_stop_requested


def test_learning_rate_is_taken_once() -> None:
    control = RunControl()
    assert control.take_learning_rate() is None
    control.set_learning_rate(0.05)
    assert control.take_learning_rate() == 0.05
    assert control.take_learning_rate() is None
