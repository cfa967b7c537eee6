"""Runs over HTTP: create, list, detail, limits, controls, delete, events, failures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from layerlab.api.testing import TINY_GRAPH, run_body

WaitFor = Callable[..., dict[str, Any]]

LONG: dict[str, Any] = {"epochs": 3000, "n": 2000}


def test_run_completes_and_shows_in_list_and_detail(http: httpx.Client, wait_for: WaitFor) -> None:
    created = http.post("/api/runs", json={**run_body(epochs=2), "name": "first"})
    assert created.status_code == 201 and created.json()["status"] == "queued"
    run_id = created.json()["id"]
    assert len(run_id) == 12 and int(run_id, 16) >= 0
    detail = wait_for(run_id, {"completed"})
    assert detail["name"] == "first" and detail["dataset"] == "circle" and detail["epochs"] == 2
    assert detail["latest"]["epoch"] == 2 and "accuracy" in detail["latest"]["val"]
    assert "accuracy" in detail["final"] and detail["error"] is None
    assert detail["request"]["training"]["epochs"] == 2 and detail["last_seq"] > 3
    assert detail["started_at"] >= detail["created_at"] and detail["finished_at"] >= detail["started_at"]
    listed = {run["id"]: run for run in http.get("/api/runs").json()}
    assert listed[run_id]["status"] == "completed" and "request" not in listed[run_id]


def test_events_endpoint_pages_with_after_and_limit(http: httpx.Client, wait_for: WaitFor) -> None:
    run_id = http.post("/api/runs", json=run_body(epochs=2)).json()["id"]
    detail = wait_for(run_id, {"completed"})
    events = http.get(f"/api/runs/{run_id}/events").json()
    assert [e["seq"] for e in events] == list(range(1, detail["last_seq"] + 1))
    assert events[0] == {**events[0], "type": "status", "status": "queued", "position": 1}
    assert events[-1]["type"] == "status" and events[-1]["status"] == "completed"
    page = http.get(f"/api/runs/{run_id}/events", params={"after": 2, "limit": 3}).json()
    assert [e["seq"] for e in page] == [3, 4, 5]
    assert http.get(f"/api/runs/{run_id}/events", params={"after": 10_000}).json() == []


def test_invalid_graph_is_422_with_the_validate_error_list(http: httpx.Client) -> None:
    graph = json.loads(json.dumps(TINY_GRAPH))
    graph["edges"].append({"source": "out", "target": "h"})
    response = http.post("/api/runs", json=run_body(graph=graph))
    assert response.status_code == 422
    body = response.json()
    validate = http.post("/api/graphs/validate", json={"graph": graph, "dataset": "circle"}).json()
    assert body["errors"] == validate["errors"]
    assert body["detail"].startswith(body["errors"][0]["message"])
    assert any(issue["code"] == "cycle" for issue in body["errors"])


def test_limits_name_the_training_fields(http: httpx.Client) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"epochs": 6000}, "training.epochs"),
        ({"batch_size": 100_000}, "training.batch_size"),
    ]
    for training, field in cases:
        response = http.post("/api/runs", json=run_body(**training))
        assert response.status_code == 422
        issues = response.json()["errors"]
        assert [(issue["field"], issue["code"]) for issue in issues] == [(field, "limit_exceeded")]


def test_pydantic_errors_name_the_field_path(http: httpx.Client) -> None:
    body = run_body()
    body["training"]["batch_size"] = 0
    body["training"]["learning_rat"] = 0.1
    response = http.post("/api/runs", json=body)
    assert response.status_code == 422
    fields = {issue["field"]: issue["code"] for issue in response.json()["errors"]}
    assert fields == {"training.batch_size": "invalid_value", "training.learning_rat": "unknown_field"}


def test_unknown_dataset_is_422_on_the_dataset_field(http: httpx.Client) -> None:
    response = http.post("/api/runs", json=run_body(dataset="nope"))
    assert response.status_code == 422
    issue = response.json()["errors"][0]
    assert issue["code"] == "unknown_dataset" and issue["field"] == "dataset"


def test_unavailable_dataset_is_422(http: httpx.Client) -> None:
    body = run_body()
    body["dataset"] = "mnist"  # no files and downloads are off on the test server
    body["graph"] = {
        "nodes": [
            {"id": "in", "type": "Input"},
            {"id": "f", "type": "Flatten"},
            {"id": "out", "type": "Dense", "params": {"units": 10}},
        ],
        "edges": [{"source": "in", "target": "f"}, {"source": "f", "target": "out"}],
    }
    response = http.post("/api/runs", json=body)
    assert response.status_code == 422
    issue = response.json()["errors"][0]
    assert issue["code"] == "dataset_unavailable" and issue["field"] == "dataset"


def test_too_many_active_runs_per_client_is_429(http: httpx.Client, wait_for: WaitFor) -> None:
    ids = [http.post("/api/runs", json=run_body(**LONG)).json()["id"] for _ in range(3)]
    response = http.post("/api/runs", json=run_body())
    assert response.status_code == 429 and "3 active runs" in response.json()["detail"]
    other = http.post("/api/runs", json=run_body(), headers={"X-Client-Id": "someone-else"})
    assert other.status_code == 201
    for run_id in ids:
        assert http.post(f"/api/runs/{run_id}/stop").status_code == 200
    for run_id in ids:
        wait_for(run_id, {"stopped"})
    wait_for(other.json()["id"], {"completed"})


def test_pause_step_learning_rate_resume_stop(http: httpx.Client, wait_for: WaitFor) -> None:
    run_id = http.post("/api/runs", json=run_body(**LONG)).json()["id"]
    wait_for(run_id, {"running"})
    assert http.post(f"/api/runs/{run_id}/resume").status_code == 409
    assert http.post(f"/api/runs/{run_id}/pause").json() == {"id": run_id, "status": "running"}
    wait_for(run_id, {"paused"})
    assert http.post(f"/api/runs/{run_id}/pause").status_code == 409
    seq_before = http.get(f"/api/runs/{run_id}").json()["last_seq"]
    assert http.post(f"/api/runs/{run_id}/learning_rate", json={"learning_rate": 0.05}).status_code == 200
    assert http.post(f"/api/runs/{run_id}/learning_rate", json={"learning_rate": -1}).status_code == 422
    assert http.post(f"/api/runs/{run_id}/step").json()["status"] == "paused"
    time.sleep(0.5)
    assert http.get(f"/api/runs/{run_id}").json()["status"] == "paused"
    events = http.get(f"/api/runs/{run_id}/events", params={"after": seq_before}).json()
    assert all(e["type"] != "epoch" for e in events)
    assert http.post(f"/api/runs/{run_id}/resume").json()["status"] == "paused"
    wait_for(run_id, {"running"})
    assert http.post(f"/api/runs/{run_id}/stop").status_code == 200
    detail = wait_for(run_id, {"stopped"})
    assert http.post(f"/api/runs/{run_id}/stop").status_code == 409
    lrs = [e["learning_rate"] for e in http.get(f"/api/runs/{run_id}/events").json() if e["type"] == "step"]
    assert 0.05 in lrs, lrs
    assert detail["finished_at"] is not None


def test_stop_of_a_queued_run_is_immediate(http: httpx.Client, wait_for: WaitFor) -> None:
    blockers = [
        http.post("/api/runs", json=run_body(**LONG), headers={"X-Client-Id": f"blocker-{i}"}).json()["id"]
        for i in range(2)
    ]
    queued = http.post("/api/runs", json=run_body()).json()["id"]
    detail = http.get(f"/api/runs/{queued}").json()
    assert detail["status"] == "queued" and detail["position"] == 1
    assert http.post(f"/api/runs/{queued}/pause").status_code == 409
    assert http.post(f"/api/runs/{queued}/stop").json() == {"id": queued, "status": "stopped"}
    assert http.get(f"/api/runs/{queued}").json()["status"] == "stopped"
    for run_id in blockers:
        http.post(f"/api/runs/{run_id}/stop")
    for run_id in blockers:
        wait_for(run_id, {"stopped"})
    statuses = [e["status"] for e in http.get(f"/api/runs/{queued}/events").json()]
    assert statuses == ["queued", "stopped"]


def test_queue_positions_move_up(http: httpx.Client, wait_for: WaitFor) -> None:
    blockers = [
        http.post("/api/runs", json=run_body(**LONG), headers={"X-Client-Id": f"pos-{i}"}).json()["id"]
        for i in range(2)
    ]
    first = http.post("/api/runs", json=run_body()).json()["id"]
    second = http.post("/api/runs", json=run_body()).json()["id"]
    assert http.get(f"/api/runs/{second}").json()["position"] == 2
    http.post(f"/api/runs/{blockers[0]}/stop")
    wait_for(first, {"running", "completed"})
    events = http.get(f"/api/runs/{second}/events").json()
    positions = [e["position"] for e in events if e["type"] == "status" and e["status"] == "queued"]
    assert positions[:2] == [2, 1]
    http.post(f"/api/runs/{blockers[1]}/stop")
    wait_for(second, {"completed"})


def test_non_finite_loss_fails_the_run_with_its_code(http: httpx.Client, wait_for: WaitFor) -> None:
    graph = {
        "nodes": [
            {"id": "in", "type": "Input"},
            {"id": "h", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 1}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    }
    body = run_body(graph=graph, dataset="plane", epochs=3, optimizer="sgd", learning_rate=10)
    run_id = http.post("/api/runs", json=body).json()["id"]
    detail = wait_for(run_id, {"failed", "completed"})
    assert detail["status"] == "failed" and detail["error"]["code"] == "non_finite_loss"
    assert detail["error"]["hint"]


def test_delete_only_finished_runs(http: httpx.Client, wait_for: WaitFor) -> None:
    running = http.post("/api/runs", json=run_body(**LONG)).json()["id"]
    assert http.delete(f"/api/runs/{running}").status_code == 409
    http.post(f"/api/runs/{running}/stop")
    wait_for(running, {"stopped"})
    assert http.delete(f"/api/runs/{running}").status_code == 204
    assert http.get(f"/api/runs/{running}").status_code == 404
    assert http.get(f"/api/runs/{running}/events").status_code == 404
    assert http.delete(f"/api/runs/{running}").status_code == 404


def test_unknown_run_is_404_everywhere(http: httpx.Client) -> None:
    for method, path in [
        ("GET", "/api/runs/nope"),
        ("GET", "/api/runs/nope/events"),
        ("POST", "/api/runs/nope/pause"),
        ("POST", "/api/runs/nope/resume"),
        ("POST", "/api/runs/nope/stop"),
        ("POST", "/api/runs/nope/step"),
        ("DELETE", "/api/runs/nope"),
    ]:
        response = http.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": 'No run "nope".', "code": "not_found", "errors": []}
    response = http.post("/api/runs/nope/learning_rate", json={"learning_rate": 0.1})
    assert response.status_code == 404


def test_bad_query_parameters_are_422(http: httpx.Client) -> None:
    response = http.get("/api/runs/nope/events", params={"after": "x"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "after"
    assert http.get("/api/runs", params={"limit": 0}).status_code == 422


def test_a_run_that_would_need_40_gb_is_422_naming_the_node(http: httpx.Client) -> None:
    # self-attention over 1,024 steps: ≈ 25 M values per sample kept for backward, ×430 ≈ 40 GB
    graph = json.loads(
        (Path(__file__).resolve().parents[1] / "fixtures" / "graphs" / "attention_long.json").read_text()
    )
    response = http.post("/api/runs", json=run_body(graph=graph, batch_size=430))
    assert response.status_code == 422
    [issue] = [e for e in response.json()["errors"] if e["code"] == "too_much_memory"]
    assert (issue["node_id"], issue["field"]) == ("attn", "num_heads")
    assert "about 40 GB" in issue["message"] and "limit of 8.0 GB" in issue["message"]
    assert issue["hint"] and "batch size" in issue["hint"]


def test_run_list_is_paged_newest_first_without_requests(http: httpx.Client, wait_for: WaitFor) -> None:
    ids = [http.post("/api/runs", json=run_body(epochs=1)).json()["id"] for _ in range(2)]
    first = http.get("/api/runs", params={"limit": 1})
    total = int(first.headers["x-total-count"])
    assert total >= 2 and [run["id"] for run in first.json()] == [ids[1]] and "request" not in first.json()[0]
    assert first.headers["link"] == '</api/runs?limit=1&offset=1>; rel="next"'
    assert [run["id"] for run in http.get("/api/runs", params={"limit": 1, "offset": 1}).json()] == [ids[0]]
    end = http.get("/api/runs", params={"offset": total})
    assert end.json() == [] and "link" not in end.headers
    assert http.get("/api/runs", params={"limit": 1001}).status_code == 422
    for run_id in ids:
        wait_for(run_id, {"completed"})


def _char_model(vocab: int, *, units: int | None = None) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": "in", "type": "Input"},
        {"id": "emb", "type": "Embedding", "params": {"vocab_size": vocab, "embedding_dim": 8}},
        {"id": "rnn", "type": "GRU", "params": {"units": 8, "return_sequences": True}},
        {"id": "out", "type": "Dense", "params": {"units": units or vocab}},
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"version": 1, "nodes": nodes, "edges": edges}


def test_sequence_and_text_mistakes_are_422_naming_node_and_field(http: httpx.Client) -> None:
    names = next(s for s in http.get("/api/datasets").json() if s["name"] == "names")
    vocab = len(names["vocabulary"])
    cases: list[tuple[dict[str, Any], str, str, str | None]] = [
        ({"graph": _char_model(vocab), "dataset": "iris", "recipe": "language_model"}, "recipe_task_mismatch", "recipe", None),
        ({"graph": _char_model(vocab - 10, units=vocab), "dataset": "names"}, "vocabulary_too_small", "vocab_size", "emb"),
        ({"graph": _char_model(vocab), "dataset": "names", "training": {"sequence_length": 100_000}}, "limit_exceeded", "training.sequence_length", None),
        ({"graph": _char_model(vocab), "dataset": "names", "training": {"sampling": {"prompt": "Ωmega"}}}, "prompt_out_of_vocabulary", "training.sampling.prompt", None),
        ({"graph": _char_model(vocab), "dataset": {"name": "sine", "params": {"n": 100, "horizon": 90}}}, "invalid_dataset_param", "horizon", None),
    ]  # fmt: skip
    for body, code, field, node in cases:
        response = http.post("/api/runs", json={"training": {"epochs": 1, **body.pop("training", {})}, **body})
        assert response.status_code == 422, (code, response.text)
        issue = response.json()["errors"][0]
        assert (issue["code"], issue["field"], issue.get("node_id")) == (code, field, node), response.text
        assert issue["hint"], issue
