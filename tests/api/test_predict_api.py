"""Asking a trained run over HTTP: predict, the gallery, the live probe, on the real server (and after a restart)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from layerlab.api.testing import TINY_GRAPH, ServerProcess, run_body, wait_for_status

WaitFor = Callable[..., dict[str, Any]]

LONG: dict[str, Any] = {"epochs": 3000, "n": 2000}
DIGITS_MLP: dict[str, Any] = {
    "nodes": [
        {"id": "in", "type": "Input"},
        {"id": "flat", "type": "Flatten"},
        {"id": "h", "type": "Dense", "params": {"units": 12, "activation": "relu"}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ],
    "edges": [
        {"source": "in", "target": "flat"},
        {"source": "flat", "target": "h"},
        {"source": "h", "target": "out"},
    ],
}


def _digits_body(epochs: int = 2) -> dict[str, Any]:
    return {"graph": DIGITS_MLP, "dataset": "digits", "training": {"epochs": epochs, "batch_size": 64, "seed": 1}}


def _issue(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["errors"], body
    issue: dict[str, Any] = body["errors"][0]
    return issue


def test_predict_after_a_completed_spiral_run(http: httpx.Client, wait_for: WaitFor) -> None:
    run_id = http.post("/api/runs", json=run_body(dataset="spiral", epochs=3, seed=2)).json()["id"]
    wait_for(run_id, {"completed"})
    answer = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0.5, -1.0], [2.0, 2.0]], "saliency": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["predictions"]) == 2 and all(p in (0, 1) for p in body["predictions"])
    assert all(abs(sum(row) - 1) < 1e-4 for row in body["probabilities"])
    assert [row.index(max(row)) for row in body["probabilities"]] == body["predictions"]
    assert len(body["labels"]) == 2 and len(body["outputs"][0]) == 2
    assert set(body["activations"][0]) == {"in", "h", "out"}
    hidden = body["activations"][1]["h"]
    assert len(hidden["values"]) == 8 and hidden["min"] <= hidden["mean"] <= hidden["max"]
    assert body["epoch"] == 3 and body["input_shape"] == [2]
    saliency = body["saliency"]
    assert len(saliency) == 2 and saliency[0]["shape"] == [2] and max(base64.b64decode(saliency[0]["data"])) == 255


def test_wrong_shapes_too_many_inputs_and_a_bad_target_are_422_naming_the_field(
    http: httpx.Client, wait_for: WaitFor
) -> None:
    run_id = http.post("/api/runs", json=run_body(dataset="spiral")).json()["id"]
    wait_for(run_id, {"completed"})
    wrong = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[1.0, 2.0, 3.0]]})
    assert wrong.status_code == 422
    issue = _issue(wrong)
    assert issue["field"] == "inputs[0]" and "(3,)" in issue["message"] and "(2,)" in issue["message"]
    second = _issue(http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[1.0, 2.0], "x"]}))
    assert second["field"] == "inputs[1]"
    many = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0.0, 0.0]] * 65})
    assert many.status_code == 422 and _issue(many)["field"] == "inputs" and "64" in many.json()["detail"]
    target = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0.0, 0.0]], "saliency": True, "target": 2})
    assert target.status_code == 422 and _issue(target)["field"] == "target"
    assert http.post(f"/api/runs/{run_id}/predict", json={"inputs": []}).status_code == 422


def test_predict_on_a_queued_run_or_one_that_failed_before_training_is_409_no_weights(
    http: httpx.Client, wait_for: WaitFor
) -> None:
    blockers = [
        http.post("/api/runs", json=run_body(**LONG), headers={"X-Client-Id": f"predict-blocker-{i}"}).json()["id"]
        for i in range(2)
    ]
    try:
        queued = http.post("/api/runs", json=run_body()).json()["id"]
        assert http.get(f"/api/runs/{queued}").json()["status"] == "queued"
        answer = http.post(f"/api/runs/{queued}/predict", json={"inputs": [[0.0, 0.0]]})
        assert answer.status_code == 409 and answer.json()["code"] == "no_weights"
        assert "queued" in answer.json()["detail"]
        assert http.get(f"/api/runs/{queued}/predictions").status_code == 409
        assert http.post(f"/api/runs/{queued}/probe", json={"index": 0}).status_code == 409
        http.post(f"/api/runs/{queued}/stop")
    finally:
        for run_id in blockers:
            http.post(f"/api/runs/{run_id}/stop")
        for run_id in blockers:
            wait_for(run_id, {"stopped"})

    graph = {
        "nodes": [
            {"id": "in", "type": "Input"},
            {"id": "h", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 1}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    }
    body = run_body(graph=graph, dataset="plane", epochs=1, optimizer="sgd", learning_rate=10, seed=0)
    failed = http.post("/api/runs", json=body).json()["id"]
    assert wait_for(failed, {"failed", "completed"})["status"] == "failed"  # NaN loss in its first epoch
    answer = http.post(f"/api/runs/{failed}/predict", json={"inputs": [[0.0, 0.0]]})
    assert answer.status_code == 409 and answer.json()["code"] == "no_weights"
    assert "failed" in answer.json()["detail"] and "diverged" in answer.json()["detail"]


def test_unknown_runs_are_404(http: httpx.Client) -> None:
    assert http.post("/api/runs/nope/predict", json={"inputs": [[0, 0]]}).status_code == 404
    assert http.get("/api/runs/nope/predictions").status_code == 404
    assert http.post("/api/runs/nope/probe", json={"index": 0}).status_code == 404


def test_the_gallery_of_a_digits_run_lists_misclassified_first_and_one_confusion_cell(
    http: httpx.Client, wait_for: WaitFor
) -> None:
    run_id = http.post("/api/runs", json=_digits_body()).json()["id"]
    wait_for(run_id, {"completed"})
    events = http.get(f"/api/runs/{run_id}/events").json()
    matrix = next(e for e in events if e["type"] == "confusion_matrix" and e["split"] == "test")["matrix"]
    page = http.get(f"/api/runs/{run_id}/predictions", params={"limit": 500}).json()
    assert page["total"] == sum(map(sum, matrix)) and page["split"] == "test"
    assert page["misclassified"] == page["total"] - sum(matrix[i][i] for i in range(10)) > 0
    wrong = [item["label"] != item["predicted"] for item in page["items"]]
    assert wrong == sorted(wrong, reverse=True)
    first = page["items"][0]
    assert first["input"]["shape"] == [1, 8, 8] and len(base64.b64decode(first["input"]["data"])) == 64
    confidences = [item["confidence"] for item in page["items"][: page["misclassified"]]]
    assert confidences == sorted(confidences)

    t, p = next((t, p) for t in range(10) for p in range(10) if t != p and matrix[t][p] > 0)
    cell = http.get(f"/api/runs/{run_id}/predictions", params={"true": t, "predicted": p}).json()
    assert cell["total"] == matrix[t][p] and all(i["label"] == t and i["predicted"] == p for i in cell["items"])
    paged = http.get(f"/api/runs/{run_id}/predictions", params={"limit": 5, "offset": 5}).json()
    assert [i["index"] for i in paged["items"]] == [i["index"] for i in page["items"][5:10]]
    assert http.get(f"/api/runs/{run_id}/predictions", params={"true": 10}).status_code == 422

    # a drawn digit: 8×8 or 64 values, pixels in [0, 1] like the data set's
    drawn = [[1.0 if 2 <= c <= 5 and r in (1, 6) or c in (2, 5) else 0.0 for c in range(8)] for r in range(8)]
    flat = [v for row in drawn for v in row]
    answer = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [drawn, flat]}).json()
    assert answer["predictions"][0] == answer["predictions"][1] and len(answer["probabilities"][0]) == 10
    assert answer["activations"][0]["flat"]["values"] == answer["activations"][1]["flat"]["values"]


def test_the_gallery_is_for_classification_runs_only(http: httpx.Client, wait_for: WaitFor) -> None:
    graph = {**TINY_GRAPH, "nodes": [*TINY_GRAPH["nodes"][:2], {"id": "out", "type": "Dense", "params": {"units": 1}}]}
    run_id = http.post("/api/runs", json=run_body(graph=graph, dataset="plane")).json()["id"]
    wait_for(run_id, {"completed"})
    answer = http.get(f"/api/runs/{run_id}/predictions")
    assert answer.status_code == 422 and "classification" in answer.json()["detail"]
    assert isinstance(
        http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[1, 1]]}).json()["predictions"][0], float
    )


def test_the_probe_sample_changes_while_running_and_is_checked_against_the_validation_split(
    http: httpx.Client, wait_for: WaitFor
) -> None:
    run_id = http.post("/api/runs", json=run_body(**LONG)).json()["id"]  # circle, n 2000: 300 validation points
    try:
        wait_for(run_id, {"running"})
        accepted = http.post(f"/api/runs/{run_id}/probe", json={"index": 299})
        assert accepted.status_code == 202 and accepted.json() == {"id": run_id, "status": "running", "index": 299}
        beyond = http.post(f"/api/runs/{run_id}/probe", json={"index": 300})
        assert (
            beyond.status_code == 422 and _issue(beyond)["field"] == "index" and "0 to 299" in beyond.json()["detail"]
        )
        assert http.post(f"/api/runs/{run_id}/probe", json={"index": -1}).status_code == 422
    finally:
        http.post(f"/api/runs/{run_id}/stop")
    wait_for(run_id, {"stopped"})
    assert http.post(f"/api/runs/{run_id}/probe", json={"index": 1}).status_code == 409


def test_a_later_activations_event_follows_the_new_probe_sample(http: httpx.Client, wait_for: WaitFor) -> None:
    run_id = http.post("/api/runs", json=run_body(**LONG)).json()["id"]
    try:
        wait_for(run_id, {"running"})
        deadline = time.monotonic() + 60
        events: list[dict[str, Any]] = []
        while not any(e["type"] == "activations" for e in events) and time.monotonic() < deadline:
            events = http.get(f"/api/runs/{run_id}/events").json()
            time.sleep(0.1)
        assert {e["probe"]["index"] for e in events if e["type"] == "activations"} == {0}
        after = http.get(f"/api/runs/{run_id}").json()["last_seq"]
        assert http.post(f"/api/runs/{run_id}/probe", json={"index": 123}).status_code == 202
        probes: list[int] = []
        while 123 not in probes and time.monotonic() < deadline:
            later = http.get(f"/api/runs/{run_id}/events", params={"after": after}).json()
            probes = [e["probe"]["index"] for e in later if e["type"] == "activations"]
            time.sleep(0.1)
        assert 123 in probes and probes[probes.index(123) :] == [123] * len(probes[probes.index(123) :])
    finally:
        http.post(f"/api/runs/{run_id}/stop")
    wait_for(run_id, {"stopped"})


def test_deleting_a_run_deletes_its_weights(server: ServerProcess, http: httpx.Client, wait_for: WaitFor) -> None:
    run_id = http.post("/api/runs", json=run_body()).json()["id"]
    wait_for(run_id, {"completed"})
    folder = server.home / "runs" / run_id
    assert (folder / "weights.safetensors").is_file()
    assert http.delete(f"/api/runs/{run_id}").status_code == 204
    assert not folder.exists()
    assert http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0, 0]]}).status_code == 404


def test_predict_works_after_a_server_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "data").mkdir()
    env = {"LAYERLAB_MAX_CONCURRENT_RUNS": "1", "LAYERLAB_DATA_DIR": str(tmp_path / "data")}
    digit = (
        [[0.0] * 8 for _ in range(3)] + [[0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]] * 2 + [[0.0] * 8 for _ in range(3)]
    )
    with ServerProcess(home, env=env) as first, httpx.Client(base_url=first.base_url, timeout=30) as http:
        run_id = http.post("/api/runs", json=_digits_body(epochs=1)).json()["id"]
        wait_for_status(http, run_id, {"completed"})
        before = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [digit]}).json()
        gallery = http.get(f"/api/runs/{run_id}/predictions", params={"limit": 10}).json()
    with ServerProcess(home, env=env) as second, httpx.Client(base_url=second.base_url, timeout=30) as http:
        after = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [digit]})
        assert after.status_code == 200, after.text
        assert after.json()["probabilities"] == before["probabilities"]
        assert after.json()["activations"] == before["activations"]
        assert http.get(f"/api/runs/{run_id}/predictions", params={"limit": 10}).json() == gallery


def test_a_run_whose_weights_cannot_be_saved_still_completes_and_predict_says_why(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "runs").write_text("not a folder")  # every save fails: the runs folder cannot be made
    (tmp_path / "data").mkdir()
    env = {"LAYERLAB_MAX_CONCURRENT_RUNS": "1", "LAYERLAB_DATA_DIR": str(tmp_path / "data")}
    with ServerProcess(home, env=env) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        run_id = http.post("/api/runs", json=run_body(epochs=2)).json()["id"]
        assert wait_for_status(http, run_id, {"completed", "failed"})["status"] == "completed"
        answer = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0.0, 0.0]]})
        assert answer.status_code == 409 and answer.json()["code"] == "no_weights"
        assert "not saved" in answer.json()["detail"]
        assert "saving the weights" in server.log_text()
