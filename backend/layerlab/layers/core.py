"""Input and shape layers (Input, Flatten, Reshape) and Dense."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field, field_validator
from torch import nn

from layerlab.layers.checks import VECTOR
from layerlab.layers.costs import activated_output, view
from layerlab.layers.modules import ActivationName, DenseLayer, ReshapeLayer
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerCost, LayerParams, Shape, ShapeError, define_layer, format_shape

__all__ = ["DenseParams", "InputParams", "NoParams", "ReshapeParams"]

Dim = Annotated[int, Field(ge=1, le=1_000_000)]
ACTIVATION_DESCRIPTION = "Applied to the output: none (linear), relu, leaky_relu, elu, gelu, sigmoid, tanh or softmax."


class NoParams(LayerParams):
    """A layer type without parameters."""


class InputParams(LayerParams):
    """The Input node takes its shape from the data set; ``shape`` only applies when none is chosen."""

    shape: list[Dim] | None = Field(
        default=None,
        min_length=1,
        max_length=4,
        description="Per-sample shape without the batch, used only when no data set is chosen, e.g. [1, 28, 28].",
    )


def _input_infer(in_shapes: Sequence[Shape], p: InputParams) -> Shape:
    if p.shape is None:
        raise ShapeError(
            "the input shape is unknown",
            code="invalid_shape",
            field="shape",
            hint="Choose a data set (the Input takes its shape from it) or set the shape param.",
        )
    return tuple(p.shape)


register(
    define_layer(
        "Input",
        category="input",
        description="Where the data set's samples enter the network.",
        explanation="""Every network starts with exactly one Input. Its shape comes from the data set you pick:
        (1, 28, 28) for MNIST images (channels, height, width), (2,) for the 2-D playground sets. Shapes on
        this page never show the batch: the network sees many samples at once, but each layer is described
        per sample.""",
        params=InputParams,
        infer=_input_infer,
        build=lambda in_shapes, p: nn.Identity(),
        # the batch itself: the first layer keeps it for backward
        cost=lambda in_shapes, out_shape, p: LayerCost(saved_values=math.prod(out_shape)),
        role="input",
        examples=[()],
    )
)


register(
    define_layer(
        "Flatten",
        category="input",
        description="Unrolls each sample into one long vector: (C, H, W) → (C·H·W,).",
        explanation="""Dense layers need a flat list of numbers per sample, but images arrive as a grid with
        channels. Flatten lays the grid out in one row, for example a 1×28×28 image becomes 784 numbers.
        It has no weights and changes nothing but the shape.""",
        params=NoParams,
        infer=lambda in_shapes, p: (math.prod(in_shapes[0]),),
        build=lambda in_shapes, p: nn.Flatten(),
        cost=view,
        examples=[((1, 28, 28),), ((6, 4),), ((10,),)],
    )
)


class ReshapeParams(LayerParams):
    """Target per-sample shape; one entry may be -1 (inferred)."""

    shape: list[int] = Field(
        default_factory=lambda: [-1],
        min_length=1,
        max_length=4,
        description="New per-sample shape without the batch, e.g. [1, 28, 28] or [28, 28]; one entry may be -1.",
        json_schema_extra={"default": [-1]},
    )

    @field_validator("shape")
    @classmethod
    def _dims(cls, value: list[int]) -> list[int]:
        if any(d == 0 or d < -1 for d in value):
            raise ValueError("every entry must be a positive size or -1")
        if value.count(-1) > 1:
            raise ValueError("at most one entry may be -1")
        return value


def _reshape_target(in_shape: Shape, p: ReshapeParams) -> Shape:
    total = math.prod(in_shape)
    known = math.prod(d for d in p.shape if d != -1)
    if -1 in p.shape:
        if total % known:
            raise ShapeError(
                f"cannot reshape {format_shape(in_shape, batch=False)} ({total} values) into {p.shape}: "
                f"{total} is not divisible by {known}",
                code="invalid_shape",
                field="shape",
                hint="Choose sizes whose product divides the number of values.",
            )
        return tuple(total // known if d == -1 else d for d in p.shape)
    if known != total:
        raise ShapeError(
            f"cannot reshape {format_shape(in_shape, batch=False)} ({total} values) into {p.shape} ({known} values)",
            code="invalid_shape",
            field="shape",
            hint=f"The product of the new shape must be {total}; use -1 for one entry to infer it.",
        )
    return tuple(p.shape)


register(
    define_layer(
        "Reshape",
        category="input",
        description="Rearranges each sample into a new shape with the same number of values.",
        explanation="""Reshape changes how the numbers of a sample are arranged without changing them, for
        example 784 numbers back into a 1×28×28 image, or a 28×28 image into 28 time steps of 28 features for
        an LSTM. The product of the sizes must stay the same; one size may be -1 to let LayerLab work it out.""",
        params=ReshapeParams,
        infer=lambda in_shapes, p: _reshape_target(in_shapes[0], p),
        build=lambda in_shapes, p: ReshapeLayer(_reshape_target(in_shapes[0], p)),
        cost=view,
        examples=[((784,),), ((1, 28, 28),)],
    )
)


class DenseParams(LayerParams):
    """Fully connected layer."""

    units: int = Field(default=32, ge=1, le=65_536, description="Number of neurons (outputs per sample).")
    activation: ActivationName = Field(default="none", description=ACTIVATION_DESCRIPTION)
    use_bias: bool = Field(default=True, description="Add a learned bias to each neuron.")


def _dense_infer(in_shapes: Sequence[Shape], p: DenseParams) -> Shape:
    shape = in_shapes[0]
    if len(shape) > 2:
        # Keras would apply Dense to the last axis of any rank; we refuse images so that a
        # forgotten Flatten is a clear error rather than a silently strange network.
        raise ShapeError("", expects=VECTOR, hint="Insert a Flatten node between them.")
    return (*shape[:-1], p.units)


def _dense_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: DenseParams) -> LayerCost:
    """2 · in_features · units FLOPs per position (a vector is one position, a sequence T of them)."""
    in_features = in_shapes[0][-1]
    positions = math.prod(out_shape[:-1])
    return LayerCost(
        params=in_features * p.units + (p.units if p.use_bias else 0),
        saved_values=activated_output(out_shape, p.activation),
        flops=2 * in_features * p.units * positions,
        field="units",
    )


register(
    define_layer(
        "Dense",
        category="dense",
        description="Fully connected layer: every output neuron sees every input value.",
        explanation="""Each of the `units` neurons computes a weighted sum of all its inputs plus a bias, then
        applies the activation. Stacking Dense layers with a non-linear activation (relu, tanh) between them lets
        the network learn curved decision boundaries. It takes vectors (features,); on sequences (time, features)
        it works on each time step. Images must be flattened first. For classification, the last Dense has one
        unit per class; softmax turns its outputs into probabilities.""",
        params=DenseParams,
        infer=_dense_infer,
        build=lambda in_shapes, p: DenseLayer(in_shapes[0][-1], p.units, bias=p.use_bias, activation=p.activation),
        cost=_dense_cost,
        activation_axis=-1,
        units_field="units",
        examples=[((784,),), ((6, 4),)],
    )
)
