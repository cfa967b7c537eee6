"""Malformed, empty, non-JSON and huge bodies on every operation of the OpenAPI document get a documented 4xx."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from layerlab.api.openapi import openapi_schema

DOCUMENT = openapi_schema()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
WITH_BODY = [op for op in OPERATIONS if "requestBody" in op[2]]
#: Above the shared server's LAYERLAB_MAX_REQUEST_BYTES (conftest.py: 200 000).
HUGE = b"[" + b"0," * 150_000 + b"0]"


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "nope", path)


def _documented(operation: dict[str, Any], response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:500]
    assert str(status) in operation["responses"], f"{status} is not documented"
    body = response.json()
    assert set(body) == {"detail", "code", "errors"} and body["code"] == code and body["detail"]


def _ids(ops: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return [f"{method} {path}" for method, path, _ in ops]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=_ids(OPERATIONS))
def test_a_huge_body_is_413(http: httpx.Client, method: str, path: str, operation: dict[str, Any]) -> None:
    response = http.request(method, _url(path), content=HUGE, headers={"content-type": "application/json"})
    _documented(operation, response, 413, "body_too_large")


@pytest.mark.parametrize(("method", "path", "operation"), WITH_BODY, ids=_ids(WITH_BODY))
def test_a_malformed_body_is_400(http: httpx.Client, method: str, path: str, operation: dict[str, Any]) -> None:
    for content in (b'{"graph": {"nodes": [', b"\xff\xfe\x00not json", b"{'single': 'quotes'}"):
        response = http.request(method, _url(path), content=content, headers={"content-type": "application/json"})
        _documented(operation, response, 400, "malformed_json")
        assert response.json()["errors"][0]["code"] == "malformed_json"


@pytest.mark.parametrize(("method", "path", "operation"), WITH_BODY, ids=_ids(WITH_BODY))
def test_an_empty_body_is_422(http: httpx.Client, method: str, path: str, operation: dict[str, Any]) -> None:
    response = http.request(method, _url(path), headers={"content-type": "application/json"})
    _documented(operation, response, 422, "invalid_request")
    assert response.json()["errors"][0]["code"] == "missing_field"


@pytest.mark.parametrize(("method", "path", "operation"), WITH_BODY, ids=_ids(WITH_BODY))
def test_a_body_that_is_not_json_is_415(http: httpx.Client, method: str, path: str, operation: dict[str, Any]) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = http.request(method, _url(path), content=b"{}", headers={"content-type": content_type})
        _documented(operation, response, 415, "unsupported_media_type")


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=_ids(OPERATIONS))
def test_any_body_gets_a_documented_status(
    http: httpx.Client, method: str, path: str, operation: dict[str, Any]
) -> None:
    for content in (b"", b"{not json", b"[]", b'"text"'):
        response = http.request(method, _url(path), content=content, headers={"content-type": "application/json"})
        assert response.status_code < 500 and str(response.status_code) in operation["responses"], response.text[:300]
