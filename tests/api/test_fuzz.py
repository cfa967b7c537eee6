"""The OpenAPI document is the truth: schemathesis fuzzes every operation against a real server.

Every check (``--checks all``: no 5xx, every status and body as documented, schema-valid
requests accepted and invalid ones rejected, 405 with ``Allow`` …), the coverage, fuzzing
and stateful phases (the stateful one follows the document's links from ``POST /api/runs``
and ``POST /api/projects`` to real ids), on a fixed seed. The server's limits keep the runs
it queues tiny; ``schemathesis.toml`` beside this file says what JSON Schema cannot.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from layerlab.api.testing import ServerProcess

logger = logging.getLogger(__name__)

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20250120

FUZZ_ENV = {
    "LAYERLAB_MAX_CONCURRENT_RUNS": "1",
    "LAYERLAB_MAX_EPOCHS": "2",
    "LAYERLAB_MAX_BATCH_SIZE": "64",
    # The graph schema's own bound (GraphSpec.nodes maxItems): a project may hold what the schema allows.
    "LAYERLAB_MAX_NODES": "10000",
    "LAYERLAB_MAX_RUNS_PER_CLIENT": "1000",
    "LAYERLAB_MAX_REQUEST_BYTES": "20000",
    "LAYERLAB_STATIC_DIR": "/nonexistent-layerlab-page",
}


def test_openapi_fuzzing_finds_no_failure(tmp_path: Path) -> None:
    pytest.importorskip("schemathesis")
    (tmp_path / "data").mkdir()
    env = {**FUZZ_ENV, "LAYERLAB_DATA_DIR": str(tmp_path / "data")}
    report = tmp_path / "report.json"
    with ServerProcess(tmp_path / "home", env=env) as server:
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run"]
        command += [server.url("/openapi.json"), "--checks", "all", "--seed", str(SEED), "--workers", "2"]
        command += ["--no-color", "--report", "json", "--report-json-path", str(report)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    summary = json.loads(report.read_text())
    cases = summary["test_cases"]
    logger.info("schemathesis: %d cases, %d failures", cases["generated"], cases["unique_failures"])
    assert result.returncode == 0 and summary["failures"] == [] and summary["errors"] == [], result.stdout[-12000:]
    assert summary["operations"]["tested"] == summary["operations"]["total"] >= 21
    assert cases["generated"] >= 1000 and cases["unique_failures"] == 0
