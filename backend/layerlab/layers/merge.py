"""Merge layers: Add and Concat, for branches and skip connections.

Inputs are ordered by the edges' ``target_port`` (then by edge order). Concat's ``axis`` counts
per-sample axes, batch excluded: the default 0 is the channels of an image ``(C, H, W)`` and the
features of a vector ``(F,)``; use ``-1`` to join the features of sequences ``(T, F)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import Field

from layerlab.layers.checks import resolve_axis, same_shapes
from layerlab.layers.core import NoParams
from layerlab.layers.costs import elementwise
from layerlab.layers.modules import AddLayer, ConcatLayer
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerCost, LayerParams, Shape, ShapeError, define_layer

__all__ = ["ConcatParams"]


def _add_infer(in_shapes: Sequence[Shape], p: NoParams) -> Shape:
    if not same_shapes(in_shapes):
        raise ShapeError(
            "inputs must have the same shape",
            hint='Make the branches produce the same shape (e.g. the same units/filters, padding "same"), or use Concat.',
        )
    return in_shapes[0]


register(
    define_layer(
        "Add",
        category="merge",
        description="Adds its inputs element by element (skip and residual connections).",
        explanation="""Add sums two or more inputs of exactly the same shape. Drawing an edge that skips over a
        few layers into an Add makes a residual block: the layers only have to learn a correction, which lets
        very deep networks train.""",
        params=NoParams,
        infer=_add_infer,
        build=lambda in_shapes, p: AddLayer(),
        cost=lambda in_shapes, out_shape, p: LayerCost(
            saved_values=math.prod(out_shape), flops=(len(in_shapes) - 1) * math.prod(out_shape)
        ),
        role="merge",
        examples=[((4,), (4,)), ((2, 3, 3), (2, 3, 3), (2, 3, 3))],
    )
)


class ConcatParams(LayerParams):
    """Concat params."""

    axis: int = Field(
        default=0,
        ge=-4,
        le=3,
        description="Per-sample axis to join along, batch excluded: 0 = channels of images / features of vectors; -1 = last axis.",
    )


def _concat_infer(in_shapes: Sequence[Shape], p: ConcatParams) -> Shape:
    rank = len(in_shapes[0])
    if any(len(s) != rank for s in in_shapes):
        raise ShapeError(
            "inputs must have the same number of axes",
            hint="Flatten or Reshape the branches so they have the same number of axes.",
        )
    axis = resolve_axis(p.axis, rank)
    rest = [s[:axis] + s[axis + 1 :] for s in in_shapes]
    if not same_shapes(rest):
        raise ShapeError(
            f"inputs must agree on every axis except the concat axis {p.axis}",
            field="axis",
            hint="Choose the axis the shapes differ on, or make the branches agree.",
        )
    first = in_shapes[0]
    return first[:axis] + (sum(s[axis] for s in in_shapes),) + first[axis + 1 :]


register(
    define_layer(
        "Concat",
        category="merge",
        description="Joins its inputs side by side along one axis (channels or features by default).",
        explanation="""Concat puts two or more inputs next to each other, for example the feature maps of two
        parallel convolutions (an Inception-style branch). All other axes must match. The order of the inputs
        follows the edges' ports.""",
        params=ConcatParams,
        infer=_concat_infer,
        build=lambda in_shapes, p: ConcatLayer(resolve_axis(p.axis, len(in_shapes[0])) + 1),
        cost=elementwise(0),  # a copy: no arithmetic
        role="merge",
        ordered_inputs=True,
        examples=[((4,), (6,)), ((2, 3, 3), (5, 3, 3))],
    )
)
