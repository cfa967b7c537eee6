"""What one training step of a graph costs — an *estimate* from shapes and params, no tensor built.

Each node's :class:`~layerlab.layers.LayerCost` comes from its layer type (the registry's cost
functions); this module adds them up for a batch and an optimizer:

* **parameters** — 4 bytes per parameter (float32 weights; under mixed precision also a
  2-byte half copy the autocast cache keeps);
* **gradients** — 4 bytes per parameter;
* **optimizer state** — 4 bytes per parameter per state tensor: adam/adamw 2, sgd 1 with
  momentum and 0 without, rmsprop 1 (+1 with momentum), adagrad 1;
* **activations** — what the forward pass of one batch keeps for backward: every node's
  saved values (its output, plus what the layer keeps inside: attention's ``h × T × T``
  matrices, dropout masks, pooling indices, recurrent gates) × batch size × 4 bytes (2 under
  mixed precision), and the output once more for the loss;
* **buffers** — registered buffers (BatchNorm's running statistics, a sinusoidal
  positional table), once;
* **data set** — its inputs (float32) and targets, which a run holds in memory, when the
  number of samples is known.

FLOPs per step are ``3 × forward FLOPs per sample × batch size`` (backward costs about twice
the forward pass). Left out: short-lived working memory (gradients of activations during
backward, convolution workspaces, the allocator's slack), which can add a good part of the
activations at the peak, and the framework itself (a few hundred MB per process). The tests
compare the figures with what PyTorch really keeps (``tests/unit/graph/test_cost.py``).

Example::

    report = validate_graph(spec, (1, 28, 28), cost_settings=CostSettings(batch_size=64))
    report.cost.total_bytes, report.cost.flops_per_step
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from layerlab.errors import GraphIssue
from layerlab.layers import LayerCost

__all__ = [
    "CostEstimate",
    "CostSettings",
    "NodeCost",
    "OptimizerKind",
    "estimate_cost",
    "format_bytes",
    "format_flops",
    "memory_issue",
    "optimizer_state_per_param",
]

OptimizerKind = Literal["sgd", "adam", "adamw", "rmsprop", "adagrad"]

FLOAT_BYTES = 4
HALF_BYTES = 2
TARGET_BYTES = 8  # a class index (int64), or up to two float32 regression targets
BACKWARD_FACTOR = 3  # forward + backward ≈ 3 × forward
_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


@dataclass(frozen=True)
class CostSettings:
    """What the estimate needs to know of the training (the defaults are ``TrainConfig``'s).

    Attributes:
        batch_size: samples per step.
        optimizer / momentum: decide the optimizer's state per parameter.
        mixed_precision: whether the run keeps activations in half precision (AMP, on CUDA).
        dataset_samples: samples of the data set the run holds in memory (0: not counted).
    """

    batch_size: int = 32
    optimizer: OptimizerKind = "adam"
    momentum: float = 0.9
    mixed_precision: bool = False
    dataset_samples: int = 0


class NodeCost(BaseModel):
    """One node's share of a training step (bytes for the whole batch)."""

    params: int = Field(description="Parameters of the node.")
    param_bytes: int = Field(description="Its weights, their gradients and the optimizer's state for them.")
    activation_bytes: int = Field(description="What one batch keeps for backward in this node.")
    buffer_bytes: int = Field(description="Its registered buffers (running statistics, fixed tables).")
    flops_per_step: int = Field(description="Forward and backward FLOPs of one batch.")
    total_bytes: int = Field(description="param_bytes + activation_bytes + buffer_bytes.")


class CostEstimate(BaseModel):
    """An estimate of the memory and arithmetic of one training step (see :mod:`layerlab.graph.cost`).

    Byte counts are for one run; ``complete`` is false when some nodes have no known shape
    (their cost is missing, so the totals are a lower bound).
    """

    batch_size: int
    optimizer: str
    mixed_precision: bool
    parameters_bytes: int = Field(description="Weights (float32; plus a half copy under mixed precision).")
    gradients_bytes: int = Field(description="One gradient per parameter.")
    optimizer_bytes: int = Field(description="The optimizer's state (adam: two values per parameter).")
    activations_bytes: int = Field(description="What the forward pass of one batch keeps for backward.")
    buffers_bytes: int = Field(description="Registered buffers (BatchNorm statistics, positional tables).")
    data_bytes: int = Field(description="The data set held in memory for the run (0 when not known).")
    total_bytes: int = Field(description="The sum of the above.")
    flops_per_step: int = Field(description="Forward + backward FLOPs of one batch (≈ 3 × forward × batch).")
    forward_flops_per_sample: int
    complete: bool = Field(description="False when some nodes' shapes are unknown (then the totals are too low).")
    nodes: dict[str, NodeCost] = Field(default_factory=dict)


def optimizer_state_per_param(optimizer: OptimizerKind, momentum: float) -> int:
    """Float32 state tensors the optimizer keeps per parameter (as PyTorch's optimizers do).

    >>> optimizer_state_per_param("adam", 0.9), optimizer_state_per_param("sgd", 0.0)
    (2, 0)
    """
    if optimizer in ("adam", "adamw"):
        return 2  # exp_avg, exp_avg_sq
    if optimizer == "sgd":
        return 1 if momentum > 0 else 0  # momentum_buffer
    if optimizer == "rmsprop":
        return 2 if momentum > 0 else 1  # square_avg (+ momentum_buffer)
    return 1  # adagrad: sum


def estimate_cost(
    costs: Mapping[str, LayerCost],
    settings: CostSettings,
    *,
    output_id: str | None = None,
    output_values: int = 0,
    input_values: int = 0,
    complete: bool = True,
) -> CostEstimate:
    """Add up the nodes' costs for one training step.

    Args:
        costs: node id → its layer cost (nodes with an unknown shape left out).
        settings: batch size, optimizer, mixed precision, data-set size.
        output_id / output_values: the output node and its values per sample, which the
            loss keeps once more (cross-entropy's log-softmax, say).
        input_values: values per sample of the data set's input (for the data set's bytes).
        complete: whether every node of the graph is in ``costs``.
    """
    batch = settings.batch_size
    value_bytes = HALF_BYTES if settings.mixed_precision else FLOAT_BYTES
    weight_bytes = FLOAT_BYTES + (HALF_BYTES if settings.mixed_precision else 0)
    state = optimizer_state_per_param(settings.optimizer, settings.momentum)
    per_param = weight_bytes + FLOAT_BYTES + state * FLOAT_BYTES
    nodes: dict[str, NodeCost] = {}
    for node_id, cost in costs.items():
        saved = cost.saved_values + (output_values if node_id == output_id else 0)
        activations = batch * (saved * value_bytes + cost.saved_bytes)
        param_bytes = cost.params * per_param
        nodes[node_id] = NodeCost(
            params=cost.params,
            param_bytes=param_bytes,
            activation_bytes=activations,
            buffer_bytes=cost.buffer_bytes,
            flops_per_step=BACKWARD_FACTOR * batch * cost.flops,
            total_bytes=param_bytes + activations + cost.buffer_bytes,
        )
    params = sum(cost.params for cost in costs.values())
    parts = {
        "parameters_bytes": params * weight_bytes,
        "gradients_bytes": params * FLOAT_BYTES,
        "optimizer_bytes": params * state * FLOAT_BYTES,
        "activations_bytes": sum(node.activation_bytes for node in nodes.values()),
        "buffers_bytes": sum(cost.buffer_bytes for cost in costs.values()),
        "data_bytes": settings.dataset_samples * (input_values * FLOAT_BYTES + TARGET_BYTES),
    }
    forward = sum(cost.flops for cost in costs.values())
    return CostEstimate(
        batch_size=batch,
        optimizer=settings.optimizer,
        mixed_precision=settings.mixed_precision,
        total_bytes=sum(parts.values()),
        flops_per_step=BACKWARD_FACTOR * batch * forward,
        forward_flops_per_sample=forward,
        complete=complete,
        nodes=nodes,
        **parts,
    )


def memory_issue(
    estimate: CostEstimate,
    limit_bytes: int,
    node_types: Mapping[str, str],
    costs: Mapping[str, LayerCost],
) -> GraphIssue | None:
    """``too_much_memory`` when the estimate is over ``limit_bytes``, naming the costliest node.

    ``node_id`` is the node with the largest share; ``field`` the param its layer type names
    as the one to shrink (``units``, ``filters``, ``max_len`` …), when there is one. The
    message says how much, the limit and the biggest contributors; the hint what to reduce.
    """
    if estimate.total_bytes <= limit_bytes or not estimate.nodes:
        return None
    ranked = sorted(estimate.nodes.items(), key=lambda item: item[1].total_bytes, reverse=True)
    node_id, node = ranked[0]
    field = costs[node_id].field if node_id in costs else None
    named = ", ".join(
        f'"{n}" ({node_types.get(n, "?")}) {format_bytes(c.total_bytes)}' for n, c in ranked[:3] if c.total_bytes
    )
    message = (
        f"Training this network would need about {format_bytes(estimate.total_bytes)} of memory "
        f"({_parts_text(estimate)}), more than this server's limit of {format_bytes(limit_bytes)}. "
        f"The biggest contributors: {named}."
    )
    return GraphIssue(
        code="too_much_memory",
        node_id=node_id,
        field=field,
        message=message,
        hint=_memory_hint(estimate, node_id, node, field),
    )


def _parts_text(estimate: CostEstimate) -> str:
    parts = [
        ("parameters", estimate.parameters_bytes, ""),
        ("gradients", estimate.gradients_bytes, ""),
        ("optimizer state", estimate.optimizer_bytes, f" ({estimate.optimizer})"),
        ("activations", estimate.activations_bytes, f" (batch of {estimate.batch_size})"),
        ("buffers", estimate.buffers_bytes, ""),
        ("the data set", estimate.data_bytes, ""),
    ]
    return ", ".join(f"{name} {format_bytes(size)}{note}" for name, size, note in parts if size)


def _memory_hint(estimate: CostEstimate, node_id: str, node: NodeCost, field: str | None) -> str:
    shrink = f'reduce "{field}" of "{node_id}"' if field else f'make "{node_id}" smaller'
    biggest = max(node.activation_bytes, node.param_bytes, node.buffer_bytes)
    if biggest == node.activation_bytes:
        where = "" if field else " (fewer units/filters, or pooling/stride before it)"
        return f"Use a smaller batch size (now {estimate.batch_size}) or a shorter sequence, or {shrink}{where}."
    if biggest == node.param_bytes:
        lighter = (
            ", or use an optimizer with less state (sgd keeps at most one value per parameter)"
            if estimate.optimizer in ("adam", "adamw", "rmsprop")
            else ""
        )
        return f"{shrink[:1].upper()}{shrink[1:]} (fewer units/filters, a smaller vocabulary){lighter}."
    return f"{shrink[:1].upper()}{shrink[1:]} (its table is kept whatever the sequence length)."


def format_bytes(size: int) -> str:
    """A byte count as people read it, in steps of 1024: ``512 B``, ``1.5 KB``, ``340 MB``, ``1.2 GB``.

    >>> format_bytes(1536), format_bytes(40 * 2**30)
    ('1.5 KB', '40 GB')
    """
    value = float(size)
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{size} B"
    return f"{value:.1f} {_UNITS[unit]}" if value < 9.95 else f"{value:.0f} {_UNITS[unit]}"


def format_flops(flops: int) -> str:
    """FLOPs in steps of 1000: ``850 FLOP``, ``3.4 MFLOP``, ``120 GFLOP``.

    >>> format_flops(3_400_000_000)
    '3.4 GFLOP'
    """
    if flops < 1000:
        return f"{flops} FLOP"
    exponent = min(int(math.log10(flops) // 3), 5)
    value = flops / 1000**exponent
    if value >= 999.5 and exponent < 5:
        exponent, value = exponent + 1, value / 1000
    prefix = ("", "k", "M", "G", "T", "P")[exponent]
    return f"{value:.1f} {prefix}FLOP" if value < 9.95 else f"{value:.0f} {prefix}FLOP"
