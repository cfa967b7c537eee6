"""One real server (a uvicorn subprocess, 2 warm workers, a tmp home) shared by the API tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from layerlab.api.testing import ServerProcess

SERVER_ENV = {
    "LAYERLAB_MAX_CONCURRENT_RUNS": "2",
    "LAYERLAB_MAX_RUNS_PER_CLIENT": "3",
    "LAYERLAB_MAX_EPOCHS": "5000",
    "LAYERLAB_MAX_BATCH_SIZE": "512",
    "LAYERLAB_MAX_NODES": "50",
    "LAYERLAB_MAX_REQUEST_BYTES": "200000",
    "LAYERLAB_MAX_PROJECTS_PER_CLIENT": "5",
    "LAYERLAB_MAX_PROJECT_BYTES": "50000",
    "LAYERLAB_STATIC_DIR": "/nonexistent-layerlab-page",
}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The shared server; its log is printed when a test fails (see ``-ra``)."""
    # an empty data folder of its own: the real sets (LAYERLAB_DATA_DIR in CI) must not make `mnist` available here
    root = tmp_path_factory.mktemp("api")
    (root / "data").mkdir()
    env = {**SERVER_ENV, "LAYERLAB_DATA_DIR": str(root / "data")}
    with ServerProcess(root / "home", env=env) as running:
        yield running


@pytest.fixture
def http(server: ServerProcess, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """An HTTP client of the shared server, with its own client id (so per-client limits don't leak between tests)."""
    headers = {"X-Client-Id": f"test-{request.node.name}-{time.monotonic_ns()}"}
    with httpx.Client(base_url=server.base_url, timeout=30, headers=headers) as client:
        yield client


@pytest.fixture
def wait_for(http: httpx.Client) -> Callable[..., dict[str, Any]]:
    """``wait_for(run_id, {"completed"}, timeout_s=30)`` polls ``GET /api/runs/{id}`` until the status is one of them."""

    def wait(run_id: str, statuses: set[str], timeout_s: float = 90.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        detail: dict[str, Any] = {}
        while time.monotonic() < deadline:
            detail = http.get(f"/api/runs/{run_id}").json()
            if detail["status"] in statuses:
                return detail
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} is {detail.get('status')}, not one of {statuses}")

    return wait
