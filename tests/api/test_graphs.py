"""POST /api/graphs/validate: 200 with every issue for any well-formed body; 4xx, never 5xx, for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlab.api.testing import TINY_GRAPH, ServerProcess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graphs"


def test_valid_graph_reports_shapes_and_params(http: httpx.Client) -> None:
    body = http.post("/api/graphs/validate", json={"graph": TINY_GRAPH, "dataset": "circle"}).json()
    assert body["valid"] is True and body["errors"] == []
    assert body["input_shape"] == [2]
    assert body["nodes"]["h"] == {"output_shape": [8], "params": 24}
    assert body["total_params"] == 24 + 18


def test_unknown_dataset_is_an_issue_on_the_dataset_field(http: httpx.Client) -> None:
    response = http.post("/api/graphs/validate", json={"graph": TINY_GRAPH, "dataset": "no_such_set"})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    issue = body["errors"][0]
    assert issue["code"] == "unknown_dataset" and issue["field"] == "dataset" and "circle" in issue["message"]


def test_cycle_and_unknown_layer_are_listed_at_once(http: httpx.Client) -> None:
    graph = {
        "nodes": [{"id": "in", "type": "Input"}, {"id": "a", "type": "Dense"}, {"id": "b", "type": "Bogus"}],
        "edges": [{"source": "in", "target": "a"}, {"source": "a", "target": "b"}, {"source": "b", "target": "a"}],
    }
    body = http.post("/api/graphs/validate", json={"graph": graph, "dataset": "circle"}).json()
    codes = {issue["code"] for issue in body["errors"]}
    assert body["valid"] is False and {"unknown_layer", "cycle"} <= codes


def test_output_size_mismatch_is_reported(http: httpx.Client) -> None:
    graph = json.loads(json.dumps(TINY_GRAPH))
    graph["nodes"][2]["params"]["units"] = 3
    body = http.post("/api/graphs/validate", json={"graph": graph, "dataset": "circle"}).json()
    assert [issue["code"] for issue in body["errors"]] == ["output_size_mismatch"]
    assert body["errors"][0]["node_id"] == "out"


def test_malformed_json_is_400_with_a_clear_message(http: httpx.Client) -> None:
    response = http.post(
        "/api/graphs/validate", content=b'{"graph": {"nodes": [}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_json" and body["errors"][0]["code"] == "malformed_json"
    assert "not valid JSON at character 21" in body["detail"]


def test_unknown_field_names_its_path_and_node(http: httpx.Client) -> None:
    graph = json.loads(json.dumps(TINY_GRAPH))
    graph["nodes"][1]["colour"] = "red"
    response = http.post("/api/graphs/validate", json={"graph": graph, "dataset": "circle"})
    assert response.status_code == 422
    issue = response.json()["errors"][0]
    assert issue == {
        "code": "unknown_field",
        "message": 'Unknown field "graph.nodes[1].colour".',
        "node_id": "h",
        "field": "graph.nodes[1].colour",
        "hint": "Remove it or check its spelling.",
    }


def test_missing_graph_is_422(http: httpx.Client) -> None:
    response = http.post("/api/graphs/validate", json={"dataset": "circle"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "graph"


def test_huge_numbers_are_issues_not_errors(http: httpx.Client) -> None:
    graph = json.loads(json.dumps(TINY_GRAPH))
    graph["nodes"][1]["params"]["units"] = 10**40
    response = http.post("/api/graphs/validate", json={"graph": graph, "dataset": "circle"})
    assert response.status_code in (200, 422)
    assert response.json()["errors"]


def test_deeply_nested_json_is_rejected_cleanly(http: httpx.Client) -> None:
    depth = 50_000
    body = (
        b'{"graph": {"nodes": [{"id": "x", "type": "Dense", "params": {"a": ' + b"[" * depth + b"]" * depth + b"}}]}}"
    )
    response = http.post("/api/graphs/validate", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_too_many_nodes_is_an_issue(http: httpx.Client) -> None:
    nodes = [{"id": "in", "type": "Input"}] + [
        {"id": f"d{i}", "type": "Dense", "params": {"units": 2}} for i in range(80)
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    body = http.post("/api/graphs/validate", json={"graph": {"nodes": nodes, "edges": edges}, "dataset": "circle"})
    assert body.status_code == 200 and body.json()["valid"] is False


def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    big = b'{"graph": {"nodes": [], "edges": []}, "pad": "' + b"x" * 300_000 + b'"}'
    response = http.post("/api/graphs/validate", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_streamed_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Any:
        yield b'{"graph": {"nodes": [], "edges": []}, "pad": "'
        for _ in range(40):
            yield b"x" * 10_000
        yield b'"}'

    response = http.post("/api/graphs/validate", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["Input", "Dense", "Conv2D", "Concat", "Add", "Flatten", "LSTM", "in", "out", "relu", "circle"]),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
NODE = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["in", "a", "b", "out", ""]),
        "type": st.sampled_from(["Input", "Dense", "Conv2D", "Concat", "Add", "Nope", "Flatten", "Softmax"]),
    },
    optional={
        "params": st.dictionaries(
            st.sampled_from(["units", "activation", "filters", "kernel_size", "rate", "x"]), JSON_LEAF, max_size=3
        )
    },
)
EDGE = st.fixed_dictionaries(
    {"source": st.sampled_from(["in", "a", "b", "out", "zz"]), "target": st.sampled_from(["in", "a", "b", "out", "zz"])}
)
GRAPHISH = st.one_of(
    JSON_VALUE,
    st.fixed_dictionaries({"nodes": st.lists(NODE, max_size=6), "edges": st.lists(EDGE, max_size=8)}),
)
BODY = st.one_of(
    JSON_VALUE,
    st.fixed_dictionaries(
        {"graph": GRAPHISH, "dataset": st.one_of(st.sampled_from(["circle", "mnist", "nope", ""]), JSON_VALUE)},
        optional={
            "training": st.one_of(
                JSON_VALUE,
                st.fixed_dictionaries(
                    {}, optional={"epochs": JSON_LEAF, "batch_size": JSON_LEAF, "learning_rate": JSON_LEAF}
                ),
            )
        },
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(body=BODY)
def test_random_bodies_never_get_a_5xx(server: ServerProcess, body: Any) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30, headers={"X-Client-Id": "hypothesis"}) as client:
        for path in ("/api/graphs/validate", "/api/runs"):
            response = client.post(path, json=body)
            assert response.status_code < 500, (path, body, response.text)
            assert "detail" in response.json() or response.status_code in (200, 201)


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b"42", b'"x"', b"{", b"\xff\xfe", b'{"graph": NaN}'])
def test_odd_bodies_are_4xx(http: httpx.Client, raw: bytes) -> None:
    for path in ("/api/graphs/validate", "/api/runs"):
        response = http.post(path, content=raw, headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, (path, raw, response.text)
        assert response.json()["detail"]


# --- the cost estimate and the memory limit --------------------------------------------------

#: Self-attention over 1,024 steps with dropout on a 2-D set: 3 × 8 heads × 1024² ≈ 25 M values per
#: sample kept for backward, about 40 GB for a batch of 430 (the API test server allows 512).
ATTENTION_GRAPH: dict[str, Any] = json.loads((FIXTURES / "attention_long.json").read_text())


def test_validate_estimates_the_cost_for_the_training_settings(http: httpx.Client) -> None:
    def cost(**training: Any) -> dict[str, Any]:
        body = {"graph": TINY_GRAPH, "dataset": "circle", "training": training}
        response = http.post("/api/graphs/validate", json=body)
        assert response.status_code == 200 and response.json()["valid"] is True
        estimate: dict[str, Any] = response.json()["cost"]
        return estimate

    small, big = cost(batch_size=16), cost(batch_size=64, optimizer="sgd", momentum=0.0)
    assert small["batch_size"] == 16 and big["batch_size"] == 64
    assert big["activations_bytes"] == 4 * small["activations_bytes"]
    assert big["flops_per_step"] == 4 * small["flops_per_step"]
    assert (
        small["parameters_bytes"] == 4 * 42 and small["optimizer_bytes"] == 2 * 4 * 42 and big["optimizer_bytes"] == 0
    )
    assert small["data_bytes"] > 0  # circle's 500 points
    assert small["complete"] is True and set(small["nodes"]) == {"in", "h", "out"}
    assert small["nodes"]["h"]["params"] == 24
    # without training settings: TrainConfig's defaults (batch 32, adam)
    default = http.post("/api/graphs/validate", json={"graph": TINY_GRAPH, "dataset": "circle"}).json()["cost"]
    assert default["batch_size"] == 32 and default["optimizer"] == "adam"


def test_validate_reports_too_much_memory_on_the_costliest_node(http: httpx.Client) -> None:
    body = {"graph": ATTENTION_GRAPH, "dataset": "circle", "training": {"batch_size": 430}}
    response = http.post("/api/graphs/validate", json=body).json()
    assert response["valid"] is False
    [issue] = [e for e in response["errors"] if e["code"] == "too_much_memory"]
    assert (issue["node_id"], issue["field"]) == ("attn", "num_heads")
    assert "about 40 GB" in issue["message"] and "limit of 8.0 GB" in issue["message"]
    assert "smaller batch size (now 430)" in issue["hint"]
    assert response["cost"]["total_bytes"] > 40 * 2**30
    small = http.post("/api/graphs/validate", json={**body, "training": {"batch_size": 8}}).json()
    assert small["valid"] is True and small["cost"]["total_bytes"] < 8 * 2**30


def test_validate_rejects_bad_training_settings_with_422(http: httpx.Client) -> None:
    response = http.post("/api/graphs/validate", json={"graph": TINY_GRAPH, "training": {"batch_size": 0}})
    assert response.status_code == 422
    assert any(e["field"] == "training.batch_size" for e in response.json()["errors"])
