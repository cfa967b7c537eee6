"""Browser end-to-end fixtures: a real server on a free port, Debian's Chromium via Playwright.

Every test in this folder is marked ``e2e``; ``make e2e`` builds the page first.
Screenshots go to ``test-results/e2e`` (CI keeps them as artifacts).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST = REPO_ROOT / "frontend" / "dist"
SCREENSHOTS = REPO_ROOT / "test-results" / "e2e"
CHROMIUM = os.environ.get("LAYERLAB_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real LayerLab server (uvicorn, real port, real SQLite file) serving the built page."""
    if not (DIST / "index.html").is_file():
        pytest.skip("the page is not built (run `make e2e`, which builds it)")
    home = tmp_path_factory.mktemp("e2e-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAYERLAB_") or k == "LAYERLAB_DATA_DIR"}
    env.update(
        LAYERLAB_HOME=str(home),
        LAYERLAB_STATIC_DIR=str(DIST),
        LAYERLAB_DEVICE="cpu",
        LAYERLAB_ALLOW_DOWNLOAD="false",
        LAYERLAB_MAX_CONCURRENT_RUNS="2",
    )
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "layerlab.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early, see {home / 'server.log'}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("server did not answer /api/health within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def base_url(server_url: str) -> str:
    """The test server as Playwright's base URL, so tests can ``page.goto("/")``.

    Also replaces pytest-playwright's fallback ``base_url`` fixture, which pytest 9 warns about.
    """
    return server_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium with the flags this machine needs (never `playwright install`)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """The projector size the page must work at."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}


@pytest.fixture
def screenshot_dir() -> Path:
    """Where tests save screenshots (kept as test artifacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
