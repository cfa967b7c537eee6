"""Validation reports every problem at once, each with a stable code naming the node and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from layerlab.graph import GraphSpec, validate_graph

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "graphs"


def graph(nodes: list[dict[str, Any]], edges: list[tuple[str, str]] | list[dict[str, Any]]) -> GraphSpec:
    edge_list = [e if isinstance(e, dict) else {"source": e[0], "target": e[1]} for e in edges]
    return GraphSpec.model_validate({"nodes": nodes, "edges": edge_list})


def chain(*layers: tuple[str, str, dict[str, Any]]) -> GraphSpec:
    nodes = [{"id": i, "type": t, "params": p} for i, t, p in layers]
    return graph(nodes, [(a[0], b[0]) for a, b in zip(layers, layers[1:], strict=False)])


def codes(spec: GraphSpec, input_shape: tuple[int, ...] | None = (4,), **limits: Any) -> list[str]:
    return [issue.code for issue in validate_graph(spec, input_shape, **limits).errors]


def load(name: str) -> GraphSpec:
    return GraphSpec.model_validate(json.loads((FIXTURES / name).read_text()))


def test_valid_mlp_reports_shapes_params_order_and_output() -> None:
    report = validate_graph(load("mlp_tiny.json"), (2,))
    assert report.valid and report.errors == []
    assert report.nodes["hidden"].output_shape == [8]
    assert report.nodes["output"].params == 8 * 2 + 2
    assert report.total_params == (2 * 8 + 8) + (8 * 2 + 2)
    assert report.order == ["input", "hidden", "output"]
    assert report.input_id == "input" and report.output_id == "output"


def test_to_response_is_the_validate_body() -> None:
    body = validate_graph(load("invalid_shapes.json"), (1, 8, 8)).to_response()
    assert set(body) == {"valid", "errors", "nodes", "total_params", "cost"}
    assert body["valid"] is False
    errors = body["errors"]
    assert isinstance(errors, list)
    assert set(errors[0]) == {"code", "message", "node_id", "field", "hint"}
    json.dumps(body)


def test_empty_graph() -> None:
    assert codes(GraphSpec()) == ["empty_graph"]


def test_dense_fed_an_image_is_a_shape_mismatch_with_the_style_message() -> None:
    report = validate_graph(load("invalid_shapes.json"), (1, 8, 8))
    assert [e.code for e in report.errors] == ["shape_mismatch"]
    issue = report.errors[0]
    assert issue.node_id == "dense_1"
    assert issue.message == (
        'Node "dense_1" (Dense) expects input (batch, features) but "conv_1" produces (batch, 8, 6, 6). '
        "Insert a Flatten node between them."
    )
    assert issue.hint == "Insert a Flatten node between them."
    # downstream of the broken node: no shape, no second error
    assert report.nodes["conv_1"].output_shape == [8, 6, 6]
    assert report.nodes["dense_1"].output_shape is None
    assert report.nodes["output"].output_shape is None


def test_cycle_is_reported_once_with_the_cycle_listed() -> None:
    report = validate_graph(load("invalid_cycle.json"), (4,))
    cycle = [e for e in report.errors if e.code == "cycle"]
    assert len(cycle) == 1
    assert cycle[0].node_id in {"b", "c"}
    assert '"b"' in cycle[0].message and '"c"' in cycle[0].message
    assert "unreachable" not in [e.code for e in report.errors]
    assert "b" not in report.order and "output" not in report.order


def test_unknown_layer_lists_the_valid_types() -> None:
    report = validate_graph(chain(("in", "Input", {}), ("x", "Dens", {"units": 3})), (4,))
    [issue] = report.errors
    assert issue.code == "unknown_layer" and issue.node_id == "x" and issue.field == "type"
    assert issue.hint is not None and "Dense" in issue.hint and "Conv2D" in issue.hint


def test_every_param_problem_is_reported_with_its_field() -> None:
    spec = chain(("in", "Input", {}), ("d", "Dense", {"units": 0, "activation": "swish", "colour": "red"}))
    issues = validate_graph(spec, (4,)).errors
    by_code = {issue.code: issue for issue in issues}
    assert set(by_code) == {"param_out_of_range", "invalid_param", "unknown_param"}
    assert by_code["param_out_of_range"].field == "units"
    assert '"d"' in by_code["param_out_of_range"].message and "got 0" in by_code["param_out_of_range"].message
    assert by_code["param_out_of_range"].hint == "Use a value from 1 to 65536."
    assert by_code["invalid_param"].field == "activation"
    assert by_code["invalid_param"].hint is not None and "relu" in by_code["invalid_param"].hint
    assert by_code["unknown_param"].field == "colour"
    assert by_code["unknown_param"].hint == "Dense takes: units, activation, use_bias."


def test_wrong_param_type_is_invalid_param() -> None:
    assert codes(chain(("in", "Input", {}), ("d", "Dense", {"units": "many"}))) == ["invalid_param"]


def test_duplicate_ids_dangling_and_duplicate_edges_and_self_loops() -> None:
    spec = graph(
        [{"id": "in", "type": "Input"}, {"id": "d", "type": "Dense"}, {"id": "d", "type": "ReLU"}],
        [("in", "d"), ("in", "d"), ("d", "d"), ("ghost", "d"), ("d", "nowhere")],
    )
    issues = validate_graph(spec, (4,)).errors
    found = [(i.code, i.field) for i in issues]
    assert ("duplicate_id", "id") in found
    assert ("duplicate_edge", None) in found
    assert ("self_loop", None) in found
    assert ("dangling_edge", "source") in found
    assert ("dangling_edge", "target") in found


def test_no_input_and_multiple_inputs() -> None:
    assert "no_input" in codes(chain(("a", "Dense", {}), ("b", "Dense", {})))
    spec = graph(
        [{"id": "in1", "type": "Input"}, {"id": "in2", "type": "Input"}, {"id": "add", "type": "Add"}],
        [("in1", "add"), ("in2", "add")],
    )
    assert codes(spec) == ["multiple_inputs"]


def test_multiple_outputs_names_each_output() -> None:
    spec = graph(
        [{"id": "in", "type": "Input"}, {"id": "a", "type": "Dense"}, {"id": "b", "type": "Dense"}],
        [("in", "a"), ("in", "b")],
    )
    issues = validate_graph(spec, (4,)).errors
    assert [(i.code, i.node_id) for i in issues] == [("multiple_outputs", "a"), ("multiple_outputs", "b")]
    # shapes are still inferred for both branches
    assert validate_graph(spec, (4,)).nodes["a"].output_shape == [32]


def test_input_alone_has_no_output() -> None:
    assert codes(graph([{"id": "in", "type": "Input"}], [])) == ["no_output"]


def test_disconnected_nodes_are_missing_input_or_unreachable() -> None:
    spec = graph(
        [
            {"id": "in", "type": "Input"},
            {"id": "out", "type": "Dense"},
            {"id": "a", "type": "Dense"},
            {"id": "b", "type": "ReLU"},
        ],
        [("in", "out"), ("a", "b"), ("b", "out")],
    )
    found = [(i.code, i.node_id) for i in validate_graph(spec, (4,)).errors]
    assert ("missing_input", "a") in found
    assert ("unreachable", "b") in found
    assert ("too_many_inputs", "out") in found


def test_edge_into_input_is_too_many_inputs() -> None:
    spec = graph([{"id": "in", "type": "Input"}, {"id": "d", "type": "Dense"}], [("in", "d"), ("d", "in")])
    assert "cycle" in codes(spec)
    spec = graph(
        [{"id": "in", "type": "Input"}, {"id": "d", "type": "Dense"}, {"id": "x", "type": "Dense"}],
        [("in", "d"), ("x", "in")],
    )
    assert {"too_many_inputs", "missing_input"} <= set(codes(spec))


def test_add_needs_two_inputs_of_the_same_shape() -> None:
    spec = graph(
        [
            {"id": "in", "type": "Input"},
            {"id": "a", "type": "Dense", "params": {"units": 3}},
            {"id": "add", "type": "Add"},
        ],
        [("in", "a"), ("a", "add")],
    )
    assert codes(spec) == ["missing_input"]
    spec = graph(
        [
            {"id": "in", "type": "Input"},
            {"id": "a", "type": "Dense", "params": {"units": 3}},
            {"id": "b", "type": "Dense", "params": {"units": 5}},
            {"id": "add", "type": "Add"},
        ],
        [("in", "a"), ("in", "b"), ("a", "add"), ("b", "add")],
    )
    [issue] = validate_graph(spec, (4,)).errors
    assert issue.code == "shape_mismatch" and issue.node_id == "add"
    assert '"a" produces (batch, 3)' in issue.message and '"b" produces (batch, 5)' in issue.message


def test_concat_mismatch_names_the_axis_field() -> None:
    spec = graph(
        [
            {"id": "in", "type": "Input"},
            {"id": "a", "type": "Conv2D", "params": {"filters": 2, "kernel_size": 3}},
            {"id": "b", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 1}},
            {"id": "cat", "type": "Concat"},
        ],
        [("in", "a"), ("in", "b"), ("a", "cat"), ("b", "cat")],
    )
    [issue] = validate_graph(spec, (1, 8, 8)).errors
    assert issue.code == "shape_mismatch" and issue.node_id == "cat" and issue.field == "axis"


def test_conv_shrinking_the_image_away_is_invalid_shape_on_kernel_size() -> None:
    spec = chain(("in", "Input", {}), ("c", "Conv2D", {"kernel_size": 9}), ("f", "Flatten", {}), ("o", "Dense", {}))
    report = validate_graph(spec, (1, 8, 8))
    [issue] = report.errors
    assert (issue.code, issue.node_id, issue.field) == ("invalid_shape", "c", "kernel_size")
    assert issue.message.startswith('Node "c" (Conv2D): kernel_size 9')


def test_limits_on_nodes_and_params() -> None:
    spec = chain(("in", "Input", {}), ("d", "Dense", {"units": 1000}), ("o", "Dense", {"units": 10}))
    assert codes(spec, (1000,), max_params=1000) == ["too_many_params"]
    issue = validate_graph(spec, (1000,), max_params=1000).errors[0]
    assert issue.node_id == "d"
    assert codes(spec, (1000,), max_nodes=2) == ["too_many_nodes"]
    assert codes(spec, (1000,), max_nodes=3, max_params=10_000_000) == []


def test_without_input_shape_structure_is_checked_and_shapes_are_unknown() -> None:
    report = validate_graph(load("mlp_tiny.json"), None)
    assert report.valid
    assert all(node.output_shape is None for node in report.nodes.values())
    assert report.order == ["input", "hidden", "output"]
    assert codes(load("invalid_cycle.json"), None) == ["cycle"]


def test_input_shape_param_is_used_when_no_dataset_is_chosen() -> None:
    spec = chain(("in", "Input", {"shape": [3]}), ("o", "Dense", {"units": 2}))
    assert validate_graph(spec, None).nodes["o"].output_shape == [2]
    # a chosen data set wins over the param
    assert validate_graph(spec, (5,)).nodes["o"].params == 5 * 2 + 2


@pytest.mark.parametrize("name", ["mlp_tiny.json", "residual.json"])
def test_valid_fixtures(name: str) -> None:
    assert validate_graph(load(name), (2,)).valid


def test_cnn_fixture_shapes() -> None:
    report = validate_graph(load("cnn_tiny.json"), (1, 8, 8))
    assert report.valid
    assert report.nodes["conv"].output_shape == [4, 8, 8]
    assert report.nodes["pool"].output_shape == [4, 4, 4]
    assert report.nodes["flatten"].output_shape == [64]


def big_conv(filters: int = 64) -> GraphSpec:
    # Input (3, 32, 32) = 3,072; conv (filters, 32, 32); flatten the same; dense 10.
    return chain(
        ("in", "Input", {}),
        ("c", "Conv2D", {"filters": filters, "kernel_size": 3, "padding": "same"}),
        ("f", "Flatten", {}),
        ("o", "Dense", {"units": 10}),
    )


def test_too_large_activations_names_the_biggest_output_and_its_shape() -> None:
    total = 3 * 32 * 32 + 2 * (64 * 32 * 32) + 10  # 134,154 values per sample
    report = validate_graph(big_conv(), (3, 32, 32), max_activation_elements=100_000)
    [issue] = report.errors
    assert (issue.code, issue.node_id, issue.field) == ("too_large_activations", "c", None)
    assert f"{total:,} values per sample" in issue.message
    assert "100,000" in issue.message
    assert '"c" (Conv2D)' in issue.message and "(batch, 64, 32, 32)" in issue.message
    assert issue.hint is not None and "reduce filters/units or add pooling/stride" in issue.hint.lower()
    # shapes are still reported, so the editor can show where the values are
    assert report.nodes["c"].output_shape == [64, 32, 32]


def test_activation_limit_counts_every_output_and_is_inclusive() -> None:
    total = 3 * 32 * 32 + 2 * (64 * 32 * 32) + 10
    assert codes(big_conv(), (3, 32, 32), max_activation_elements=total) == []
    assert codes(big_conv(), (3, 32, 32), max_activation_elements=total - 1) == ["too_large_activations"]
    assert codes(big_conv(), (3, 32, 32)) == []  # no limit given: no check


def test_activation_limit_with_unknown_shapes_counts_only_the_known_ones() -> None:
    # no data set: shapes unknown, nothing to count
    assert codes(big_conv(4096), None, max_activation_elements=1) == []
    # a broken node stops the count there: only the Input's 3 × 8 × 8 = 192 values are known
    broken = chain(("in", "Input", {}), ("c", "Conv2D", {"kernel_size": 9}), ("f", "Flatten", {}))
    assert codes(broken, (3, 8, 8), max_activation_elements=192) == ["invalid_shape"]
    assert codes(broken, (3, 8, 8), max_activation_elements=191) == ["invalid_shape", "too_large_activations"]


def test_absurd_conv_is_rejected_by_the_default_setting_but_the_reference_examples_pass() -> None:
    from layerlab.settings import Settings
    from layerlab.templates import get_template

    limit = Settings().max_activation_elements
    absurd = chain(
        ("in", "Input", {}),
        ("c1", "Conv2D", {"filters": 4096, "kernel_size": 3, "padding": "same"}),
        ("c2", "Conv2D", {"filters": 4096, "kernel_size": 3, "padding": "same"}),
        ("p", "GlobalAvgPool2D", {}),
        ("o", "Dense", {"units": 10}),
    )
    # 2 × 4096 × 64 × 64 ≈ 33.6 M values: fine; on 128×128 images ≈ 134 M: rejected
    assert "too_large_activations" not in codes(absurd, (3, 64, 64), max_activation_elements=limit)
    [issue] = validate_graph(absurd, (3, 128, 128), max_activation_elements=limit).errors
    assert (issue.code, issue.node_id) == ("too_large_activations", "c1")
    for name, shape in (("mnist_mlp", (1, 28, 28)), ("cifar10_cnn", (3, 32, 32))):
        template = get_template(name)
        assert template is not None
        assert validate_graph(template.graph, shape, max_activation_elements=limit).valid


# --- bounded time: validation stops at its limits, cycles are found in linear time ----------


def test_past_max_nodes_validation_stops_with_too_many_nodes_only() -> None:
    # 300 nodes, one of an unknown type and a cycle among them: none of it is looked at past the limit
    nodes = [{"id": "in", "type": "Input"}] + [{"id": f"d{i}", "type": "Dense"} for i in range(298)]
    nodes.append({"id": "odd", "type": "NoSuchLayer"})
    edges = [(a["id"], b["id"]) for a, b in zip(nodes, nodes[1:], strict=False)] + [("d5", "d2")]
    report = validate_graph(graph(nodes, edges), (4,), max_nodes=200)
    [issue] = report.errors
    assert issue.code == "too_many_nodes"
    assert "300 nodes" in issue.message and "200" in issue.message
    assert report.nodes == {} and report.cost is None and not report.valid


def test_graph_spec_caps_nodes_and_edges() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        GraphSpec.model_validate({"nodes": [{"id": f"n{i}", "type": "Dense"} for i in range(10_001)]})
    with pytest.raises(ValidationError):
        GraphSpec.model_validate({"nodes": [], "edges": [{"source": "a", "target": "b"}] * 40_001})


class _CountingSuccessors(dict[str, list[str]]):
    """A successor map that counts how often it is read."""

    reads = 0

    def __getitem__(self, key: str) -> list[str]:
        self.reads += 1
        return super().__getitem__(key)


def test_cycle_search_reads_each_node_a_bounded_number_of_times() -> None:
    from layerlab.graph.spec import NodeSpec
    from layerlab.graph.validate import _cycle_issues

    # a ⇄ b, then a chain of 3,000 nodes hanging off b: nothing can be ordered
    chain_ids = [f"c{i}" for i in range(3000)]
    ids = ["a", "b", *chain_ids]
    nodes = {i: NodeSpec(id=i, type="Dense") for i in ids}
    successors = _CountingSuccessors({i: [] for i in ids})
    dict.__getitem__(successors, "a").append("b")
    dict.__getitem__(successors, "b").extend(["a", chain_ids[0]])
    for source, target in zip(chain_ids, chain_ids[1:], strict=False):
        dict.__getitem__(successors, source).append(target)
    [issue] = _cycle_issues(nodes, [], successors)
    assert issue.code == "cycle" and issue.node_id == "a"
    assert issue.message.startswith('The graph has a cycle: "a" → "b" → "a".')
    assert successors.reads <= 5 * len(ids)  # linear (peeling the chain one node per pass read it ~n²/2 times)


def test_each_cycle_is_one_issue_and_what_follows_a_cycle_is_none() -> None:
    nodes = [{"id": "in", "type": "Input"}] + [{"id": n, "type": "Dense"} for n in "abcdefgh"]
    edges = [("in", "a"), ("a", "b"), ("b", "a"), ("b", "c"), ("c", "d"), ("in", "e"), ("e", "f"), ("f", "g")]
    edges += [("g", "e"), ("g", "h"), ("h", "f")]  # e → f → g → e and f → g → h → f: one group
    cycles = [e for e in validate_graph(graph(nodes, edges), (4,)).errors if e.code == "cycle"]
    assert [issue.node_id for issue in cycles] == ["a", "e"]
    assert '"a" → "b" → "a"' in cycles[0].message
    assert '"e" → "f" → "g" → "e"' in cycles[1].message


def test_a_long_cycle_is_listed_in_short() -> None:
    ids = [f"n{i}" for i in range(50)]
    nodes = [{"id": "in", "type": "Input"}] + [{"id": i, "type": "Dense"} for i in ids]
    edges = [("in", "n0"), *zip(ids, ids[1:], strict=False), ("n49", "n1")]
    [issue] = [e for e in validate_graph(graph(nodes, edges), (4,)).errors if e.code == "cycle"]
    assert issue.node_id == "n1"
    assert issue.message.startswith('The graph has a cycle: "n1" → "n2" →')
    assert '(39 more nodes) → "n1"' in issue.message and '"n30"' not in issue.message


def test_many_outputs_are_named_in_short() -> None:
    ids = [f"d{i}" for i in range(30)]
    nodes = [{"id": "in", "type": "Input"}] + [{"id": i, "type": "Dense"} for i in ids]
    issues = validate_graph(graph(nodes, [("in", i) for i in ids]), (4,)).errors
    assert [e.code for e in issues] == ["multiple_outputs"] * 30
    assert "The network has 30 outputs" in issues[0].message
    assert '"d9" and 20 more' in issues[0].message and '"d10"' not in issues[0].message


def test_the_params_schema_is_built_once_per_layer_type(monkeypatch: pytest.MonkeyPatch) -> None:
    from layerlab.layers.core import DenseParams

    validate_graph(chain(("in", "Input", {}), ("d", "Dense", {"units": 0})), (4,))  # warm up
    calls = 0
    original = DenseParams.model_json_schema.__func__  # type: ignore[attr-defined]

    def counting(cls: type[DenseParams], *args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        result: dict[str, Any] = original(cls, *args, **kwargs)
        return result

    monkeypatch.setattr(DenseParams, "model_json_schema", classmethod(counting))
    layers: list[tuple[str, str, dict[str, Any]]] = [("in", "Input", {})]
    layers += [(f"d{i}", "Dense", {"units": 0}) for i in range(40)]
    issues = validate_graph(chain(*layers), (4,)).errors
    assert [e.code for e in issues] == ["param_out_of_range"] * 40
    assert issues[0].hint == "Use a value from 1 to 65536."
    assert calls == 0
