"""The layer registry: every layer type declared once (params, shapes, torch module).

``layer_catalogue()`` is the body of ``GET /api/layers``; validation, shape inference,
the cost estimate and the compiler read the same :class:`LayerSpec` objects.
"""

from layerlab.layers.registry import all_specs, get_spec, layer_catalogue, layer_types, register
from layerlab.layers.spec import (
    CATEGORIES,
    Category,
    LayerCost,
    LayerParams,
    LayerSpec,
    Shape,
    ShapeError,
    define_layer,
    format_shape,
    module_cost,
)

__all__ = [
    "CATEGORIES",
    "Category",
    "LayerCost",
    "LayerParams",
    "LayerSpec",
    "Shape",
    "ShapeError",
    "all_specs",
    "define_layer",
    "format_shape",
    "get_spec",
    "layer_catalogue",
    "layer_types",
    "module_cost",
    "register",
]
