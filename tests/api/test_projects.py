"""Projects CRUD: create, list (paged), get, replace, delete; 404, 409, 413 and 422."""

from __future__ import annotations

import time
from typing import Any

import httpx

from layerlab.api.testing import TINY_GRAPH


def test_project_crud(http: httpx.Client) -> None:
    created = http.post("/api/projects", json={"name": "mlp", "graph": TINY_GRAPH, "dataset": "circle"})
    assert created.status_code == 201
    project = created.json()
    assert project["name"] == "mlp" and project["dataset"] == {"name": "circle", "params": {}}
    assert project["training"] is None and project["created_at"] == project["updated_at"]
    project_id = project["id"]
    assert http.get(f"/api/projects/{project_id}").json() == project
    assert project_id in {p["id"] for p in http.get("/api/projects").json()}
    replaced = http.put(
        f"/api/projects/{project_id}", json={"name": "renamed", "graph": TINY_GRAPH, "training": {"epochs": 3}}
    ).json()
    assert replaced["name"] == "renamed" and replaced["training"]["epochs"] == 3 and replaced["dataset"] is None
    assert replaced["created_at"] == project["created_at"] and replaced["updated_at"] >= project["updated_at"]
    assert http.get(f"/api/projects/{project_id}").json() == replaced
    assert http.delete(f"/api/projects/{project_id}").status_code == 204
    assert http.get(f"/api/projects/{project_id}").status_code == 404


def test_unknown_project_is_404(http: httpx.Client) -> None:
    assert http.get("/api/projects/nope").json() == {"detail": 'No project "nope".', "code": "not_found", "errors": []}
    assert http.put("/api/projects/nope", json={"name": "x", "graph": TINY_GRAPH}).status_code == 404
    assert http.delete("/api/projects/nope").status_code == 404


def test_invalid_project_is_422_naming_the_field(http: httpx.Client) -> None:
    response = http.post("/api/projects", json={"name": "", "graph": TINY_GRAPH, "training": {"epochs": 0}})
    assert response.status_code == 422
    assert {issue["field"] for issue in response.json()["errors"]} == {"name", "training.epochs"}


def _project(name: str, nodes: int = 3) -> dict[str, Any]:
    graph = {"version": 1, "nodes": [{"id": f"n{i}", "type": "Dense"} for i in range(nodes)], "edges": []}
    return {"name": name, "graph": graph, "dataset": {"name": "circle"}}


def test_project_list_is_paged_newest_first_without_graphs(http: httpx.Client) -> None:
    ids = [http.post("/api/projects", json=_project(f"p{i}", nodes=i + 1)).json()["id"] for i in range(3)]
    first = http.get("/api/projects", params={"limit": 2})
    total = int(first.headers["x-total-count"])
    assert total >= 3 and [p["id"] for p in first.json()] == ids[::-1][:2]
    assert first.json()[0] == {
        **first.json()[0],
        "name": "p2",
        "node_count": 3,
        "dataset": {"name": "circle", "params": {}},
    }
    assert "graph" not in first.json()[0] and "training" not in first.json()[0]
    assert first.headers["link"] == '</api/projects?limit=2&offset=2>; rel="next"'
    second = http.get("/api/projects", params={"limit": 2, "offset": 2})
    assert second.json()[0]["id"] == ids[0] and int(second.headers["x-total-count"]) == total
    last = http.get("/api/projects", params={"limit": 2, "offset": total - 1})
    assert len(last.json()) == 1 and "link" not in last.headers
    assert http.get("/api/projects", params={"limit": 0}).json()["code"] == "invalid_request"
    assert http.get(f"/api/projects/{ids[2]}").json()["graph"]["nodes"][2]["id"] == "n2"  # opening one has it all


def test_a_client_keeps_at_most_its_limit_of_projects(http: httpx.Client) -> None:
    for i in range(5):  # LAYERLAB_MAX_PROJECTS_PER_CLIENT in conftest.py
        assert http.post("/api/projects", json=_project(f"mine {i}")).status_code == 201
    refused = http.post("/api/projects", json=_project("one too many"))
    assert refused.status_code == 409 and refused.json()["code"] == "too_many_projects"
    other = http.post("/api/projects", json=_project("theirs"), headers={"X-Client-Id": f"other-{time.monotonic_ns()}"})
    assert other.status_code == 201
    mine = [p["id"] for p in http.get("/api/projects", params={"limit": 500}).json() if p["name"].startswith("mine")]
    assert http.delete(f"/api/projects/{mine[0]}").status_code == 204
    assert http.post("/api/projects", json=_project("fits again")).status_code == 201


def test_a_project_over_the_byte_or_node_limit_is_refused(http: httpx.Client) -> None:
    big = _project("big")
    big["graph"]["nodes"][0]["label"] = "x" * 200
    big["graph"]["edges"] = [{"source": "n0", "target": "n1", "id": "e" * 250} for _ in range(250)]  # ~70 kB
    too_large = http.post("/api/projects", json=big)
    assert too_large.status_code == 413 and too_large.json()["code"] == "project_too_large"
    assert too_large.json()["errors"][0]["field"] == "graph"
    wide = http.post("/api/projects", json=_project("wide", nodes=51))  # LAYERLAB_MAX_NODES is 50
    assert wide.status_code == 422 and wide.json()["errors"][0]["code"] == "too_many_nodes"
    assert wide.json()["errors"][0]["field"] == "graph.nodes"
    created = http.post("/api/projects", json=_project("ok", nodes=50)).json()
    replaced = http.put(f"/api/projects/{created['id']}", json=big)
    assert replaced.status_code == 413 and http.get(f"/api/projects/{created['id']}").json()["name"] == "ok"


def test_project_fields_take_only_their_schema_types(http: httpx.Client) -> None:
    for training in ({"shuffle": 0}, {"epochs": "3"}, {"epochs": True}, {"epochs": 2.5}):
        response = http.post("/api/projects", json={**_project("typed"), "training": training})
        assert response.status_code == 422, training
    assert http.post("/api/projects", json={**_project("typed"), "training": {"epochs": 3.0}}).status_code == 201
