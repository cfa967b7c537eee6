"""ServerProcess: a real LayerLab server in a subprocess on a free loopback port (for tests and benchmarks).

Example::

    with ServerProcess(tmp_path / "home", env={"LAYERLAB_MAX_CONCURRENT_RUNS": "2"}) as server:
        httpx.get(server.url("/api/health"))

The server gets its own ``LAYERLAB_HOME``, runs on the CPU with downloads off unless
``env`` says otherwise, and writes its log to ``<home>/server.log``. :meth:`stop`
sends SIGTERM (a graceful shutdown) and waits; :meth:`kill` sends SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from layerlab.settings import Settings

__all__ = ["ServerProcess", "TINY_GRAPH", "free_port", "read_stream", "run_body", "stream_events", "wait_for_status"]

#: A small MLP for the 2-D classification sets (Input → Dense 8 tanh → Dense 2 softmax).
TINY_GRAPH: dict[str, Any] = {
    "version": 1,
    "nodes": [
        {"id": "in", "type": "Input"},
        {"id": "h", "type": "Dense", "params": {"units": 8, "activation": "tanh"}},
        {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
    ],
    "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
}


def run_body(
    *, graph: dict[str, Any] | None = None, dataset: str = "circle", n: int = 200, **training: Any
) -> dict[str, Any]:
    """A ``POST /api/runs`` body: by default :data:`TINY_GRAPH` on ``circle`` with ``n`` points, 1 epoch, batch 16.

    >>> run_body(epochs=3)["training"]
    {'epochs': 3, 'batch_size': 16}
    """
    return {
        "graph": graph if graph is not None else TINY_GRAPH,
        "dataset": {"name": dataset, "params": {"n": n}},
        "training": {"epochs": 1, "batch_size": 16, **training},
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``uvicorn <factory> --factory`` in a subprocess (see the module docstring)."""

    def __init__(
        self,
        home: Path,
        *,
        env: dict[str, str] | None = None,
        factory: str = "layerlab.main:create_app",
        app_dir: Path | None = None,
        port: int | None = None,
        log_level: str = "warning",
    ) -> None:
        self.home = Path(home)
        self.port = port or free_port()
        self.factory = factory
        self.app_dir = app_dir
        self.log_level = log_level
        self.env = {
            "LAYERLAB_HOME": str(self.home),
            "LAYERLAB_DEVICE": "cpu",
            "LAYERLAB_ALLOW_DOWNLOAD": "false",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The HTTP URL of ``path``."""
        return self.base_url + path

    def ws_url(self, path: str) -> str:
        """The websocket URL of ``path``."""
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def log_path(self) -> Path:
        """Where the server's output goes."""
        return self.home / "server.log"

    def log_text(self) -> str:
        """The server's output so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout_s: float = 120.0) -> ServerProcess:
        """Start the server and wait until ``/api/health`` answers (workers are warm by then)."""
        self.home.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "uvicorn", self.factory, "--factory", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", self.log_level, "--timeout-graceful-shutdown", "5"]
        if self.app_dir is not None:
            command += ["--app-dir", str(self.app_dir)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAYERLAB_") or k == "LAYERLAB_DATA_DIR"}
        env.update(self.env)
        # websocket compression as `layerlab serve` sets it (LAYERLAB_WS_COMPRESSION, default off)
        compress = env.get("LAYERLAB_WS_COMPRESSION", str(Settings().ws_compression)).strip().lower()
        command += ["--ws-per-message-deflate", "true" if compress in {"1", "true", "yes", "on"} else "false"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_text()[-4000:]}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                with urllib.request.urlopen(self.url("/api/health"), timeout=2) as response:
                    if response.status == 200:
                        return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not answer within {timeout_s} s:\n{self.log_text()[-4000:]}")

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """Graceful stop (SIGTERM), then SIGKILL if it takes too long; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        code = self.process.returncode
        self.process = None
        return code

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(30)
            self.process = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def wait_for_status(client: Any, run_id: str, statuses: set[str], timeout_s: float = 90.0) -> dict[str, Any]:
    """Poll ``GET /api/runs/{id}`` with an ``httpx.Client`` until the status is one of ``statuses``; the detail."""
    deadline = time.monotonic() + timeout_s
    detail: dict[str, Any] = {}
    while time.monotonic() < deadline:
        detail = client.get(f"/api/runs/{run_id}").json()
        if detail.get("status") in statuses:
            return detail
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} is {detail.get('status')}, not one of {sorted(statuses)}")


async def read_stream(
    url: str, *, limit: int | None = None, timeout_s: float = 60.0
) -> tuple[list[dict[str, Any]], int | None]:
    """Read a run's websocket until it closes (or ``limit`` events): the events and the close code."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    events: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout_s):
        async with connect(url, max_size=None) as ws:
            try:
                async for message in ws:
                    events.append(json.loads(message))
                    if limit is not None and len(events) >= limit:
                        return events, None
            except ConnectionClosed:
                pass  # closed with a code other than 1000/1001 (e.g. 4404)
            return events, ws.close_code


def stream_events(
    server: ServerProcess, run_id: str, after: int = 0, **kwargs: Any
) -> tuple[list[dict[str, Any]], int | None]:
    """Blocking :func:`read_stream` of ``WS /api/runs/{run_id}/events?after=…`` on ``server``."""
    return asyncio.run(read_stream(server.ws_url(f"/api/runs/{run_id}/events?after={after}"), **kwargs))
