"""Sequence layers: Embedding, SimpleRNN, LSTM, GRU. Sequences are ``(time, features)`` per sample."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import Field
from torch import nn

from layerlab.layers.checks import require_sequence
from layerlab.layers.modules import EmbeddingLayer, RecurrentLayer
from layerlab.layers.registry import register
from layerlab.layers.spec import LayerCost, LayerParams, Shape, ShapeError, define_layer

__all__ = ["EmbeddingParams", "RecurrentParams", "SimpleRNNParams"]


class EmbeddingParams(LayerParams):
    """Embedding params."""

    vocab_size: int = Field(
        default=128, ge=1, le=1_000_000, description="Number of distinct token ids (ids run 0 … vocab_size − 1)."
    )
    embedding_dim: int = Field(default=32, ge=1, le=4096, description="Length of the learned vector for each token.")


def _embedding_infer(in_shapes: Sequence[Shape], p: EmbeddingParams) -> Shape:
    shape = in_shapes[0]
    if len(shape) != 1:
        raise ShapeError(
            "",
            expects="(batch, time) of token ids",
            hint="Embedding reads a sequence of integer token ids, such as a character-level text data set.",
        )
    return (shape[0], p.embedding_dim)


register(
    define_layer(
        "Embedding",
        category="sequence",
        description="Looks up a learned vector for each token id: (time,) → (time, embedding_dim).",
        explanation="""An embedding is a table with one learned vector per token (a character or a word). It
        turns a sequence of ids into a sequence of vectors that recurrent or attention layers can read. Tokens
        used in similar ways end up with similar vectors.""",
        params=EmbeddingParams,
        infer=_embedding_infer,
        build=lambda in_shapes, p: EmbeddingLayer(p.vocab_size, p.embedding_dim),
        # the table; keeps its output and the ids as int64 (8 bytes per step); a lookup, no arithmetic
        cost=lambda in_shapes, out_shape, p: LayerCost(
            params=p.vocab_size * p.embedding_dim,
            saved_values=math.prod(out_shape),
            saved_bytes=8 * in_shapes[0][0],
            field="vocab_size",
        ),
        units_field="embedding_dim",
        takes_token_ids=True,
        examples=[((12,),)],
    )
)


class RecurrentParams(LayerParams):
    """LSTM / GRU params."""

    units: int = Field(
        default=32, ge=1, le=4096, description="Size of the hidden state (outputs per step and direction)."
    )
    return_sequences: bool = Field(
        default=False, description="Output every time step (time, units) instead of only the last (units,)."
    )
    bidirectional: bool = Field(default=False, description="Also read the sequence backwards; doubles the outputs.")
    num_layers: int = Field(default=1, ge=1, le=8, description="Recurrent layers stacked inside this node.")


class SimpleRNNParams(RecurrentParams):
    """SimpleRNN params."""

    activation: Literal["tanh", "relu"] = Field(default="tanh", description="Non-linearity of the hidden state.")


def _recurrent_infer(in_shapes: Sequence[Shape], p: RecurrentParams) -> Shape:
    t, _ = require_sequence(in_shapes[0])
    out = p.units * (2 if p.bidirectional else 1)
    return (t, out) if p.return_sequences else (out,)


def _simple_rnn_build(in_shapes: Sequence[Shape], p: SimpleRNNParams) -> nn.Module:
    _, features = require_sequence(in_shapes[0])
    rnn = nn.RNN(
        features,
        p.units,
        nonlinearity=p.activation,
        batch_first=True,
        bidirectional=p.bidirectional,
        num_layers=p.num_layers,
    )
    return RecurrentLayer(rnn, return_sequences=p.return_sequences)


def _lstm_build(in_shapes: Sequence[Shape], p: RecurrentParams) -> nn.Module:
    _, features = require_sequence(in_shapes[0])
    rnn = nn.LSTM(features, p.units, batch_first=True, bidirectional=p.bidirectional, num_layers=p.num_layers)
    return RecurrentLayer(rnn, return_sequences=p.return_sequences)


def _gru_build(in_shapes: Sequence[Shape], p: RecurrentParams) -> nn.Module:
    _, features = require_sequence(in_shapes[0])
    rnn = nn.GRU(features, p.units, batch_first=True, bidirectional=p.bidirectional, num_layers=p.num_layers)
    return RecurrentLayer(rnn, return_sequences=p.return_sequences)


def _recurrent_cost(
    gates: int, kept_per_unit: int, kept_per_input: int
) -> Callable[[Sequence[Shape], Shape, RecurrentParams], LayerCost]:
    """The cost of a recurrent layer with ``gates`` weight blocks (SimpleRNN 1, GRU 3, LSTM 4).

    Per step, layer and direction it keeps about ``kept_per_unit · units`` values for backward
    (gates, states; measured on PyTorch's CPU implementation), and the first layer also
    ``kept_per_input · inputs`` (a stacked layer's input is the layer below's output, kept
    already); it does ``2 · gates · units · (inputs + units)`` FLOPs.
    """

    def cost(in_shapes: Sequence[Shape], out_shape: Shape, p: RecurrentParams) -> LayerCost:
        steps, features = require_sequence(in_shapes[0])
        directions = 2 if p.bidirectional else 1
        params = kept = flops = 0
        for layer in range(p.num_layers):
            inputs = features if layer == 0 else p.units * directions
            params += directions * gates * (inputs * p.units + p.units * p.units + 2 * p.units)
            kept += directions * steps * (kept_per_unit * p.units + (kept_per_input * inputs if layer == 0 else 0))
            flops += directions * steps * 2 * gates * p.units * (inputs + p.units)
        return LayerCost(params=params, saved_values=kept + math.prod(out_shape), flops=flops, field="units")

    return cost


_RNN_EXAMPLES: list[tuple[Shape, ...]] = [((7, 3),)]

register(
    define_layer(
        "SimpleRNN",
        category="sequence",
        description="A basic recurrent layer: reads a sequence step by step, carrying a hidden state.",
        explanation="""A recurrent layer reads one time step at a time and updates a hidden state (a memory of
        `units` numbers) from the new input and the previous state. The simple RNN forgets quickly and its
        gradients fade over long sequences; LSTM and GRU fix that. With return_sequences off it outputs the last
        state, a summary of the whole sequence; on, it outputs the state at every step (for stacking another
        recurrent layer, or predicting at every step).""",
        params=SimpleRNNParams,
        infer=_recurrent_infer,
        build=_simple_rnn_build,
        cost=_recurrent_cost(gates=1, kept_per_unit=2, kept_per_input=0),
        units_field="units",
        examples=_RNN_EXAMPLES,
    )
)

register(
    define_layer(
        "LSTM",
        category="sequence",
        description="Long short-term memory: a recurrent layer with gates that remember over long sequences.",
        explanation="""An LSTM carries a cell state that gates decide to keep, forget or update at each step, so
        it can remember information over many time steps. It is the classic choice for time series and text.
        return_sequences chooses between the last output (units,) and every step's output (time, units).""",
        params=RecurrentParams,
        infer=_recurrent_infer,
        build=_lstm_build,
        cost=_recurrent_cost(gates=4, kept_per_unit=18, kept_per_input=4),
        units_field="units",
        examples=_RNN_EXAMPLES,
    )
)

register(
    define_layer(
        "GRU",
        category="sequence",
        description="Gated recurrent unit: a lighter LSTM with two gates.",
        explanation="""A GRU is a simplified LSTM with fewer weights (two gates, no separate cell state). It
        often learns as well as an LSTM, a little faster.""",
        params=RecurrentParams,
        infer=_recurrent_infer,
        build=_gru_build,
        cost=_recurrent_cost(gates=3, kept_per_unit=8, kept_per_input=0),
        units_field="units",
        examples=_RNN_EXAMPLES,
    )
)
