"""Graph validation: every problem of a :class:`GraphSpec` at once, as :class:`GraphIssue` records.

:func:`validate_graph` never raises on a well-formed ``GraphSpec``; it checks, in one pass:

* ``empty_graph``, ``too_many_nodes`` (when ``max_nodes`` is given; validation stops there,
  so a huge graph costs no more than counting its nodes)
* nodes: ``duplicate_id``, ``unknown_layer`` (listing the valid types), ``unknown_param``,
  ``param_out_of_range``, ``invalid_param`` (``field`` = the param)
* edges: ``dangling_edge`` (``field`` = ``"source"`` or ``"target"``), ``self_loop``,
  ``duplicate_edge``, ``cycle`` (one per group of nodes that reach each other, found in
  linear time; ``node_id`` on the cycle, the message lists it)
* structure: ``no_input``, ``multiple_inputs`` (a network has exactly one Input),
  ``missing_input`` / ``too_many_inputs`` (per layer type), ``unreachable`` (not fed from
  the Input), ``no_output`` (nothing after the Input), ``multiple_outputs`` (more than one
  node without outgoing edges)
* shapes: ``shape_mismatch`` (an input does not fit the layer, incl. Add/Concat of
  mismatched inputs), ``invalid_shape`` (the layer's params make an impossible shape,
  ``field`` = the param), ``too_many_params`` (when ``max_params`` is given),
  ``too_large_activations`` (when ``max_activation_elements`` is given: the values of all
  nodes' outputs per sample, summed, exceed it; ``node_id`` = the node with the largest output)
* cost: ``too_much_memory`` (when ``max_memory_bytes`` is given: the estimate of
  :mod:`layerlab.graph.cost` for the training settings is over it; ``node_id`` = the
  costliest node, ``field`` = its param to shrink)

Issues are data, ordered as found; clients match on ``code``, never on the message.
Every step is linear in the number of nodes and edges.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import ErrorDetails

from layerlab.errors import GraphIssue
from layerlab.graph.cost import CostEstimate, CostSettings, estimate_cost, memory_issue
from layerlab.graph.shapes import ShapeNode, infer_shapes
from layerlab.graph.spec import EdgeSpec, GraphSpec, NodeSpec
from layerlab.layers import LayerCost, LayerParams, LayerSpec, Shape, format_shape, get_spec, layer_types

__all__ = ["GraphReport", "NodeReport", "ValidatedGraph", "ValidatedNode", "analyse_graph", "validate_graph"]

logger = logging.getLogger(__name__)

_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long"}
_LISTED_IDS = 10  # node ids a message lists before "… and N more"


class NodeReport(BaseModel):
    """One node's inferred output shape (per sample, no batch; ``None`` when unknown) and parameter count."""

    output_shape: list[int] | None = None
    params: int = 0


class GraphReport(BaseModel):
    """The result of :func:`validate_graph`.

    ``nodes`` has an entry for every node id (none when validation stopped at
    ``too_many_nodes``); ``order`` lists the node ids in a topological order (nodes on or
    after a cycle are left out); ``output_id`` is the single output node when there is
    exactly one; ``cost`` is the estimate of one training step (``None`` while no shape is known).
    """

    valid: bool
    errors: list[GraphIssue] = Field(default_factory=list)
    nodes: dict[str, NodeReport] = Field(default_factory=dict)
    total_params: int = 0
    order: list[str] = Field(default_factory=list)
    input_id: str | None = None
    output_id: str | None = None
    cost: CostEstimate | None = None

    def to_response(self) -> dict[str, object]:
        """The body of ``POST /api/graphs/validate``: valid, errors, nodes, total_params, cost."""
        return {
            "valid": self.valid,
            "errors": [issue.model_dump() for issue in self.errors],
            "nodes": {node_id: node.model_dump() for node_id, node in self.nodes.items()},
            "total_params": self.total_params,
            "cost": self.cost.model_dump() if self.cost is not None else None,
        }


@dataclass(frozen=True)
class ValidatedNode:
    """A node of a valid graph, ready to build: its layer type, checked params, ordered inputs and shapes."""

    id: str
    spec: LayerSpec
    params: LayerParams
    inputs: tuple[str, ...]
    in_shapes: tuple[Shape, ...]
    output_shape: Shape | None


@dataclass(frozen=True)
class ValidatedGraph:
    """Everything validation learnt: the report, and per node what the compiler needs (checked nodes only)."""

    report: GraphReport
    nodes: dict[str, ValidatedNode]


def validate_graph(
    graph: GraphSpec,
    input_shape: tuple[int, ...] | None,
    *,
    max_nodes: int | None = None,
    max_params: int | None = None,
    max_activation_elements: int | None = None,
    cost_settings: CostSettings | None = None,
    max_memory_bytes: int | None = None,
) -> GraphReport:
    """Check a graph against a data set's per-sample input shape and report every problem at once.

    Args:
        graph: the editor's graph JSON, already parsed.
        input_shape: the data set's per-sample shape (no batch), e.g. ``(1, 28, 28)``; ``None``
            when no data set is chosen: the structural checks still run and shapes are inferred
            only when the Input node has a ``shape`` param.
        max_nodes / max_params / max_activation_elements: limits (from settings); ``None``
            means no limit. ``max_activation_elements`` bounds the values per sample (no batch)
            of all nodes' outputs summed, the memory a forward pass keeps for backward.
        cost_settings: the training settings the cost estimate is for (``None``: the
            defaults, batch 32 with adam).
        max_memory_bytes: the most memory a run may need by that estimate (``None``: no limit).

    Returns:
        A :class:`GraphReport`; ``valid`` is true when ``errors`` is empty.

    Example::

        report = validate_graph(GraphSpec.model_validate(body), (1, 28, 28))
        report.nodes["out"].output_shape   # [10]
    """
    return analyse_graph(
        graph,
        input_shape,
        max_nodes=max_nodes,
        max_params=max_params,
        max_activation_elements=max_activation_elements,
        cost_settings=cost_settings,
        max_memory_bytes=max_memory_bytes,
    ).report


def analyse_graph(
    graph: GraphSpec,
    input_shape: tuple[int, ...] | None,
    *,
    max_nodes: int | None = None,
    max_params: int | None = None,
    max_activation_elements: int | None = None,
    cost_settings: CostSettings | None = None,
    max_memory_bytes: int | None = None,
) -> ValidatedGraph:
    """:func:`validate_graph`, also returning the checked nodes the compiler builds from."""
    issues: list[GraphIssue] = []
    if not graph.nodes:
        issues.append(
            GraphIssue(
                code="empty_graph",
                message="The graph has no nodes.",
                hint="Drag an Input and some layers onto the canvas.",
            )
        )
        return ValidatedGraph(report=GraphReport(valid=False, errors=issues), nodes={})
    if max_nodes is not None and len(graph.nodes) > max_nodes:
        issues.append(
            GraphIssue(
                code="too_many_nodes",
                message=(
                    f"The graph has {len(graph.nodes):,} nodes, more than the limit of {max_nodes:,}; "
                    "the rest of it was not checked."
                ),
                hint="Remove some nodes.",
            )
        )
        return ValidatedGraph(report=GraphReport(valid=False, errors=issues), nodes={})

    # --- nodes: ids, layer types, params -------------------------------------------------
    nodes: dict[str, NodeSpec] = {}
    specs: dict[str, LayerSpec] = {}
    params: dict[str, LayerParams] = {}
    for node in graph.nodes:
        if node.id in nodes:
            issues.append(
                GraphIssue(
                    code="duplicate_id",
                    node_id=node.id,
                    field="id",
                    message=f'Two nodes have the id "{node.id}" (the second is a {node.type}).',
                    hint="Give every node a unique id.",
                )
            )
            continue
        nodes[node.id] = node
        spec = get_spec(node.type)
        if spec is None:
            issues.append(
                GraphIssue(
                    code="unknown_layer",
                    node_id=node.id,
                    field="type",
                    message=f'Node "{node.id}" has the unknown layer type "{node.type}".',
                    hint="Use one of: " + ", ".join(layer_types()) + ".",
                )
            )
            continue
        specs[node.id] = spec
        try:
            params[node.id] = spec.parse_params(node.params)
        except ValidationError as exc:
            issues.extend(_param_issues(node, spec, exc.errors()))

    # --- edges ---------------------------------------------------------------------------
    edges: list[EdgeSpec] = []
    seen_pairs: set[tuple[str, str]] = set()
    for edge in graph.edges:
        ok = True
        for end, other in (("source", edge.target), ("target", edge.source)):
            name = edge.source if end == "source" else edge.target
            if name not in nodes:
                ok = False
                issues.append(
                    GraphIssue(
                        code="dangling_edge",
                        node_id=other if other in nodes else None,
                        field=end,
                        message=f'The edge "{edge.source}" → "{edge.target}" has a {end} "{name}" that is not a node of the graph.',
                        hint="Delete the edge, or connect it to an existing node.",
                    )
                )
        if not ok:
            continue
        if edge.source == edge.target:
            issues.append(
                GraphIssue(
                    code="self_loop",
                    node_id=edge.source,
                    message=f'Node "{edge.source}" is connected to itself.',
                    hint="Delete that edge: data must flow from the Input towards the output.",
                )
            )
            continue
        pair = (edge.source, edge.target)
        if pair in seen_pairs:
            issues.append(
                GraphIssue(
                    code="duplicate_edge",
                    node_id=edge.target,
                    message=f'Node "{edge.source}" is connected to "{edge.target}" more than once.',
                    hint="Delete the extra edge.",
                )
            )
            continue
        seen_pairs.add(pair)
        edges.append(edge)

    inputs = _ordered_inputs(nodes, edges)
    successors: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for edge in edges:
        successors[edge.source].append(edge.target)

    # --- cycles: Kahn's algorithm; what is left over sits on or after a cycle ------------
    order = _topological_order(nodes, inputs, successors)
    if len(order) < len(nodes):
        issues.extend(_cycle_issues(nodes, order, successors))

    # --- Input, reachability, input counts, output -----------------------------------------
    input_ids = [node_id for node_id, spec in specs.items() if spec.role == "input"]
    input_id = input_ids[0] if len(input_ids) == 1 else None
    if not input_ids:
        issues.append(
            GraphIssue(
                code="no_input",
                message="The graph has no Input node.",
                hint="Add an Input node and connect it to the first layer; it takes its shape from the data set.",
            )
        )
    inputs_text = f"The graph has {len(input_ids):,} Input nodes ({_quoted(input_ids)}); a network has exactly one."
    for extra in input_ids[1:]:
        issues.append(
            GraphIssue(
                code="multiple_inputs",
                node_id=extra,
                message=inputs_text,
                hint="Delete the extra Input, or feed the branches from the one Input.",
            )
        )
    reachable = _reachable(input_ids, successors) if input_ids else set(nodes)

    ordered = set(order)
    for node_id, node in nodes.items():
        spec = specs.get(node_id)
        count = len(inputs[node_id])
        if spec is not None and spec.role == "input":
            if count:
                issues.append(
                    GraphIssue(
                        code="too_many_inputs",
                        node_id=node_id,
                        message=f'Node "{node_id}" (Input) takes no inputs but {_quoted(inputs[node_id])} is connected to it.',
                        hint="Delete the edge into the Input: data enters the network there.",
                    )
                )
            continue
        if count == 0:
            issues.append(
                GraphIssue(
                    code="missing_input",
                    node_id=node_id,
                    message=f'Node "{node_id}" ({node.type}) has no input.',
                    hint="Connect the previous layer (or the Input) to it, or delete it.",
                )
            )
            continue
        if node_id not in reachable and node_id in ordered:  # (nodes on a cycle have their cycle issue)
            issues.append(
                GraphIssue(
                    code="unreachable",
                    node_id=node_id,
                    message=f'Node "{node_id}" ({node.type}) is not connected to the Input.',
                    hint="Connect its branch to the network, or delete it.",
                )
            )
        if spec is None:
            continue
        if count < spec.min_inputs:
            issues.append(
                GraphIssue(
                    code="missing_input",
                    node_id=node_id,
                    message=f'Node "{node_id}" ({spec.type}) needs at least {spec.min_inputs} inputs but has {count}.',
                    hint=f"Connect the branches to merge into {spec.type}.",
                )
            )
        elif spec.max_inputs is not None and count > spec.max_inputs:
            taken = "1 input" if spec.max_inputs == 1 else f"at most {spec.max_inputs} inputs"
            issues.append(
                GraphIssue(
                    code="too_many_inputs",
                    node_id=node_id,
                    message=f'Node "{node_id}" ({spec.type}) takes {taken} but has {count} ({_quoted(inputs[node_id])}).',
                    hint="Merge the branches with an Add or Concat node first.",
                )
            )

    sinks = [node_id for node_id in nodes if node_id in reachable and not successors[node_id]]
    output_id: str | None = None
    if len(sinks) == 1:
        output_id = sinks[0]
        if output_id in input_ids:
            output_id = None
            issues.append(
                GraphIssue(
                    code="no_output",
                    node_id=sinks[0],
                    message="The network has no layers after the Input.",
                    hint="Connect layers after the Input; the last one is the output.",
                )
            )
    elif not sinks and len(order) == len(nodes):
        issues.append(
            GraphIssue(
                code="no_output",
                message="The network has no output node.",
                hint="End the network with a layer that has no outgoing edge.",
            )
        )
    elif len(sinks) > 1:
        outputs_text = f"The network has {len(sinks):,} outputs ({_quoted(sinks)}); it needs exactly one."
        for sink in sinks:
            issues.append(
                GraphIssue(
                    code="multiple_outputs",
                    node_id=sink,
                    message=outputs_text,
                    hint="Join the branches with an Add or Concat node before the last layer, or delete the unused ones.",
                )
            )

    # --- shapes ----------------------------------------------------------------------------
    # Nodes with a problem of their own get no shape (nor do the nodes after them): no cascades.
    not_about_the_node = {"multiple_outputs", "no_output", "duplicate_edge", "dangling_edge"}
    flagged = {issue.node_id for issue in issues if issue.node_id is not None and issue.code not in not_about_the_node}
    checked = {
        node_id: ShapeNode(id=node_id, spec=specs[node_id], params=params[node_id], inputs=inputs[node_id])
        for node_id in order
        if node_id in params and node_id not in flagged and (node_id in reachable or specs[node_id].role == "input")
    }
    shape_input = tuple(int(d) for d in input_shape) if input_shape is not None else None
    result = infer_shapes(order, checked, shape_input)
    issues.extend(result.issues)
    total_params = sum(result.params.values())
    if max_params is not None and total_params > max_params:
        biggest = max(result.params, key=lambda n: result.params[n])
        issues.append(
            GraphIssue(
                code="too_many_params",
                node_id=biggest,
                message=(
                    f"The network has {total_params:,} parameters, more than the limit of {max_params:,}; "
                    f'the largest layer is "{biggest}" ({nodes[biggest].type}, {result.params[biggest]:,}).'
                ),
                hint="Use fewer units or filters, or add pooling before the Flatten.",
            )
        )
    if max_activation_elements is not None:
        issue = _activation_issue(result.shapes, nodes, max_activation_elements)
        if issue is not None:
            issues.append(issue)
    cost = _estimate(result.costs, result.shapes, output_id, input_id, cost_settings or CostSettings(), len(nodes))
    if cost is not None and max_memory_bytes is not None:
        issue = memory_issue(cost, max_memory_bytes, {n: node.type for n, node in nodes.items()}, result.costs)
        if issue is not None:
            issues.append(issue)

    report = GraphReport(
        valid=not issues,
        errors=issues,
        nodes={
            node_id: NodeReport(
                output_shape=list(shape) if (shape := result.shapes.get(node_id)) is not None else None,
                params=result.params.get(node_id, 0),
            )
            for node_id in nodes
        },
        total_params=total_params,
        order=order,
        input_id=input_id,
        output_id=output_id,
        cost=cost,
    )
    validated = {
        node_id: ValidatedNode(
            id=node_id,
            spec=node.spec,
            params=node.params,
            inputs=node.inputs,
            in_shapes=tuple(s for src in node.inputs if (s := result.shapes.get(src)) is not None),
            output_shape=result.shapes.get(node_id),
        )
        for node_id, node in checked.items()
    }
    if issues:
        logger.debug("graph invalid: %s", [issue.code for issue in issues])
    return ValidatedGraph(report=report, nodes=validated)


def _estimate(
    costs: dict[str, LayerCost],
    shapes: dict[str, Shape | None],
    output_id: str | None,
    input_id: str | None,
    settings: CostSettings,
    node_count: int,
) -> CostEstimate | None:
    """The cost estimate of the nodes whose shapes are known (``None`` when none is)."""
    if not costs:
        return None
    output = shapes.get(output_id) if output_id is not None else None
    source = shapes.get(input_id) if input_id is not None else None
    return estimate_cost(
        costs,
        settings,
        output_id=output_id,
        output_values=math.prod(output) if output is not None else 0,
        input_values=math.prod(source) if source is not None else 0,
        complete=len(costs) == node_count,
    )


def _activation_issue(shapes: dict[str, Shape | None], nodes: dict[str, NodeSpec], limit: int) -> GraphIssue | None:
    """``too_large_activations`` when the known outputs hold more than ``limit`` values per sample, summed.

    Every node with a known shape counts (the Input too: its tensor is kept for backward as
    well). The issue names the node with the largest output, the one to shrink first.
    """
    sizes = {node_id: math.prod(shape) for node_id, shape in shapes.items() if shape is not None}
    total = sum(sizes.values())
    if total <= limit:
        return None
    biggest = max(sizes, key=lambda n: sizes[n])
    shape = shapes[biggest]
    return GraphIssue(
        code="too_large_activations",
        node_id=biggest,
        message=(
            f"The layers' outputs hold {total:,} values per sample, more than the limit of {limit:,}; "
            f'the largest is "{biggest}" ({nodes[biggest].type}), which produces {format_shape(shape)} '
            f"= {sizes[biggest]:,} values per sample."
        ),
        hint="Reduce filters/units or add pooling/stride (a larger stride, or a MaxPool2D) before the big layers.",
    )


def _param_issues(node: NodeSpec, spec: LayerSpec, errors: Sequence[ErrorDetails]) -> list[GraphIssue]:
    """One issue per pydantic error of a node's params, naming the node and the field."""
    properties = spec.params_schema().get("properties", {})
    assert isinstance(properties, dict)
    issues: list[GraphIssue] = []
    for error in errors:
        loc = error["loc"]
        field = str(loc[0]) if loc else None
        where = "".join(f"[{part}]" for part in loc[1:])
        value = error.get("input")
        head = f'Node "{node.id}" ({spec.type})'
        if error["type"] == "extra_forbidden":
            names = ", ".join(properties) or "no parameters"
            issues.append(
                GraphIssue(
                    code="unknown_param",
                    node_id=node.id,
                    field=field,
                    message=f'{head} has no parameter "{field}".',
                    hint=f"{spec.type} takes: {names}.",
                )
            )
            continue
        msg = str(error["msg"]).removeprefix("Value error, ")
        if msg.startswith("Input should "):
            msg = "should " + msg.removeprefix("Input should ")
        else:
            msg = "is invalid: " + msg
        prop = properties.get(field) if field is not None else None
        code = "param_out_of_range" if error["type"] in _RANGE_ERRORS else "invalid_param"
        issues.append(
            GraphIssue(
                code=code,
                node_id=node.id,
                field=field,
                message=f"{head}: {field}{where} {msg}, got {value!r}.",
                hint=_param_hint(prop),
            )
        )
    return issues


def _param_hint(prop: object) -> str | None:
    """ "Use one of: …" for choices, "Use a value from … to …" for ranges, from the field's JSON Schema."""
    options: list[dict[str, object]] = []
    queue: list[object] = [prop]
    while queue:
        item = queue.pop(0)
        if not isinstance(item, dict):
            continue
        options.append(item)
        any_of = item.get("anyOf")
        if isinstance(any_of, list):
            queue.extend(any_of)
        queue.append(item.get("items"))
    for option in options:
        enum = option.get("enum")
        if isinstance(enum, list):
            return "Use one of: " + ", ".join(str(v) for v in enum) + "."
    for option in options:
        low = option.get("minimum", option.get("exclusiveMinimum"))
        high = option.get("maximum", option.get("exclusiveMaximum"))
        if low is not None and high is not None:
            return f"Use a value from {low} to {high}."
        if low is not None:
            return f"Use a value of at least {low}."
        if high is not None:
            return f"Use a value of at most {high}."
    return None


def _ordered_inputs(nodes: dict[str, NodeSpec], edges: Sequence[EdgeSpec]) -> dict[str, tuple[str, ...]]:
    """Each node's sources, ordered by ``target_port`` (edges without one after, in edge order)."""
    incoming: dict[str, list[tuple[int, int, str]]] = {node_id: [] for node_id in nodes}
    for index, edge in enumerate(edges):
        port = edge.target_port if edge.target_port is not None else 1_000_000
        incoming[edge.target].append((port, index, edge.source))
    return {node_id: tuple(src for _, _, src in sorted(items)) for node_id, items in incoming.items()}


def _topological_order(
    nodes: dict[str, NodeSpec], inputs: dict[str, tuple[str, ...]], successors: dict[str, list[str]]
) -> list[str]:
    """Kahn's algorithm, stable in node order; nodes on or after a cycle are left out."""
    indegree = {node_id: len(inputs[node_id]) for node_id in nodes}
    ready = deque(node_id for node_id in nodes if indegree[node_id] == 0)
    order: list[str] = []
    while ready:
        node_id = ready.popleft()
        order.append(node_id)
        for target in successors[node_id]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return order


def _cycle_issues(nodes: dict[str, NodeSpec], order: list[str], successors: dict[str, list[str]]) -> list[GraphIssue]:
    """One ``cycle`` issue per group of nodes that reach each other, among those Kahn's algorithm left over.

    The groups are the strongly connected components of the left-over nodes (Tarjan's
    algorithm, iterative: linear in nodes and edges, no recursion limit); a node that merely
    comes after a cycle is a group of one and gets no issue. Each issue names a node on a
    cycle of its group and lists that cycle, in node order of the groups' first nodes.
    """
    done = set(order)
    position = {node_id: index for index, node_id in enumerate(nodes)}
    left = [node_id for node_id in nodes if node_id not in done]
    groups = [group for group in _strong_components(left, successors) if len(group) > 1]
    groups.sort(key=lambda group: min(position[n] for n in group))
    issues: list[GraphIssue] = []
    for group in groups:
        cycle = _cycle_in(group, successors, position)
        issues.append(
            GraphIssue(
                code="cycle",
                node_id=cycle[0],
                message=f"The graph has a cycle: {_cycle_text(cycle)}. Data must flow one way, from the Input to the output.",
                hint="Delete one of the edges of the cycle.",
            )
        )
    return issues


def _strong_components(members: Sequence[str], successors: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of the subgraph on ``members`` (iterative)."""
    inside = set(members)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in members:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, 0)]  # (node, next successor to look at)
        while work:
            node, at = work[-1]
            targets = successors[node]
            while at < len(targets) and targets[at] not in inside:
                at += 1
            if at < len(targets):
                work[-1] = (node, at + 1)
                target = targets[at]
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _cycle_in(group: Sequence[str], successors: dict[str, list[str]], position: dict[str, int]) -> list[str]:
    """A cycle inside a strongly connected group, starting where the walk from its first node closes."""
    inside = set(group)
    current = min(group, key=lambda n: position[n])
    path: list[str] = []
    seen: dict[str, int] = {}
    while current not in seen:  # every node of the group has a successor in it: the walk closes
        seen[current] = len(path)
        path.append(current)
        current = next(t for t in successors[current] if t in inside)
    return path[seen[current] :]


def _cycle_text(cycle: Sequence[str]) -> str:
    """``"a" → "b" → "a"``; a long cycle shows its first nodes and how many more."""
    if len(cycle) <= _LISTED_IDS + 2:
        return " → ".join(f'"{n}"' for n in [*cycle, cycle[0]])
    head = " → ".join(f'"{n}"' for n in cycle[:_LISTED_IDS])
    return f'{head} → … ({len(cycle) - _LISTED_IDS:,} more nodes) → "{cycle[0]}"'


def _reachable(starts: Sequence[str], successors: dict[str, list[str]]) -> set[str]:
    seen = set(starts)
    stack = list(starts)
    while stack:
        for target in successors[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _quoted(ids: Sequence[str]) -> str:
    """``"a", "b"``; past ten ids, ``… and N more`` (a message stays short however big the graph)."""
    text = ", ".join(f'"{node_id}"' for node_id in ids[:_LISTED_IDS])
    return text if len(ids) <= _LISTED_IDS else f"{text} and {len(ids) - _LISTED_IDS:,} more"
