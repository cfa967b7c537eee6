"""``GET /api/health``: liveness, version and the default training device."""

from __future__ import annotations

from fastapi import APIRouter, Request

from layerlab import __version__
from layerlab.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=Health)
def health(request: Request) -> Health:
    """Always 200 while the server is up."""
    device = getattr(request.app.state, "device", None) or request.app.state.settings.device
    return Health(status="ok", version=__version__, device=str(device))
