"""The page's TypeScript types are generated from the server's OpenAPI schema and never drift."""

from __future__ import annotations

import json
from pathlib import Path

from layerlab.api.openapi import openapi_schema

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_committed_openapi_schema_matches_the_server() -> None:
    committed = json.loads((FRONTEND / "openapi.json").read_text())
    assert committed == openapi_schema(), "the API changed: run `make client` and commit frontend/openapi.json"


def test_generated_types_exist_for_every_schema_model() -> None:
    generated = (FRONTEND / "src" / "api" / "client" / "schema.d.ts").read_text()
    for name in openapi_schema()["components"]["schemas"]:
        # names with a '-' (a model whose input and output schemas differ: RunRequest-Input) are quoted
        assert f"{name}:" in generated or f'"{name}":' in generated, f"{name} missing: run `make client`"
