"""Projects CRUD: create, list, get, replace, delete; 404 and 422."""

from __future__ import annotations

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
