"""RunControl: commands that reach a running fit between steps.

Thread-safe: a server-side reader thread calls :meth:`pause`, :meth:`resume`,
:meth:`stop`, :meth:`step_once`, :meth:`set_learning_rate`, :meth:`set_probe_index` and
:meth:`set_sampling`; the engine calls :meth:`take_learning_rate`, :meth:`take_probe_index`,
:meth:`take_sampling` and :meth:`wait_if_paused` between batches.
"""

from __future__ import annotations

import threading

__all__ = ["RunControl"]


class RunControl:
    """Pause/resume/stop/step, live learning-rate and probe-sample changes for one run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        self._stop_requested = False
        self._single_steps = 0
        self._pending_lr: float | None = None
        self._pending_probe: int | None = None
        self._pending_sampling: dict[str, object] | None = None

    # --- called by whoever controls the run -------------------------------------------
    def pause(self) -> None:
        """Pause before the next batch."""
        self._running.clear()

    def resume(self) -> None:
        """Continue after a pause."""
        self._running.set()

    def stop(self) -> None:
        """Stop before the next batch; the run ends ``stopped``."""
        with self._lock:
            self._stop_requested = True
        self._running.set()

    def step_once(self) -> None:
        """While paused, run exactly one more batch, then stay paused."""
        with self._lock:
            self._single_steps += 1
        self._running.set()

    def set_learning_rate(self, lr: float) -> None:
        """Use ``lr`` from the next batch on."""
        with self._lock:
            self._pending_lr = lr

    def set_probe_index(self, index: int) -> None:
        """Follow the validation example ``index`` in the live activations from the next batch on."""
        with self._lock:
            self._pending_probe = index

    def set_sampling(self, changes: dict[str, object]) -> None:
        """Change a language model's live samples (``temperature``, ``length``, ``prompt``) from the next batch on.

        Changes since the engine last looked are merged (the later value of a key wins).
        """
        with self._lock:
            self._pending_sampling = {**(self._pending_sampling or {}), **changes}

    # --- called by the engine -----------------------------------------------------------
    @property
    def is_stop_requested(self) -> bool:
        """True once :meth:`stop` was called."""
        with self._lock:
            return self._stop_requested

    @property
    def is_paused(self) -> bool:
        """True while paused (and no single step is pending)."""
        return not self._running.is_set()

    def take_learning_rate(self) -> float | None:
        """The learning rate asked for since the last call, if any."""
        with self._lock:
            lr, self._pending_lr = self._pending_lr, None
            return lr

    def take_probe_index(self) -> int | None:
        """The probe sample asked for since the last call, if any."""
        with self._lock:
            index, self._pending_probe = self._pending_probe, None
            return index

    def take_sampling(self) -> dict[str, object] | None:
        """The sampling changes asked for since the last call, if any."""
        with self._lock:
            changes, self._pending_sampling = self._pending_sampling, None
            return changes

    def wait_if_paused(self, timeout_s: float | None = None) -> bool:
        """Block while paused; return True when the next batch may run.

        A pending :meth:`step_once` lets exactly one batch through and re-pauses.
        Returns False when ``timeout_s`` passed and the run is still paused.
        """
        if not self._running.wait(timeout_s):
            return False
        with self._lock:
            if self._single_steps > 0 and not self._stop_requested:
                self._single_steps -= 1
                self._running.clear()
        return True
