"""The telemetry producers a run gets: one line per producer (see ``TelemetryProducer``).

A new view's server side is one producer module plus one line here.
"""

from __future__ import annotations

from layerlab.settings import Settings
from layerlab.training.boundary import BoundaryProducer
from layerlab.training.callbacks import TelemetryProducer
from layerlab.training.diagnostics import DiagnosticsProducer
from layerlab.training.forecasts import ForecastProducer
from layerlab.training.request import RunRequest
from layerlab.training.sampling import TextSamplesProducer
from layerlab.training.telemetry import telemetry_producers
from layerlab.training.weights import WeightsProducer

__all__ = ["build_producers"]


def build_producers(request: RunRequest, settings: Settings, run_id: str) -> list[TelemetryProducer]:
    """The producers for one run, in the order they report after each hook."""
    producers: list[TelemetryProducer] = [BoundaryProducer(request.training.boundary_resolution)]
    producers.append(DiagnosticsProducer())
    producers.append(WeightsProducer(settings.home, run_id))
    producers.append(ForecastProducer())
    producers.append(TextSamplesProducer(budget=settings.telemetry_budget))
    producers.extend(telemetry_producers(request, settings))
    return producers
