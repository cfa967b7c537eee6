"""The inside of the network over HTTP: a run's activations, weights and gradients events as JSON."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx

from layerlab.api.testing import run_body
from layerlab.training.events import parse_event

WaitFor = Callable[..., dict[str, Any]]

HIDDEN: dict[str, Any] = {
    "nodes": [
        {"id": "in", "type": "Input"},
        {"id": "h", "type": "Dense", "params": {"units": 6, "activation": "relu"}},
        {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
    ],
    "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
}


def test_a_runs_events_hold_its_telemetry_snapshots_as_json(http: httpx.Client, wait_for: WaitFor) -> None:
    body = run_body(graph=HIDDEN, dataset="spiral", epochs=2, boundary_resolution=10, probe_index=3)
    run_id = http.post("/api/runs", json=body).json()["id"]
    wait_for(run_id, {"completed"})
    events = http.get(f"/api/runs/{run_id}/events").json()
    inside = [e for e in events if e["type"] in ("activations", "weights", "gradients")]
    assert [e["type"] for e in inside[:3]] == ["activations", "weights", "gradients"]
    assert {e["step"] for e in inside[:3]} == {1}
    for event in inside:
        parse_event(event)
    activations = inside[0]
    assert activations["probe"]["index"] == 3 and activations["probe"]["split"] == "val"
    assert activations["plane"]["resolution"] == 10
    plane = activations["nodes"]["h"]["plane_q"]
    assert plane["shape"] == [6, 10, 10] and len(base64.b64decode(plane["data"])) == 600
    assert len(activations["nodes"]["h"]["values"]) == 6
    assert inside[1]["nodes"]["h"]["update_ratio"] > 0
    assert inside[2]["nodes"]["in"]["output_grad_rms"] > 0


def test_telemetry_off_and_a_probe_index_out_of_range(http: httpx.Client, wait_for: WaitFor) -> None:
    run_id = http.post("/api/runs", json=run_body(dataset="spiral", telemetry=False)).json()["id"]
    wait_for(run_id, {"completed"})
    types = {e["type"] for e in http.get(f"/api/runs/{run_id}/events").json()}
    assert not types & {"activations", "weights", "gradients"}
    answer = http.post("/api/runs", json=run_body(dataset="spiral", probe_index=10_000))
    assert answer.status_code == 422, answer.text
    issue = next(i for i in answer.json()["errors"] if i["field"] == "training.probe_index")
    assert issue["code"] == "probe_index_out_of_range" and "use 0 to 29" in issue["message"]
