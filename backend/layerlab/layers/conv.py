"""Convolution and pooling layers.

``padding="same"`` keeps the size at stride 1 (like torch's ``padding="same"``; an even kernel
gets its extra zero after); with a larger stride it pads ``kernel_size // 2`` on each side, so the output is
``(size + 2·(kernel_size // 2) − kernel_size) // stride + 1`` (``ceil(size / stride)`` for odd kernels).
``padding="valid"`` pads nothing: ``(size − kernel_size) // stride + 1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import Field
from torch import nn

from layerlab.layers.checks import require_image, require_sequence
from layerlab.layers.core import ACTIVATION_DESCRIPTION, NoParams
from layerlab.layers.costs import activated_output, elementwise
from layerlab.layers.modules import (
    ActivationName,
    Conv1DLayer,
    Conv2DLayer,
    ConvTranspose2DLayer,
    GlobalAvgPool2DLayer,
)
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerCost, LayerParams, Shape, ShapeError, define_layer

__all__ = ["ConvParams", "ConvTransposeParams", "PoolParams", "UpsampleParams"]

Padding = Literal["valid", "same"]


class ConvParams(LayerParams):
    """A convolution's params (Conv2D and Conv1D)."""

    filters: int = Field(default=32, ge=1, le=4096, description="Number of filters (output channels).")
    kernel_size: int = Field(default=3, ge=1, le=15, description="Width (and height) of each filter.")
    stride: int = Field(default=1, ge=1, le=8, description="Step between filter positions.")
    padding: Padding = Field(
        default="valid", description="valid: no padding (output shrinks); same: pad to keep the size."
    )
    activation: ActivationName = Field(default="none", description=ACTIVATION_DESCRIPTION)
    use_bias: bool = Field(default=True, description="Add a learned bias to each filter.")


def _conv_padding(p: ConvParams) -> tuple[int, int]:
    """Zeros added (before, after) each spatial axis; asymmetric only for "same" with an even kernel at stride 1."""
    if p.padding == "valid":
        return 0, 0
    if p.stride == 1:
        total = p.kernel_size - 1  # keeps the size; like torch's padding="same", the extra zero goes after
        return total // 2, total - total // 2
    return p.kernel_size // 2, p.kernel_size // 2


def _conv_size(size: int, p: ConvParams, axis_name: str) -> int:
    before, after = _conv_padding(p)
    padded = size + before + after
    if padded < p.kernel_size:
        raise ShapeError(
            f'kernel_size {p.kernel_size} is larger than the input\'s {axis_name} {size} (padding "{p.padding}")',
            code="invalid_shape",
            field="kernel_size",
            hint='Use a smaller kernel_size, padding "same", or fewer pooling layers before this one.',
        )
    return (padded - p.kernel_size) // p.stride + 1


def _conv2d_infer(in_shapes: Sequence[Shape], p: ConvParams) -> Shape:
    _, h, w = require_image(in_shapes[0])
    return (p.filters, _conv_size(h, p, "height"), _conv_size(w, p, "width"))


def _conv2d_build(in_shapes: Sequence[Shape], p: ConvParams) -> nn.Module:
    c, _, _ = require_image(in_shapes[0])
    return Conv2DLayer(
        c, p.filters, p.kernel_size, stride=p.stride, padding=_conv_padding(p), bias=p.use_bias, activation=p.activation
    )


def _padded_copy(p: ConvParams, channels: int, sizes: Sequence[int]) -> int:
    """Values of the zero-padded copy of the input an uneven "same" padding makes (and the conv keeps)."""
    before, after = _conv_padding(p)
    if before == after:
        return 0  # the conv pads internally and keeps the input itself
    return channels * math.prod(size + before + after for size in sizes)


def _conv2d_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: ConvParams) -> LayerCost:
    """2 · C_in · k² · filters FLOPs per output position (H_out · W_out of them)."""
    c, h, w = require_image(in_shapes[0])
    _, h_out, w_out = out_shape
    weights = c * p.kernel_size * p.kernel_size * p.filters
    return LayerCost(
        params=weights + (p.filters if p.use_bias else 0),
        saved_values=activated_output(out_shape, p.activation) + _padded_copy(p, c, (h, w)),
        flops=2 * weights * h_out * w_out,
        field="filters",
    )


register(
    define_layer(
        "Conv2D",
        category="convolution",
        description="Slides small learned filters over an image; each filter detects one pattern.",
        explanation="""A convolution looks at a small window (kernel_size × kernel_size) at every position of the
        image and computes how strongly each of its `filters` patterns appears there, so it finds edges, corners
        and textures wherever they are. Its output is a stack of feature maps (filters, height, width). With
        padding "valid" the maps shrink by kernel_size − 1; "same" keeps their size. It has far fewer weights
        than a Dense layer on the same image.""",
        params=ConvParams,
        infer=_conv2d_infer,
        build=_conv2d_build,
        cost=_conv2d_cost,
        activation_axis=1,  # the channels of (N, filters, H, W)
        units_field="filters",
        examples=[((3, 32, 32),), ((1, 8, 8),)],
    )
)


def _conv1d_infer(in_shapes: Sequence[Shape], p: ConvParams) -> Shape:
    t, _ = require_sequence(in_shapes[0])
    return (_conv_size(t, p, "length"), p.filters)


def _conv1d_build(in_shapes: Sequence[Shape], p: ConvParams) -> nn.Module:
    _, f = require_sequence(in_shapes[0])
    return Conv1DLayer(
        f, p.filters, p.kernel_size, stride=p.stride, padding=_conv_padding(p), bias=p.use_bias, activation=p.activation
    )


def _conv1d_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: ConvParams) -> LayerCost:
    """2 · features · k · filters FLOPs per output step."""
    t, f = require_sequence(in_shapes[0])
    weights = f * p.kernel_size * p.filters
    return LayerCost(
        params=weights + (p.filters if p.use_bias else 0),
        saved_values=activated_output(out_shape, p.activation) + _padded_copy(p, f, (t,)),
        flops=2 * weights * out_shape[0],
        field="filters",
    )


register(
    define_layer(
        "Conv1D",
        category="convolution",
        description="Slides learned filters along the time axis of a sequence (time, features).",
        explanation="""The one-dimensional cousin of Conv2D: each filter looks at kernel_size consecutive time
        steps (all features at once) and detects a local pattern wherever it occurs in the sequence. The output
        is again a sequence, (time, filters).""",
        params=ConvParams,
        infer=_conv1d_infer,
        build=_conv1d_build,
        cost=_conv1d_cost,
        activation_axis=-1,  # the filters of (N, T, filters)
        units_field="filters",
        examples=[((20, 3),)],
    )
)


class ConvTransposeParams(LayerParams):
    """A transposed convolution's params."""

    filters: int = Field(default=32, ge=1, le=4096, description="Number of filters (output channels).")
    kernel_size: int = Field(default=3, ge=1, le=15, description="Width (and height) of each filter.")
    stride: int = Field(
        default=2, ge=1, le=8, description="Upsampling factor: the output is about stride times larger."
    )
    padding: Padding = Field(default="same", description="same: output size = input size × stride; valid: no padding.")
    activation: ActivationName = Field(default="none", description=ACTIVATION_DESCRIPTION)
    use_bias: bool = Field(default=True, description="Add a learned bias to each filter.")


def _transpose_padding(p: ConvTransposeParams) -> tuple[int, int]:
    """(padding, output_padding) giving torch's ConvTranspose2d the sizes of :func:`_transpose_infer`."""
    if p.padding == "valid":
        return 0, 0
    pad = max(0, -(-(p.kernel_size - p.stride) // 2))  # ceil((k - s) / 2)
    output_padding = p.stride - p.kernel_size + 2 * pad
    if not 0 <= output_padding < p.stride:
        raise ShapeError(
            f'padding "same" with stride {p.stride} needs an odd kernel_size (got {p.kernel_size})',
            code="invalid_shape",
            field="kernel_size",
            hint='Use an odd kernel_size, or padding "valid".',
        )
    return pad, output_padding


def _transpose_infer(in_shapes: Sequence[Shape], p: ConvTransposeParams) -> Shape:
    _, h, w = require_image(in_shapes[0])
    _transpose_padding(p)
    if p.padding == "same":
        return (p.filters, h * p.stride, w * p.stride)
    return (p.filters, (h - 1) * p.stride + p.kernel_size, (w - 1) * p.stride + p.kernel_size)


def _transpose_build(in_shapes: Sequence[Shape], p: ConvTransposeParams) -> nn.Module:
    c, _, _ = require_image(in_shapes[0])
    pad, output_padding = _transpose_padding(p)
    return ConvTranspose2DLayer(
        c,
        p.filters,
        p.kernel_size,
        stride=p.stride,
        padding=pad,
        output_padding=output_padding,
        bias=p.use_bias,
        activation=p.activation,
    )


def _transpose_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: ConvTransposeParams) -> LayerCost:
    """2 · C_in · k² · filters FLOPs per *input* position: each paints a k × k patch of every filter."""
    c, h, w = require_image(in_shapes[0])
    weights = c * p.kernel_size * p.kernel_size * p.filters
    return LayerCost(
        params=weights + (p.filters if p.use_bias else 0),
        saved_values=activated_output(out_shape, p.activation),
        flops=2 * weights * h * w,
        field="filters",
    )


register(
    define_layer(
        "ConvTranspose2D",
        category="convolution",
        description="A learned upsampling convolution: makes feature maps larger (decoders, GAN generators).",
        explanation="""The transposed convolution runs a convolution "backwards": each input position paints a
        kernel_size × kernel_size patch into a larger output. With stride 2 and padding "same" the maps double
        in height and width. Generators and decoders use it to grow a small code into an image.""",
        params=ConvTransposeParams,
        infer=_transpose_infer,
        build=_transpose_build,
        cost=_transpose_cost,
        activation_axis=1,  # the channels of (N, filters, H, W)
        units_field="filters",
        examples=[((8, 7, 7),), ((4, 5, 5),)],
    )
)


class PoolParams(LayerParams):
    """Max/average pooling params."""

    pool_size: int = Field(default=2, ge=1, le=16, description="Width (and height) of each pooling window.")
    stride: int | None = Field(default=None, ge=1, le=16, description="Step between windows; empty means pool_size.")


def _pool_infer(in_shapes: Sequence[Shape], p: PoolParams) -> Shape:
    c, h, w = require_image(in_shapes[0])
    stride = p.stride or p.pool_size
    if h < p.pool_size or w < p.pool_size:
        raise ShapeError(
            f"pool_size {p.pool_size} is larger than the {h}×{w} input",
            code="invalid_shape",
            field="pool_size",
            hint="Use a smaller pool_size, or remove a pooling layer before this one.",
        )
    return (c, (h - p.pool_size) // stride + 1, (w - p.pool_size) // stride + 1)


def _max_pool_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: PoolParams) -> LayerCost:
    """Keeps its output and the int64 index of each maximum (8 bytes per output value)."""
    values = math.prod(out_shape)
    return LayerCost(saved_values=values, saved_bytes=8 * values, flops=p.pool_size * p.pool_size * values)


def _avg_pool_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: PoolParams) -> LayerCost:
    values = math.prod(out_shape)
    return LayerCost(saved_values=values, flops=p.pool_size * p.pool_size * values)


register(
    define_layer(
        "MaxPool2D",
        category="convolution",
        description="Keeps the largest value of each pool_size × pool_size window, shrinking the maps.",
        explanation="""Max pooling summarises each small window by its strongest response, so the feature maps
        get smaller (2×2 windows halve height and width) while the detected patterns survive. This makes the
        network cheaper and a little tolerant to small shifts. It has no weights.""",
        params=PoolParams,
        infer=_pool_infer,
        build=lambda in_shapes, p: nn.MaxPool2d(p.pool_size, stride=p.stride or p.pool_size),
        cost=_max_pool_cost,
        examples=[((3, 32, 32),), ((2, 7, 7),)],
    )
)

register(
    define_layer(
        "AvgPool2D",
        category="convolution",
        description="Averages each pool_size × pool_size window, shrinking the maps.",
        explanation="""Average pooling replaces each small window by its mean, making the feature maps smaller
        and smoother. It has no weights.""",
        params=PoolParams,
        infer=_pool_infer,
        build=lambda in_shapes, p: nn.AvgPool2d(p.pool_size, stride=p.stride or p.pool_size),
        cost=_avg_pool_cost,
        examples=[((3, 32, 32),)],
    )
)


def _gap_infer(in_shapes: Sequence[Shape], p: LayerParams) -> Shape:
    c, _, _ = require_image(in_shapes[0])
    return (c,)


register(
    define_layer(
        "GlobalAvgPool2D",
        category="convolution",
        description="Averages each whole feature map to one number: (C, H, W) → (C,).",
        explanation="""Global average pooling turns every feature map into its average, giving one number per
        channel. It replaces Flatten before the final Dense layer in modern CNNs and needs far fewer weights.""",
        params=NoParams,
        infer=_gap_infer,
        build=lambda in_shapes, p: GlobalAvgPool2DLayer(),
        cost=lambda in_shapes, out_shape, p: LayerCost(saved_values=out_shape[0], flops=math.prod(in_shapes[0])),
        examples=[((16, 5, 5),)],
    )
)


class UpsampleParams(LayerParams):
    """Upsampling params."""

    scale_factor: int = Field(default=2, ge=1, le=8, description="How many times larger height and width become.")
    mode: Literal["nearest", "bilinear"] = Field(default="nearest", description="How new pixels are filled in.")


def _upsample_infer(in_shapes: Sequence[Shape], p: UpsampleParams) -> Shape:
    c, h, w = require_image(in_shapes[0])
    return (c, h * p.scale_factor, w * p.scale_factor)


register(
    define_layer(
        "Upsample",
        category="convolution",
        description="Makes feature maps larger by repeating (or interpolating) pixels.",
        explanation="""Upsample enlarges each feature map by scale_factor in height and width, without weights:
        "nearest" repeats pixels, "bilinear" blends neighbours. Followed by a Conv2D it is a simple alternative to
        ConvTranspose2D in decoders and generators.""",
        params=UpsampleParams,
        infer=_upsample_infer,
        build=lambda in_shapes, p: nn.Upsample(
            scale_factor=float(p.scale_factor), mode=p.mode, align_corners=False if p.mode == "bilinear" else None
        ),
        cost=elementwise(),
        examples=[((3, 4, 4),)],
    )
)
