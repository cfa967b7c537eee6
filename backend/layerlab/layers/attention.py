"""Attention layers: MultiHeadAttention (self-attention), TransformerEncoderLayer, PositionalEncoding.

All work on sequences ``(time, embed)`` per sample, batch first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import Field
from torch import nn

from layerlab.layers.checks import require_sequence
from layerlab.layers.modules import PositionalEncodingLayer, SelfAttentionLayer, TransformerEncoderBlock
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerCost, LayerParams, Shape, ShapeError, define_layer

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


def _attention_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: AttentionParams) -> LayerCost:
    """Self-attention over ``T`` steps of ``E`` features with ``h`` heads.

    Params: the query/key/value and output projections, ``4·E² + 4·E``. FLOPs: ``8·T·E²``
    (projections) ``+ 4·T²·E`` (scores and the weighted sum). Kept for backward: the
    projected q, k, v, the attention output and the node's output (``5·T·E``), and the
    ``h × T × T`` attention matrices as the plain (unfused) computation keeps them: the
    softmax weights, and with dropout also the mask and the dropped weights (``3·h·T² +
    2·T·E``). Fused kernels (flash attention) keep ``O(h·T)`` instead, so for long sequences
    without dropout this is an upper bound.
    """
    t, e = require_sequence(in_shapes[0])
    matrices = p.num_heads * t * t * (3 if p.dropout > 0 else 1)
    kept = 5 * t * e + matrices + (2 * t * e if p.dropout > 0 else 0)
    return LayerCost(
        params=4 * e * e + 4 * e,
        saved_values=kept,
        flops=8 * t * e * e + 4 * t * t * e,
        field="num_heads" if matrices > 5 * t * e else None,
    )


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
        cost=_attention_cost,
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


def _transformer_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: TransformerParams) -> LayerCost:
    """Self-attention (see :func:`_attention_cost`) plus the feed-forward network and two LayerNorms.

    Adds ``2·E·F + F + E`` params (two linear layers of width ``F = dim_feedforward``) and
    ``4·E`` (the norms), ``4·T·E·F`` FLOPs, and keeps per step the residuals, norms and
    dropout masks (``4·E``, ``6·E`` with dropout) and the hidden layer (``F``, ``3·F`` with
    dropout: its output, mask and dropped values; one more ``F`` for gelu).
    """
    t, e = require_sequence(in_shapes[0])
    attention = _attention_cost(in_shapes, out_shape, p)
    f = p.dim_feedforward
    dropout = p.dropout > 0
    hidden = f * (3 if dropout else 1) + (f if p.activation == "gelu" else 0)
    return LayerCost(
        params=attention.params + 2 * e * f + f + e + 4 * e,
        saved_values=attention.saved_values + t * (e * (6 if dropout else 4) + hidden),
        flops=attention.flops + 4 * t * e * f,
        field=attention.field or "dim_feedforward",
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
        cost=_transformer_cost,
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


def _positional_cost(in_shapes: Sequence[Shape], out_shape: Shape, p: PositionalEncodingParams) -> LayerCost:
    """A ``max_len × E`` table: learned params, or a float32 buffer for sinusoids (held whatever the sequence length)."""
    _, e = require_sequence(in_shapes[0])
    table = p.max_len * e
    learned = p.kind == "learned"
    return LayerCost(
        params=table if learned else 0,
        buffer_bytes=0 if learned else 4 * table,
        saved_values=math.prod(out_shape),
        flops=math.prod(out_shape),
        field="max_len",
    )


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
        cost=_positional_cost,
        examples=[((6, 8),), ((5, 7),)],
    )
)
