"""Attention layers: MultiHeadAttention (self-attention), TransformerEncoderLayer, PositionalEncoding.

All work on sequences ``(time, embed)`` per sample, batch first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field
from torch import nn

from layerlab.layers.checks import require_sequence
from layerlab.layers.modules import PositionalEncodingLayer, SelfAttentionLayer, TransformerEncoderBlock
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerParams, Shape, ShapeError, define_layer

__all__ = ["AttentionParams", "PositionalEncodingParams", "TransformerParams"]


class AttentionParams(LayerParams):
    """Self-attention params."""

    num_heads: int = Field(
        default=4, ge=1, le=64, description="Attention heads; the feature size must be divisible by it."
    )
    dropout: float = Field(default=0.0, ge=0.0, le=0.9, description="Dropout on the attention weights while training.")
    causal: bool = Field(default=False, description="Each step may only look at earlier steps (for language models).")


def _check_heads(in_shapes: Sequence[Shape], num_heads: int) -> Shape:
    _, embed = require_sequence(in_shapes[0])
    if embed % num_heads:
        raise ShapeError(
            f"the feature size {embed} is not divisible by num_heads {num_heads}",
            code="invalid_shape",
            field="num_heads",
            hint=f"Choose num_heads that divides {embed} (e.g. {next(h for h in (8, 4, 2, 1) if embed % h == 0)}), or change the feature size before it.",
        )
    return in_shapes[0]


register(
    define_layer(
        "MultiHeadAttention",
        category="attention",
        description="Self-attention: every time step looks at every other step and mixes in what is relevant.",
        explanation="""Attention lets each position of a sequence gather information from all positions at once,
        weighted by how relevant they are (queries matching keys). Several heads look for different kinds of
        relations in parallel. Its output has the same shape as its input. Turn on causal for language models, so
        a step cannot peek at the future.""",
        params=AttentionParams,
        infer=lambda in_shapes, p: _check_heads(in_shapes, p.num_heads),
        build=lambda in_shapes, p: SelfAttentionLayer(
            in_shapes[0][-1], p.num_heads, dropout=p.dropout, causal=p.causal
        ),
        examples=[((6, 8),)],
    )
)


class TransformerParams(AttentionParams):
    """Transformer encoder block params."""

    dropout: float = Field(default=0.1, ge=0.0, le=0.9, description="Dropout inside the block while training.")
    dim_feedforward: int = Field(
        default=128, ge=1, le=16_384, description="Width of the block's two-layer feed-forward network."
    )
    activation: Literal["relu", "gelu"] = Field(default="relu", description="Activation of the feed-forward network.")
    norm_first: bool = Field(
        default=False, description="Apply LayerNorm before (pre-norm) instead of after each sub-layer."
    )


register(
    define_layer(
        "TransformerEncoderLayer",
        category="attention",
        description="One transformer block: self-attention and a feed-forward network, each with a residual and LayerNorm.",
        explanation="""The building block of transformers: multi-head self-attention followed by a small
        feed-forward network, each wrapped in a skip connection and layer normalisation. Stack several for a
        deeper model. Add a PositionalEncoding before the first one, since attention alone ignores order.""",
        params=TransformerParams,
        infer=lambda in_shapes, p: _check_heads(in_shapes, p.num_heads),
        build=lambda in_shapes, p: TransformerEncoderBlock(
            nn.TransformerEncoderLayer(
                in_shapes[0][-1],
                p.num_heads,
                dim_feedforward=p.dim_feedforward,
                dropout=p.dropout,
                activation=p.activation,
                batch_first=True,
                norm_first=p.norm_first,
            ),
            causal=p.causal,
        ),
        examples=[((6, 8),)],
    )
)


class PositionalEncodingParams(LayerParams):
    """Positional encoding params."""

    kind: Literal["sinusoidal", "learned"] = Field(
        default="sinusoidal", description="Fixed sine waves, or a learned vector per position."
    )
    max_len: int = Field(default=512, ge=1, le=10_000, description="Longest sequence it can encode.")


def _positional_infer(in_shapes: Sequence[Shape], p: PositionalEncodingParams) -> Shape:
    t, _ = require_sequence(in_shapes[0])
    if t > p.max_len:
        raise ShapeError(
            f"the sequence has {t} steps but max_len is {p.max_len}",
            code="invalid_shape",
            field="max_len",
            hint=f"Set max_len to at least {t}.",
        )
    return in_shapes[0]


register(
    define_layer(
        "PositionalEncoding",
        category="attention",
        description="Adds the position of each time step to its features, so attention knows the order.",
        explanation="""Self-attention treats a sequence as a set: shuffling the steps would not change what it
        sees. A positional encoding adds a distinct pattern for each position to the features: fixed sine waves
        of different frequencies, or a learned vector per position.""",
        params=PositionalEncodingParams,
        infer=_positional_infer,
        build=lambda in_shapes, p: PositionalEncodingLayer(p.max_len, in_shapes[0][-1], learned=p.kind == "learned"),
        examples=[((6, 8),), ((5, 7),)],
    )
)
