"""``GET /api/datasets``: every data set with its shapes, classes and availability."""

from __future__ import annotations

from fastapi import APIRouter

from layerlab.api.deps import SettingsDep
from layerlab.datasets import DatasetInfo, list_datasets

router = APIRouter(tags=["datasets"])


@router.get("/api/datasets", response_model=list[DatasetInfo])
def get_datasets(settings: SettingsDep) -> list[DatasetInfo]:
    """Cheap: never loads a data set's files (runs in a thread)."""
    return list_datasets(settings)
