"""Shape inference: the per-sample output shape, parameter count and cost of every node, in topological order.

A node whose own checks failed (unknown type, bad params, wrong number of inputs), or one of
whose inputs has no shape, gets ``None`` silently: one mistake yields one issue, not a cascade.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from layerlab.errors import GraphIssue
from layerlab.layers import LayerCost, LayerParams, LayerSpec, Shape, ShapeError, format_shape

__all__ = ["ShapeNode", "ShapeResult", "infer_shapes", "shape_issue"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShapeNode:
    """What shape inference needs of a node that passed its own checks."""

    id: str
    spec: LayerSpec
    params: LayerParams
    inputs: tuple[str, ...]  # source node ids, in port order


@dataclass(frozen=True)
class ShapeResult:
    """Output shape (``None``: unknown) and parameter count (0 when unknown) per node, plus the issues found.

    ``costs`` holds the :class:`LayerCost` of every node whose shape is known.
    """

    shapes: dict[str, Shape | None]
    params: dict[str, int]
    issues: list[GraphIssue]
    costs: dict[str, LayerCost]


def infer_shapes(order: Sequence[str], nodes: Mapping[str, ShapeNode], input_shape: Shape | None) -> ShapeResult:
    """Infer every node's output shape in ``order`` (a topological order).

    Args:
        order: node ids, every node after its inputs. Ids missing from ``nodes`` (nodes that
            failed their own checks) get ``None``.
        nodes: the nodes that passed their own checks.
        input_shape: the data set's per-sample shape; ``None`` means "not known yet", in
            which case the Input's ``shape`` param is used when set, and otherwise every
            shape stays ``None`` (no issue is raised for that).

    Never raises: an unexpected error from a layer becomes an ``invalid_shape`` issue.
    """
    shapes: dict[str, Shape | None] = {}
    params: dict[str, int] = {}
    costs: dict[str, LayerCost] = {}
    issues: list[GraphIssue] = []
    for node_id in order:
        shapes[node_id] = None
        params[node_id] = 0
        node = nodes.get(node_id)
        if node is None:
            continue
        in_shapes = [shapes.get(src) for src in node.inputs]
        if any(s is None for s in in_shapes):
            continue
        known: list[Shape] = [s for s in in_shapes if s is not None]
        try:
            if node.spec.min_inputs == 0 and input_shape is not None:
                out = tuple(input_shape)  # the Input: the data set's shape wins over the shape param
            elif node.spec.min_inputs == 0 and getattr(node.params, "shape", None) is None:
                continue  # no data set chosen and no shape override: shapes stay unknown
            else:
                out = node.spec.infer_shape(known, node.params)
            cost = node.spec.cost(known, node.params, out_shape=out)
        except ShapeError as err:
            issues.append(shape_issue(node, err, known))
            continue
        except Exception as exc:  # a layer bug must not break validation; log it, report it
            logger.exception("layer %s failed on node %r with input shapes %s", node.spec.type, node_id, known)
            issues.append(
                GraphIssue(
                    code="invalid_shape",
                    node_id=node_id,
                    message=f'Node "{node_id}" ({node.spec.type}) cannot be built for input {_inputs_text(node, known)}: {exc}',
                    hint="Check the node's settings and its input.",
                )
            )
            continue
        shapes[node_id] = out
        params[node_id] = cost.params
        costs[node_id] = cost
    return ShapeResult(shapes=shapes, params=params, issues=issues, costs=costs)


def shape_issue(node: ShapeNode, err: ShapeError, in_shapes: Sequence[Shape]) -> GraphIssue:
    """Turn a layer's :class:`ShapeError` into an issue that names the node and its inputs (``docs/contract.md`` §1.4).

    Example message: ``Node "dense_2" (Dense) expects input (batch, features) but "conv_3"
    produces (batch, 64, 7, 7). Insert a Flatten node between them.``
    """
    head = f'Node "{node.id}" ({node.spec.type})'
    if err.expects is not None:
        message = f"{head} expects input {err.expects} but {_inputs_text(node, in_shapes)}."
        if err.message:
            message += f" {_sentence(err.message)}"
        if err.hint:
            message += f" {err.hint}"
    elif err.code == "shape_mismatch" and len(in_shapes) > 1:
        message = f"{head}: {err.message}, but {_inputs_text(node, in_shapes)}."
    else:
        message = f"{head}: {err.message}."
    return GraphIssue(code=err.code, message=message, node_id=node.id, field=err.field, hint=err.hint)


def _inputs_text(node: ShapeNode, in_shapes: Sequence[Shape]) -> str:
    parts = [f'"{src}" produces {format_shape(shape)}' for src, shape in zip(node.inputs, in_shapes, strict=False)]
    if not parts:
        return "it has no input"
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
