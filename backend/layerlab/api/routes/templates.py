"""``GET /api/templates`` and ``GET /api/templates/{name}``: ready-made graphs with their data set and training."""

from __future__ import annotations

from fastapi import APIRouter

from layerlab.api.handlers import ApiError
from layerlab.api.schemas import ErrorResponse
from layerlab.templates import Template, get_template, list_templates

router = APIRouter(tags=["templates"])


@router.get("/api/templates", response_model=list[Template])
def get_templates() -> list[Template]:
    """Every template."""
    return list_templates()


@router.get("/api/templates/{name}", response_model=Template, responses={404: {"model": ErrorResponse}})
def get_one_template(name: str) -> Template:
    """One template; 404 naming the known ones when there is no such template."""
    template = get_template(name)
    if template is None:
        names = ", ".join(t.name for t in list_templates())
        raise ApiError(404, f'No template "{name}". Use one of: {names}.')
    return template
