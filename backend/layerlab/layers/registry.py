"""The layer registry: type name → :class:`LayerSpec`, the single source of truth.

The palette (``GET /api/layers``), the parameter forms, validation, shape inference
and the torch builder all read it. The built-in layers register themselves when
:mod:`layerlab.layers` is imported.
"""

from __future__ import annotations

from layerlab.layers.spec import CATEGORIES, LayerSpec

__all__ = ["all_specs", "get_spec", "layer_catalogue", "layer_types", "register"]

_REGISTRY: dict[str, LayerSpec] = {}


def register(spec: LayerSpec) -> LayerSpec:
    """Add a layer type; returns it so modules can write ``DENSE = register(define_layer(...))``.

    Raises:
        ValueError: when a layer type of that name is already registered.
    """
    if spec.type in _REGISTRY:
        raise ValueError(f"layer type {spec.type!r} is already registered")
    _REGISTRY[spec.type] = spec
    return spec


def get_spec(type_name: str) -> LayerSpec | None:
    """The layer type called ``type_name`` (case-sensitive), or ``None``."""
    _ensure_builtins()
    return _REGISTRY.get(type_name)


def all_specs() -> list[LayerSpec]:
    """Every registered layer type, in palette order (by category, then as declared)."""
    _ensure_builtins()
    return sorted(_REGISTRY.values(), key=lambda spec: CATEGORIES.index(spec.category))


def layer_types() -> list[str]:
    """The valid ``type`` strings, in palette order (for "use one of …" messages)."""
    return [spec.type for spec in all_specs()]


def layer_catalogue() -> list[dict[str, object]]:
    """The body of ``GET /api/layers``: one dict per layer type.

    Each item: ``{"type", "category", "description", "explanation", "params_schema",
    "inputs": {"min", "max"}}`` where ``params_schema`` is the params model's JSON Schema
    (defaults, ``minimum``/``maximum``, ``enum`` for choices, ``description`` per field).
    """
    return [spec.catalogue_entry() for spec in all_specs()]


def _ensure_builtins() -> None:
    # Importing the package registers the built-in layers (idempotent: modules import once).
    import layerlab.layers.builtin  # noqa: F401
