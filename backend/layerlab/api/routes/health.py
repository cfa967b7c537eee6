"""``GET /api/health``: liveness, version, the default training device, and whether storage works.

Always 200 while the server answers: ``{"status": "ok", "version", "device"}``, or ``degraded`` (with ``reason`` and
``hint``) while the database refuses writes: the events recorded since are held in memory
(``pending_events``) and committed when it works again; after
``LAYERLAB_STORAGE_FAILURE_TIMEOUT_S`` the active runs end ``failed`` (``storage_error``).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from layerlab import __version__
from layerlab.api.schemas import Health
from layerlab.runs.runner import STORAGE_ERROR_HINT, Runner

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=Health, response_model_exclude_none=True)
def health(request: Request) -> Health:
    """The server's state; 200 whenever it answers (see the module docstring)."""
    device = str(getattr(request.app.state, "device", None) or request.app.state.settings.device)
    runner: Runner | None = getattr(request.app.state, "runner", None)
    if runner is None:
        return Health(version=__version__, device=device)
    storage = runner.storage_health()
    if storage.is_ok:
        return Health(version=__version__, device=device)
    assert storage.failing_since is not None
    for_s = time.monotonic() - storage.failing_since
    return Health(
        status="degraded",
        version=__version__,
        device=device,
        reason=(
            f"Storage has been refusing writes for {for_s:.0f} s ({storage.error}); "
            f"{storage.pending} events are held in memory until it works again."
        ),
        hint=STORAGE_ERROR_HINT,
        pending_events=storage.pending,
    )
