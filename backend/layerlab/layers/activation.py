"""Activation layers: ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax (shape in = shape out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field
from torch import nn

from layerlab.layers.checks import resolve_axis
from layerlab.layers.core import NoParams
from layerlab.layers.costs import elementwise
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerParams, Shape, define_layer

__all__ = ["EluParams", "GeluParams", "LeakyReluParams", "SoftmaxParams"]

EXAMPLES: list[tuple[Shape, ...]] = [((10,),), ((3, 4, 4),), ((5, 6),)]

# Each keeps one tensor of its output's size for backward (its output, or its input: the
# previous layer's output, which then counts for that layer) and costs a few FLOPs per value.
ELEMENTWISE = elementwise()


def _same(in_shapes: Sequence[Shape], p: LayerParams) -> Shape:
    return in_shapes[0]


register(
    define_layer(
        "ReLU",
        category="activation",
        description="max(0, x): passes positive values, zeroes negative ones.",
        explanation="""The rectified linear unit is the default non-linearity of deep networks: cheap, and its
        gradient does not fade for positive inputs. A unit whose input is always negative stops learning
        (a "dead ReLU"); LeakyReLU avoids that.""",
        params=NoParams,
        infer=_same,
        build=lambda in_shapes, p: nn.ReLU(),
        cost=ELEMENTWISE,
        examples=EXAMPLES,
    )
)


class LeakyReluParams(LayerParams):
    """LeakyReLU params."""

    negative_slope: float = Field(default=0.01, ge=0.0, le=1.0, description="Slope for negative inputs.")


register(
    define_layer(
        "LeakyReLU",
        category="activation",
        description="Like ReLU, but negative values keep a small slope.",
        explanation="""LeakyReLU multiplies negative inputs by a small negative_slope instead of zeroing them,
        so every unit keeps a gradient and cannot die.""",
        params=LeakyReluParams,
        infer=_same,
        build=lambda in_shapes, p: nn.LeakyReLU(p.negative_slope),
        cost=ELEMENTWISE,
        examples=EXAMPLES,
    )
)


class EluParams(LayerParams):
    """ELU params."""

    alpha: float = Field(
        default=1.0, gt=0.0, le=10.0, description="Value the output approaches for very negative inputs (−alpha)."
    )


register(
    define_layer(
        "ELU",
        category="activation",
        description="Exponential linear unit: x for x > 0, alpha·(eˣ − 1) otherwise.",
        explanation="""ELU is smooth around zero and lets negative values through softly, which can make training
        a little faster than with ReLU.""",
        params=EluParams,
        infer=_same,
        build=lambda in_shapes, p: nn.ELU(p.alpha),
        cost=ELEMENTWISE,
        examples=EXAMPLES,
    )
)


class GeluParams(LayerParams):
    """GELU params."""

    approximate: Literal["none", "tanh"] = Field(
        default="none", description="none: exact; tanh: the faster approximation."
    )


register(
    define_layer(
        "GELU",
        category="activation",
        description="Gaussian error linear unit, the smooth ReLU used by transformers.",
        explanation="""GELU weighs each input by how likely it is to be positive. It behaves like a smooth
        ReLU and is the standard activation inside transformer blocks.""",
        params=GeluParams,
        infer=_same,
        build=lambda in_shapes, p: nn.GELU(approximate=p.approximate),
        cost=ELEMENTWISE,
        examples=EXAMPLES,
    )
)

register(
    define_layer(
        "Sigmoid",
        category="activation",
        description="Squashes values into (0, 1).",
        explanation="""The logistic sigmoid turns any number into a value between 0 and 1, read as a
        probability for yes/no outputs. Deep inside a network it saturates and its gradient vanishes, so prefer
        ReLU there. On the output node it is applied only when predicting: training uses the numerically stable
        binary cross-entropy on the raw outputs.""",
        params=NoParams,
        infer=_same,
        build=lambda in_shapes, p: nn.Sigmoid(),
        cost=ELEMENTWISE,
        final_activation="sigmoid",
        examples=EXAMPLES,
    )
)

register(
    define_layer(
        "Tanh",
        category="activation",
        description="Squashes values into (−1, 1), centred on zero.",
        explanation="""The hyperbolic tangent is a zero-centred sigmoid. It works well in small networks such as
        the 2-D playground MLPs and inside recurrent layers.""",
        params=NoParams,
        infer=_same,
        build=lambda in_shapes, p: nn.Tanh(),
        cost=ELEMENTWISE,
        examples=EXAMPLES,
    )
)


class SoftmaxParams(LayerParams):
    """Softmax params."""

    axis: int = Field(
        default=-1,
        ge=-4,
        le=3,
        description="Per-sample axis (batch excluded) that sums to 1; -1 is the last axis (the classes of a vector).",
    )


def _softmax_infer(in_shapes: Sequence[Shape], p: SoftmaxParams) -> Shape:
    resolve_axis(p.axis, len(in_shapes[0]))
    return in_shapes[0]


def _softmax_build(in_shapes: Sequence[Shape], p: SoftmaxParams) -> nn.Module:
    return nn.Softmax(dim=resolve_axis(p.axis, len(in_shapes[0])) + 1)


register(
    define_layer(
        "Softmax",
        category="activation",
        description="Turns scores into probabilities that sum to 1.",
        explanation="""Softmax exponentiates the scores and divides by their sum, so the outputs are positive
        and add up to one: the predicted probability of each class. As the last node of a classifier it is
        applied only when predicting; training feeds the raw scores (logits) to cross-entropy, which is the
        numerically stable equivalent, so there is never a double softmax.""",
        params=SoftmaxParams,
        infer=_softmax_infer,
        build=_softmax_build,
        cost=ELEMENTWISE,
        final_activation="softmax",
        examples=EXAMPLES,
    )
)
