"""Shape inference over whole graphs: the reference networks, sequences, and no cascades after an error."""

from __future__ import annotations

from typing import Any

from layerlab.graph import GraphSpec, validate_graph
from layerlab.graph.shapes import ShapeNode, infer_shapes
from layerlab.layers import format_shape, get_spec


def chain(*layers: tuple[str, dict[str, Any]]) -> GraphSpec:
    nodes = [{"id": "in", "type": "Input"}] + [
        {"id": f"n{i}", "type": t, "params": p} for i, (t, p) in enumerate(layers)
    ]
    ids = [n["id"] for n in nodes]
    return GraphSpec.model_validate(
        {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]}
    )


def test_format_shape_shows_the_batch() -> None:
    assert format_shape((64, 7, 7)) == "(batch, 64, 7, 7)"
    assert format_shape((10,), batch=False) == "(10,)"
    assert format_shape(None) == "(unknown)"


def test_cifar_cnn_shapes_and_params_match_keras() -> None:
    spec = chain(
        ("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}),
        ("MaxPool2D", {}),
        ("Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"}),
        ("MaxPool2D", {}),
        ("Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"}),
        ("Flatten", {}),
        ("Dense", {"units": 64, "activation": "relu"}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    )
    report = validate_graph(spec, (3, 32, 32))
    shapes = [report.nodes[f"n{i}"].output_shape for i in range(8)]
    assert shapes == [[32, 30, 30], [32, 15, 15], [64, 13, 13], [64, 6, 6], [64, 4, 4], [1024], [64], [10]]
    assert [report.nodes[f"n{i}"].params for i in range(8)] == [896, 0, 18496, 0, 36928, 0, 65600, 650]


def test_image_rows_as_a_sequence_into_an_lstm() -> None:
    spec = chain(("Reshape", {"shape": [28, 28]}), ("LSTM", {"units": 16}), ("Dense", {"units": 10}))
    report = validate_graph(spec, (1, 28, 28))
    assert report.valid
    assert report.nodes["n0"].output_shape == [28, 28]
    assert report.nodes["n1"].output_shape == [16]
    assert report.nodes["n1"].params == 4 * (28 * 16 + 16 * 16 + 2 * 16)


def test_lstm_on_vectors_asks_for_a_reshape() -> None:
    report = validate_graph(
        chain(
            ("LSTM", {}),
        ),
        (10,),
    )
    [issue] = report.errors
    assert issue.code == "shape_mismatch"
    assert issue.message.startswith(
        'Node "n0" (LSTM) expects input (batch, time, features) but "in" produces (batch, 10).'
    )
    assert issue.hint is not None and "Reshape" in issue.hint


def test_character_model_shapes() -> None:
    spec = chain(
        ("Embedding", {"vocab_size": 60, "embedding_dim": 16}),
        ("PositionalEncoding", {}),
        ("TransformerEncoderLayer", {"num_heads": 4, "causal": True}),
        ("Dense", {"units": 60}),
    )
    report = validate_graph(spec, (32,))
    assert report.valid
    assert report.nodes["n3"].output_shape == [32, 60]


def test_one_error_does_not_cascade() -> None:
    spec = chain(("Dense", {"units": 8}), ("Conv2D", {}), ("Dense", {}), ("Dense", {"units": -1}), ("Dense", {}))
    report = validate_graph(spec, (4,))
    assert [(e.code, e.node_id) for e in report.errors] == [("param_out_of_range", "n3"), ("shape_mismatch", "n1")]
    assert report.nodes["n0"].output_shape == [8]
    assert all(report.nodes[f"n{i}"].output_shape is None for i in range(1, 5))


def test_infer_shapes_skips_unknown_nodes_and_unknown_inputs() -> None:
    dense = get_spec("Dense")
    input_spec = get_spec("Input")
    assert dense is not None and input_spec is not None
    nodes = {
        "in": ShapeNode("in", input_spec, input_spec.parse_params({}), ()),
        "b": ShapeNode("b", dense, dense.parse_params({"units": 3}), ("a",)),
    }
    result = infer_shapes(["in", "a", "b"], nodes, (5,))
    assert result.shapes == {"in": (5,), "a": None, "b": None}
    assert result.issues == []
    assert infer_shapes(["in"], nodes, None).shapes == {"in": None}
