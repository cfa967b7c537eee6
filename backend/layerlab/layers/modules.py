"""The torch modules the layer types build, where torch has no ready-made one.

Every module takes batched tensors (batch first) and returns one tensor. Layers with an
``activation`` param apply it with a plain function call inside their own ``forward`` (one
module per node, so forward hooks on a node see its activated output, and there is no
extra module call in the training loop).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "ActivationName",
    "AddLayer",
    "ConcatLayer",
    "Conv1DLayer",
    "Conv2DLayer",
    "ConvTranspose2DLayer",
    "DenseLayer",
    "EmbeddingLayer",
    "GlobalAvgPool2DLayer",
    "PositionalEncodingLayer",
    "RecurrentLayer",
    "ReshapeLayer",
    "SelfAttentionLayer",
    "SequenceBatchNorm",
    "TransformerEncoderBlock",
    "activation_fn",
    "activation_keeps_input",
]

ActivationName = Literal["none", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax"]
ActivationFn = Callable[[Tensor], Tensor]


def activation_fn(name: ActivationName, *, dim: int) -> ActivationFn | None:
    """The function for an ``activation`` param (``None`` for ``"none"``); softmax runs over ``dim``."""
    table: dict[str, ActivationFn | None] = {
        "none": None,
        "relu": torch.relu,
        "leaky_relu": F.leaky_relu,
        "elu": F.elu,
        "gelu": F.gelu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": partial(F.softmax, dim=dim),
    }
    return table[name]


def activation_keeps_input(name: ActivationName) -> bool:
    """Whether the activation keeps its *input* for backward (a tensor beside the layer's output).

    gelu, elu and leaky_relu differentiate from their input; relu, sigmoid, tanh and softmax
    from their output (the tensor the next layer keeps anyway); "none" keeps nothing.
    """
    return name in ("gelu", "elu", "leaky_relu")


def _conv_repr(conv: nn.modules.conv._ConvNd, activation: str) -> str:
    return (
        f"{conv.in_channels}, {conv.out_channels}, kernel_size={conv.kernel_size}, stride={conv.stride}, "
        f"padding={conv.padding}, bias={conv.bias is not None}, activation={activation}"
    )


class DenseLayer(nn.Linear):
    """``nn.Linear`` plus an optional activation; on ``(N, T, F)`` it applies to the last axis."""

    def __init__(self, in_features: int, out_features: int, *, bias: bool, activation: ActivationName) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.activation: ActivationName = activation
        self._act = activation_fn(activation, dim=-1)

    def forward(self, input: Tensor) -> Tensor:
        y = F.linear(input, self.weight, self.bias)
        return y if self._act is None else self._act(y)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation}"


def _split_padding(padding: tuple[int, int], spatial_dims: int) -> tuple[int, tuple[int, ...] | None]:
    """A conv's own (symmetric) padding, and the ``F.pad`` spec for an uneven "same" pair (else None).

    >>> _split_padding((1, 1), 2), _split_padding((0, 1), 2)
    ((1, None), (0, (0, 1, 0, 1)))
    """
    before, after = padding
    if before == after:
        return before, None
    return 0, (before, after) * spatial_dims  # F.pad order: last dim first, the same pair for each


class Conv2DLayer(nn.Conv2d):
    """``nn.Conv2d`` plus an optional activation (softmax runs over channels) and uneven "same" padding."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int,
        padding: tuple[int, int],
        bias: bool,
        activation: ActivationName,
    ) -> None:
        conv_padding, pad = _split_padding(padding, spatial_dims=2)  # an uneven pair is F.pad-ed in forward
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=conv_padding, bias=bias)
        self._pad = pad
        self.activation: ActivationName = activation
        self._act = activation_fn(activation, dim=1)

    def forward(self, input: Tensor) -> Tensor:
        if self._pad is not None:
            input = F.pad(input, self._pad)
        y = self._conv_forward(input, self.weight, self.bias)
        return y if self._act is None else self._act(y)

    def extra_repr(self) -> str:
        return _conv_repr(self, self.activation)


class Conv1DLayer(nn.Conv1d):
    """A 1-D convolution over time on sequences laid out ``(N, T, F)`` (``F`` are the channels)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int,
        padding: tuple[int, int],
        bias: bool,
        activation: ActivationName,
    ) -> None:
        conv_padding, pad = _split_padding(padding, spatial_dims=1)  # an uneven pair is F.pad-ed in forward
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=conv_padding, bias=bias)
        self._pad = pad
        self.activation: ActivationName = activation
        self._act = activation_fn(activation, dim=-1)

    def forward(self, input: Tensor) -> Tensor:
        # (N, T, F) → (N, F, T) → conv → (N, filters, T') → (N, T', filters)
        x = input.transpose(1, 2)
        if self._pad is not None:
            x = F.pad(x, self._pad)
        y = self._conv_forward(x, self.weight, self.bias).transpose(1, 2)
        return y if self._act is None else self._act(y)

    def extra_repr(self) -> str:
        return _conv_repr(self, self.activation)


class ConvTranspose2DLayer(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` (output padding fixed when built) plus an optional activation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int,
        padding: int,
        output_padding: int,
        bias: bool,
        activation: ActivationName,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            bias=bias,
        )
        self.activation: ActivationName = activation
        self._act = activation_fn(activation, dim=1)

    def forward(self, input: Tensor, output_size: list[int] | None = None) -> Tensor:
        y = super().forward(input, output_size)
        return y if self._act is None else self._act(y)

    def extra_repr(self) -> str:
        return _conv_repr(self, self.activation)


class ReshapeLayer(nn.Module):
    """Reshape each sample to ``shape`` (already resolved: no ``-1``)."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(int(d) for d in shape)

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class GlobalAvgPool2DLayer(nn.Module):
    """``(N, C, H, W)`` → ``(N, C)``: the mean of each feature map."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(dim=(2, 3))


class SequenceBatchNorm(nn.BatchNorm1d):
    """Batch norm over the features of ``(N, T, F)`` sequences (torch's BatchNorm1d wants ``(N, F, T)``)."""

    def forward(self, input: Tensor) -> Tensor:
        return super().forward(input.transpose(1, 2)).transpose(1, 2)


class RecurrentLayer(nn.Module):
    """SimpleRNN / LSTM / GRU over ``(N, T, F)`` that returns one tensor.

    ``return_sequences``: ``(N, T, units × directions)``; otherwise the last layer's final
    hidden state of each direction, concatenated: ``(N, units × directions)``.

    ``carrying`` (off but while text is generated one character at a time, see
    ``layerlab.training.sampling``): each call starts from the state the previous one ended with
    (``carried``; ``None``: zeros) and keeps its own final state there.
    """

    def __init__(self, rnn: nn.RNNBase, *, return_sequences: bool) -> None:
        super().__init__()
        self.rnn = rnn
        self.return_sequences = return_sequences
        self.directions = 2 if rnn.bidirectional else 1
        self.carrying = False
        self.carried: Tensor | tuple[Tensor, Tensor] | None = None

    def forward(self, x: Tensor) -> Tensor:
        if self.carrying:
            out, hidden = self.rnn(x, self.carried)
            self.carried = hidden
        else:
            out, hidden = self.rnn(x)
        if self.return_sequences:
            return out  # type: ignore[no-any-return]
        h_n: Tensor = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h_n, c_n)
        last = h_n[-self.directions :]  # (directions, N, units)
        return last.transpose(0, 1).reshape(x.shape[0], -1)

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}"


def _causal_mask(length: int, device: torch.device) -> Tensor:
    """``True`` above the diagonal: position t may not look at positions after t."""
    return torch.ones(length, length, dtype=torch.bool, device=device).triu(1)


def _head_weights(attention: nn.MultiheadAttention, x: Tensor, *, causal: bool) -> Tensor:
    """Per-head softmaxed attention weights ``(N, heads, T, T)`` of ``attention`` on ``x`` attending to itself."""
    mask = _causal_mask(x.shape[1], x.device) if causal else None
    _, weights = attention(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
    assert weights is not None
    out: Tensor = weights
    return out


class SelfAttentionLayer(nn.Module):
    """Multi-head self-attention on ``(N, T, E)`` (query = key = value = the input)."""

    def __init__(self, embed_dim: int, num_heads: int, *, dropout: float, causal: bool) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout, batch_first=True)
        self.causal = causal

    def forward(self, x: Tensor) -> Tensor:
        mask = _causal_mask(x.shape[1], x.device) if self.causal else None
        out, _ = self.attention(x, x, x, attn_mask=mask, need_weights=False)
        return out  # type: ignore[no-any-return]

    def attention_weights(self, x: Tensor) -> Tensor:
        """Softmaxed weights ``(N, heads, T, T)`` for input ``x``: row t is what position t looked at."""
        return _head_weights(self.attention, x, causal=self.causal)

    def extra_repr(self) -> str:
        return f"causal={self.causal}"


class TransformerEncoderBlock(nn.Module):
    """One ``nn.TransformerEncoderLayer`` (batch first), optionally causal."""

    def __init__(self, layer: nn.TransformerEncoderLayer, *, causal: bool) -> None:
        super().__init__()
        self.layer = layer
        self.causal = causal

    def forward(self, x: Tensor) -> Tensor:
        mask = _causal_mask(x.shape[1], x.device) if self.causal else None
        out: Tensor = self.layer(x, src_mask=mask)
        return out

    def attention_weights(self, x: Tensor) -> Tensor:
        """The self-attention's weights ``(N, heads, T, T)`` for the block's input ``x`` (after the
        first norm when the block normalizes first, as its forward does)."""
        h = self.layer.norm1(x) if self.layer.norm_first else x
        return _head_weights(self.layer.self_attn, h, causal=self.causal)

    def extra_repr(self) -> str:
        return f"causal={self.causal}"


class PositionalEncodingLayer(nn.Module):
    """Adds position information to ``(N, T, E)``: fixed sinusoids or a learned table."""

    def __init__(self, max_len: int, embed_dim: int, *, learned: bool) -> None:
        super().__init__()
        self.learned = learned
        if learned:
            self.table = nn.Parameter(torch.randn(max_len, embed_dim) * 0.02)
        else:
            position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
            div = torch.exp(torch.arange(0, embed_dim, 2, dtype=torch.float32) * (-math.log(10000.0) / embed_dim))
            table = torch.zeros(max_len, embed_dim)
            table[:, 0::2] = torch.sin(position * div)
            table[:, 1::2] = torch.cos(position * div)[:, : embed_dim // 2]
            self.register_buffer("table", table, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        table: Tensor = self.table
        return x + table[: x.shape[1]]

    def extra_repr(self) -> str:
        return f"learned={self.learned}"


class AddLayer(nn.Module):
    """Element-wise sum of inputs of one shape (residual connections)."""

    def forward(self, *xs: Tensor) -> Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class ConcatLayer(nn.Module):
    """Concatenate inputs along a batched dimension ``dim`` (per-sample axis + 1)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *xs: Tensor) -> Tensor:
        return torch.cat(xs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class EmbeddingLayer(nn.Embedding):
    """``nn.Embedding`` that accepts token ids stored as floats (data sets hand over float32 tensors)."""

    def forward(self, input: Tensor) -> Tensor:
        return super().forward(input.long())
