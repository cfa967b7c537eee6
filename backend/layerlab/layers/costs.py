"""Cost formulas shared by several layer types (each returns a :class:`LayerCost`).

The counts follow what PyTorch's autograd keeps for backward on the CPU; see
:class:`~layerlab.layers.spec.LayerCost` for the units (values per sample, FLOPs per sample).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from layerlab.layers.modules import ActivationName, activation_keeps_input
from layerlab.layers.spec import LayerCost, LayerParams, Shape

__all__ = ["activated_output", "elementwise", "view"]


def activated_output(out_shape: Shape, activation: ActivationName) -> int:
    """Values a layer with an ``activation`` param keeps: its output, plus the pre-activation for gelu/elu/leaky_relu."""
    values = math.prod(out_shape)
    return 2 * values if activation_keeps_input(activation) else values


def elementwise(
    flops_per_value: int = 1, *, extra_values_per_output: int = 0
) -> Callable[[Sequence[Shape], Shape, LayerParams], LayerCost]:
    """The cost of a weightless layer that makes one new output: it keeps the output, ``flops_per_value`` per value.

    ``extra_values_per_output`` adds tensors of the output's size it keeps too (Dropout's mask).
    """

    def cost(in_shapes: Sequence[Shape], out_shape: Shape, p: LayerParams) -> LayerCost:
        values = math.prod(out_shape)
        return LayerCost(saved_values=values * (1 + extra_values_per_output), flops=flops_per_value * values)

    return cost


def view(in_shapes: Sequence[Shape], out_shape: Shape, p: LayerParams) -> LayerCost:
    """The cost of a layer whose output is a view of its input (Flatten, Reshape): nothing."""
    return LayerCost()
