"""Only the server's own hosts and pages may use the API: Host allow-list, Origin checks, against a real server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from layerlab.api.hosts import HostOriginGuard, host_name
from layerlab.api.testing import ServerProcess, run_body
from layerlab.settings import Settings

PAGE_ORIGIN = "http://localhost:5173"  # a dev page allowed by LAYERLAB_CORS_ORIGINS


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with the default hosts and one extra allowed origin (as `make dev` sets for Vite's page)."""
    root = tmp_path_factory.mktemp("hosts")
    (root / "data").mkdir()
    env = {
        "LAYERLAB_CORS_ORIGINS": f"{PAGE_ORIGIN},http://127.0.0.1:5173",
        "LAYERLAB_MAX_CONCURRENT_RUNS": "1",
        "LAYERLAB_STATIC_DIR": "/nonexistent-layerlab-page",
        "LAYERLAB_DATA_DIR": str(root / "data"),
    }
    with ServerProcess(root / "home", env=env) as server:
        yield server


def _handshake(url: str, **headers: str) -> int:
    """The HTTP status of a websocket handshake (101 when it was accepted)."""

    async def attempt() -> int:
        try:
            async with connect(url, additional_headers=headers, open_timeout=20) as ws:
                await ws.close()
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code

    return asyncio.run(attempt())


def test_a_foreign_host_is_400_in_the_error_shape(guarded: ServerProcess) -> None:
    response = httpx.get(guarded.url("/api/health"), headers={"Host": "evil.example"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "host_not_allowed" and body["errors"][0]["field"] == "Host"
    assert "evil.example" in body["detail"] and "LAYERLAB_ALLOWED_HOSTS" in body["errors"][0]["hint"]
    for host in ("127.0.0.1:1234", "localhost", "LOCALHOST:8000"):
        assert httpx.get(guarded.url("/api/health"), headers={"Host": host}).status_code == 200


def _raw_handshake_status(server: ServerProcess, host: str) -> int:
    """The status of a websocket upgrade request sent by hand (a client library always sends its own Host)."""
    request = (
        "GET /api/runs/nope/events HTTP/1.1\r\n"
        f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(request.encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_a_websocket_for_a_foreign_host_is_refused_at_the_handshake(guarded: ServerProcess) -> None:
    assert _raw_handshake_status(guarded, "evil.example") == 400
    assert _raw_handshake_status(guarded, f"127.0.0.1:{guarded.port}") == 101


def test_a_websocket_from_another_origin_is_refused_before_any_event(guarded: ServerProcess) -> None:
    run_id = httpx.post(guarded.url("/api/runs"), json=run_body(epochs=1)).json()["id"]
    url = guarded.ws_url(f"/api/runs/{run_id}/events")
    assert _handshake(url, Origin="https://evil.example") == 403
    assert _handshake(url, Origin="null") == 403
    assert _handshake(url, Origin=f"http://127.0.0.1:{guarded.port + 1}") == 403  # same name, other port


def test_the_pages_own_origin_and_listed_origins_open_websockets(guarded: ServerProcess) -> None:
    run_id = httpx.post(guarded.url("/api/runs"), json=run_body(epochs=1)).json()["id"]
    url = guarded.ws_url(f"/api/runs/{run_id}/events")
    assert _handshake(url, Origin=f"http://127.0.0.1:{guarded.port}") == 101
    assert _handshake(url, Origin=PAGE_ORIGIN) == 101
    assert _handshake(url) == 101  # no Origin: not a browser


def test_writes_from_another_origin_are_403_reads_pass(guarded: ServerProcess) -> None:
    evil = {"Origin": "https://evil.example"}
    response = httpx.post(guarded.url("/api/runs/nope/stop"), headers=evil)
    assert response.status_code == 403 and response.json()["code"] == "origin_not_allowed"
    assert httpx.post(guarded.url("/api/runs/nope/stop")).status_code == 404
    assert httpx.post(guarded.url("/api/runs/nope/stop"), headers={"Origin": PAGE_ORIGIN}).status_code == 404
    assert httpx.get(guarded.url("/api/layers"), headers=evil).status_code == 200


def test_host_names_are_compared_without_the_port() -> None:
    assert host_name("Example.COM:8080") == "example.com" and host_name("[::1]:8000") == "::1"
    assert host_name("localhost.") == "localhost" and host_name("") == ""


def test_star_allows_any_host_and_origin() -> None:
    guard = HostOriginGuard(lambda *_: None, allowed_hosts=["*"], allowed_origins=["*"])  # type: ignore[arg-type,return-value]
    assert guard.is_host_allowed("anything.example:1") and guard.is_origin_allowed("https://x.example", "y:1")
    strict = HostOriginGuard(lambda *_: None, allowed_hosts=["127.0.0.1"])  # type: ignore[arg-type,return-value]
    assert not strict.is_host_allowed("") and not strict.is_host_allowed("127.0.0.2:80")
    assert strict.is_origin_allowed("http://127.0.0.1:8000/", "127.0.0.1:8000")


def test_allowed_hosts_setting_reads_a_comma_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAYERLAB_ALLOWED_HOSTS", "lab.example, 10.0.0.5")
    monkeypatch.setenv("LAYERLAB_CORS_ORIGINS", '["http://localhost:5173"]')
    settings = Settings(home=tmp_path)
    assert settings.allowed_hosts == ["lab.example", "10.0.0.5"]
    assert settings.cors_origins == ["http://localhost:5173"]
    assert Settings.model_fields["allowed_hosts"].default_factory() == ["127.0.0.1", "localhost"]  # type: ignore[call-arg,misc]
