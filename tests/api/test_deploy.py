"""docker-compose files validate (with Debian's docker-compose v1, when installed); the Dockerfile has what it needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="docker-compose is not installed (apt-get install docker-compose)"
)


def _config(*files: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    command = [COMPOSE]
    for name in files:
        command += ["-f", str(REPO / name)]
    clean = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
    return subprocess.run([*command, "config"], capture_output=True, text=True, env={**clean, **env}, timeout=60)


@needs_compose
def test_compose_file_is_valid() -> None:
    result = _config("docker-compose.yml", env={})
    assert result.returncode == 0, result.stderr
    assert "layerlab-gpu" in result.stdout and "nvidia" in result.stdout and "/api/health" in result.stdout


@needs_compose
def test_postgres_variant_is_valid_and_requires_a_password() -> None:
    result = _config("docker-compose.yml", "docker-compose.postgres.yml", env={"POSTGRES_PASSWORD": "secret"})
    assert result.returncode == 0, result.stderr
    assert "postgresql+psycopg://layerlab:secret@postgres:5432/layerlab" in result.stdout
    missing = _config("docker-compose.yml", "docker-compose.postgres.yml", env={})
    assert missing.returncode != 0 and "Variable not set" in missing.stderr


def test_dockerfile_builds_the_page_and_serves_with_a_healthcheck() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text and "npm run build" in text and "whl/cpu" in text
    assert "HEALTHCHECK" in text and "/api/health" in text and '"serve", "--host", "0.0.0.0"' in text
