"""The API's routers, one module per resource; :data:`ROUTERS` lists them in mounting order."""

from fastapi import APIRouter

from layerlab.api.routes import datasets, events, graphs, health, layers, predict, projects, runs, templates

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    health.router,
    layers.router,
    datasets.router,
    templates.router,
    graphs.router,
    runs.router,
    predict.router,
    events.router,
    projects.router,
]
