"""Templates: ready-made graphs with their data set and training settings, stored as JSON files beside this module.

Each ``<name>.json`` holds one :class:`Template`; the files ship inside the package (and the wheel).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from layerlab.datasets.base import DatasetRef
from layerlab.graph.spec import GraphSpec
from layerlab.training.config import TrainConfig

__all__ = ["Template", "get_template", "list_templates"]

logger = logging.getLogger(__name__)

# Order shown in the template picker (any other template files follow, by name).
_ORDER = (
    "spiral_mlp",
    "digits_mlp",
    "mnist_mlp",
    "cifar10_cnn",
    "sine_lstm",
    "sunspots_gru",
    "names_lstm",
    "shakespeare_char_lstm",
    "shakespeare_transformer",
)


class Template(BaseModel):
    """A starting point: a graph, the data set it is meant for, and how to train it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Stable id, e.g. mnist_mlp.")
    title: str
    description: str
    dataset: DatasetRef
    training: TrainConfig
    graph: GraphSpec


def list_templates() -> list[Template]:
    """Every template, in picker order (a fresh copy each call, so callers may not alter the cache)."""
    return [template.model_copy(deep=True) for template in _load_all()]


def get_template(name: str) -> Template | None:
    """The template called ``name``, or ``None``."""
    for template in _load_all():
        if template.name == name:
            return template.model_copy(deep=True)
    return None


@lru_cache(maxsize=1)
def _load_all() -> tuple[Template, ...]:
    folder = resources.files(__package__ or "layerlab.templates")
    templates: list[Template] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            template = Template.model_validate_json(entry.read_text(encoding="utf-8"))
            if template.name != entry.name.removesuffix(".json"):
                raise ValueError(f"template file {entry.name} holds the template named {template.name!r}")
            templates.append(template)
    rank = {name: index for index, name in enumerate(_ORDER)}
    templates.sort(key=lambda t: (rank.get(t.name, len(rank)), t.name))
    logger.debug("loaded %d templates", len(templates))
    return tuple(templates)
