"""Property: validation never raises on any graph; a graph it accepts compiles and runs with the inferred shapes."""

from __future__ import annotations

import math
from typing import Any

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlab.graph import GraphSpec, compile_graph, validate_graph
from layerlab.layers import all_specs

# Embedding needs integer ids below vocab_size, which only real token data guarantees.
TYPES = [spec.type for spec in all_specs() if spec.type != "Embedding"] + ["NoSuchLayer"]
INPUT_SHAPES = [(2,), (6,), (1, 8, 8), (2, 6, 6), (5, 4), (4, 6)]
MAX_ACTIVATION_VALUES = 50_000


def _param_value(schema: dict[str, Any], *, clean: bool) -> st.SearchStrategy[Any]:
    """Plausible values for one param from its JSON Schema; unless ``clean``, sometimes invalid ones."""
    options = [schema, *schema.get("anyOf", [])]
    strategies: list[st.SearchStrategy[Any]] = []
    for option in options:
        if "enum" in option:
            strategies.append(st.sampled_from(option["enum"] if clean else [*option["enum"], "bogus"]))
        elif option.get("type") == "integer":
            low = int(option.get("minimum", -2))
            high = min(int(option.get("maximum", low + 4)), low + 4)
            strategies.append(st.integers(low, high) if clean else st.integers(low, high) | st.just(low - 1))
        elif option.get("type") == "number":
            strategies.append(st.floats(0.0, 0.5) if clean else st.floats(0.0, 0.9) | st.just(-0.1))
        elif option.get("type") == "boolean":
            strategies.append(st.booleans())
        elif option.get("type") == "array":
            strategies.append(st.lists(st.integers(-1, 8), min_size=0, max_size=3))
        elif option.get("type") == "null":
            strategies.append(st.none())
    return st.one_of(strategies) if strategies else st.none()


@st.composite
def node_params(draw: st.DrawFn, type_name: str, clean: bool = False) -> dict[str, Any]:
    spec = next((s for s in all_specs() if s.type == type_name), None)
    if spec is None:
        return {}
    properties: dict[str, Any] = spec.params_model.model_json_schema().get("properties", {})
    params: dict[str, Any] = {}
    for name, schema in properties.items():
        if draw(st.booleans()):
            params[name] = draw(_param_value(schema, clean=clean))
    if not clean and draw(st.integers(0, 19)) == 19:
        params["unexpected"] = 1
    return params


@st.composite
def clean_graphs(draw: st.DrawFn) -> tuple[GraphSpec, tuple[int, ...] | None]:
    """A chain of layers from the Input with valid params, sometimes merging a skip connection: often valid."""
    count = draw(st.integers(1, 6))
    layer_types = [t for t in TYPES if t not in ("Input", "NoSuchLayer")]
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "Input"}]
    edges: list[dict[str, Any]] = []
    for i in range(count):
        type_name = draw(st.sampled_from(layer_types))
        node_id = f"n{i}"
        nodes.append({"id": node_id, "type": type_name, "params": draw(node_params(type_name, clean=True))})
        edges.append({"source": nodes[-2]["id"], "target": node_id})
        if type_name in ("Add", "Concat"):
            skip = draw(st.integers(0, len(nodes) - 3)) if len(nodes) > 2 else None
            if skip is not None:
                edges.append({"source": nodes[skip]["id"], "target": node_id})
    spec = GraphSpec.model_validate({"nodes": nodes, "edges": edges})
    return spec, draw(st.sampled_from(INPUT_SHAPES))


@st.composite
def graphs(draw: st.DrawFn) -> tuple[GraphSpec, tuple[int, ...] | None]:
    """Anything: random types, params (some invalid), edges (branches, cycles, self loops, dangling ends)."""
    count = draw(st.integers(1, 7))
    types = ["Input" if i == 0 and draw(st.integers(0, 9)) != 9 else draw(st.sampled_from(TYPES)) for i in range(count)]
    nodes = [{"id": f"n{i}", "type": t, "params": draw(node_params(t))} for i, t in enumerate(types)]
    edges: list[dict[str, Any]] = []
    for i in range(1, count):
        if draw(st.integers(0, 9)) != 9:
            edges.append({"source": f"n{i - 1 - draw(st.integers(0, i - 1))}", "target": f"n{i}"})
    for _ in range(draw(st.integers(0, 2))):  # extra edges: branches, merges, cycles, self loops, dangling ends
        edges.append({"source": f"n{draw(st.integers(0, count))}", "target": f"n{draw(st.integers(0, count))}"})
    if draw(st.integers(0, 9)) == 9:
        nodes.append(dict(nodes[0]))  # a duplicate id
    spec = GraphSpec.model_validate({"nodes": nodes, "edges": edges})
    input_shape = draw(st.sampled_from([*INPUT_SHAPES, None]))
    return spec, input_shape


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clean_graphs() | graphs())
def test_validation_never_raises_and_valid_graphs_run_with_the_inferred_shapes(
    case: tuple[GraphSpec, tuple[int, ...] | None],
) -> None:
    spec, input_shape = case
    report = validate_graph(spec, input_shape, max_nodes=100, max_params=1_000_000)
    assert report.valid == (not report.errors)
    assert set(report.nodes) == {node.id for node in spec.nodes}
    report.to_response()
    if not report.valid or input_shape is None:
        return
    shapes = {node_id: node.output_shape for node_id, node in report.nodes.items()}
    assert all(shape is not None for shape in shapes.values())
    if max(math.prod(shape or ()) for shape in shapes.values()) > MAX_ACTIVATION_VALUES:
        return
    model = compile_graph(spec, input_shape).eval()
    x = torch.rand(3, *input_shape)
    with torch.no_grad():
        out, outputs = model.forward_with_outputs(x)
        assert tuple(model(x).shape) == (3, *model.output_shape)
    assert report.output_id is not None
    assert list(out.shape[1:]) == shapes[report.output_id]
    for node_id, value in outputs.items():
        assert list(value.shape[1:]) == shapes[node_id], node_id
    assert sum(p.numel() for p in model.parameters()) == report.total_params
