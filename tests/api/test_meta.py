"""Health, the registries (layers, data sets, templates), OpenAPI, the static page and unknown routes."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx


def test_health_reports_ok_version_and_device(http: httpx.Client) -> None:
    response = http.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "device": "cpu"}


def test_layers_lists_the_registry(http: httpx.Client) -> None:
    layers = http.get("/api/layers").json()
    types = {layer["type"] for layer in layers}
    assert {"Input", "Dense", "Conv2D", "Concat"} <= types
    dense = next(layer for layer in layers if layer["type"] == "Dense")
    assert dense["category"] == "dense" and "units" in dense["params_schema"]["properties"]
    assert set(dense["inputs"]) >= {"min", "max"}


def test_datasets_lists_shapes_and_availability(http: httpx.Client) -> None:
    sets = {d["name"]: d for d in http.get("/api/datasets").json()}
    assert sets["circle"]["input_shape"] == [2] and sets["circle"]["available"] is True
    assert {"task", "num_classes", "reason"} <= set(sets["mnist"])


def test_templates_list_and_get(http: httpx.Client) -> None:
    templates = http.get("/api/templates").json()
    names = {t["name"] for t in templates}
    assert {"mnist_mlp", "cifar10_cnn"} <= names
    one = http.get("/api/templates/mnist_mlp")
    assert one.status_code == 200 and one.json()["graph"]["nodes"]


def test_unknown_template_is_404_listing_the_names(http: httpx.Client) -> None:
    response = http.get("/api/templates/nope")
    assert response.status_code == 404
    assert "mnist_mlp" in response.json()["detail"] and response.json()["errors"] == []


def test_openapi_and_docs_are_served(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    assert {"/api/runs", "/api/runs/{run_id}", "/api/graphs/validate", "/api/projects/{project_id}"} <= set(
        schema["paths"]
    )
    assert "RunDetail" in schema["components"]["schemas"]
    assert http.get("/docs").status_code == 200


def test_openapi_module_prints_the_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "layerlab.api.openapi"], capture_output=True, text=True, timeout=120, check=True
    )
    schema = json.loads(result.stdout)
    created = schema["paths"]["/api/runs"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/RunCreated"}


def test_root_without_a_built_page_says_how_to_build_it(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 200 and "not been built" in response.text and "make run" in response.text


def test_unknown_api_route_is_a_json_404(http: httpx.Client) -> None:
    response = http.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "not_found", "errors": []}


def test_wrong_method_is_405_in_the_error_shape(http: httpx.Client) -> None:
    response = http.put("/api/health")
    assert response.status_code == 405 and response.json()["errors"] == []
    assert response.json()["code"] == "method_not_allowed" and response.headers["allow"] == "GET"


def test_options_is_405_with_every_method_of_the_path_in_allow(http: httpx.Client) -> None:
    # each method of a path is its own route: Allow lists them all, not just the first route's
    assert http.options("/api/runs").headers["allow"] == "GET, POST"
    assert http.options("/api/projects/nope").headers["allow"] == "DELETE, GET, PUT"
    response = http.options("/api/runs/nope")
    assert response.status_code == 405 and response.headers["allow"] == "DELETE, GET"
