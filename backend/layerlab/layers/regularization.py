"""Regularization layers: Dropout, BatchNorm, LayerNorm."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import Field
from torch import nn

from layerlab.layers.costs import elementwise
from layerlab.layers.modules import SequenceBatchNorm
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerCost, LayerParams, Shape, ShapeError, define_layer

__all__ = ["BatchNormParams", "DropoutParams", "LayerNormParams"]


class DropoutParams(LayerParams):
    """Dropout params."""

    rate: float = Field(default=0.5, ge=0.0, le=0.95, description="Fraction of values set to zero during training.")


register(
    define_layer(
        "Dropout",
        category="regularization",
        description="Randomly zeroes a fraction of values while training, to fight overfitting.",
        explanation="""During training Dropout sets each value to zero with probability `rate` (and scales the
        rest up), so the network cannot rely on any single neuron. When evaluating or predicting it does
        nothing. Use it when the training accuracy runs far ahead of the validation accuracy.""",
        params=DropoutParams,
        infer=lambda in_shapes, p: in_shapes[0],
        build=lambda in_shapes, p: nn.Dropout(p.rate),
        # its output and the random mask (a float tensor on the CPU, bytes on a GPU)
        cost=elementwise(extra_values_per_output=1),
        examples=[((10,),), ((3, 4, 4),)],
    )
)


class BatchNormParams(LayerParams):
    """BatchNorm params."""

    momentum: float = Field(
        default=0.1, gt=0.0, le=1.0, description="How fast the running mean and variance follow new batches."
    )
    eps: float = Field(default=1e-5, gt=0.0, le=1.0, description="Added to the variance to avoid dividing by zero.")


def _batchnorm_infer(in_shapes: Sequence[Shape], p: BatchNormParams) -> Shape:
    if len(in_shapes[0]) > 3:
        raise ShapeError("", expects="(batch, features), (batch, time, features) or (batch, channels, height, width)")
    return in_shapes[0]


def _batchnorm_build(in_shapes: Sequence[Shape], p: BatchNormParams) -> nn.Module:
    shape = in_shapes[0]
    if len(shape) == 1:
        return nn.BatchNorm1d(shape[0], eps=p.eps, momentum=p.momentum)
    if len(shape) == 2:
        return SequenceBatchNorm(shape[1], eps=p.eps, momentum=p.momentum)
    return nn.BatchNorm2d(shape[0], eps=p.eps, momentum=p.momentum)


def _batchnorm_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: BatchNormParams) -> LayerCost:
    """Scale and shift per feature (channel); buffers: running mean and variance (float32), a batch counter (int64)."""
    shape = in_shapes[0]
    features = shape[1] if len(shape) == 2 else shape[0]
    return LayerCost(
        params=2 * features,
        buffer_bytes=2 * 4 * features + 8,
        saved_values=math.prod(out_shape),
        flops=4 * math.prod(out_shape),
    )


register(
    define_layer(
        "BatchNorm",
        category="regularization",
        description="Normalises each feature (or channel) over the batch, then rescales it.",
        explanation="""Batch normalisation keeps each feature (each channel of an image) at mean 0 and variance 1
        over the current batch, then applies a learned scale and shift. It lets deep networks train faster and
        with larger learning rates. On vectors it normalises each feature, on images each channel, on sequences
        each feature over batch and time. While evaluating it uses running averages instead of the batch.""",
        params=BatchNormParams,
        infer=_batchnorm_infer,
        build=_batchnorm_build,
        cost=_batchnorm_cost,
        examples=[((10,),), ((3, 4, 4),), ((5, 6),)],
    )
)


class LayerNormParams(LayerParams):
    """LayerNorm params."""

    eps: float = Field(default=1e-5, gt=0.0, le=1.0, description="Added to the variance to avoid dividing by zero.")


def _layernorm_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: LayerNormParams) -> LayerCost:
    """Scale and shift of the last axis; keeps its output and a mean and 1/std per row."""
    rows = math.prod(out_shape[:-1])
    return LayerCost(
        params=2 * out_shape[-1],
        saved_values=math.prod(out_shape) + 2 * rows,
        flops=5 * math.prod(out_shape),
    )


register(
    define_layer(
        "LayerNorm",
        category="regularization",
        description="Normalises each sample over its last axis, then rescales it.",
        explanation="""Layer normalisation brings the values of the last axis of each sample (the features of a
        vector, or of each time step) to mean 0 and variance 1, with a learned scale and shift. Unlike BatchNorm
        it does not depend on the batch, which is why transformers and RNNs use it.""",
        params=LayerNormParams,
        infer=lambda in_shapes, p: in_shapes[0],
        build=lambda in_shapes, p: nn.LayerNorm(in_shapes[0][-1], eps=p.eps),
        cost=_layernorm_cost,
        examples=[((10,),), ((5, 6),)],
    )
)
