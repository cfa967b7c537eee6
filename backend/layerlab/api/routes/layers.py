"""``GET /api/layers``: the layer registry (the palette, parameter forms and their JSON Schemas)."""

from __future__ import annotations

from fastapi import APIRouter

from layerlab.api.schemas import LayerInfo
from layerlab.layers import layer_catalogue

router = APIRouter(tags=["layers"])


@router.get("/api/layers", response_model=list[LayerInfo])
def list_layers() -> list[dict[str, object]]:
    """Every layer type: ``type``, ``category``, ``description``, ``explanation``, ``params_schema``, ``inputs``."""
    return layer_catalogue()
