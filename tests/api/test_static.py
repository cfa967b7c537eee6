"""The built page is served at "/", with index.html for the page's own routes; /api stays JSON."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from layerlab.main import create_app
from layerlab.settings import Settings


async def _get_all(app: object, paths: list[str]) -> list[httpx.Response]:
    # ASGITransport does not run the lifespan: static files need no workers.
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [await client.get(path) for path in paths]


def test_built_page_is_served_with_a_client_route_fallback(tmp_path: Path) -> None:
    page = tmp_path / "dist"
    (page / "assets").mkdir(parents=True)
    (page / "index.html").write_text("<html>LayerLab page</html>")
    (page / "assets" / "app.js").write_text("console.log(1)")
    app = create_app(Settings(home=tmp_path / "home", static_dir=page, device="cpu"))
    root, asset, client_route, missing = asyncio.run(
        _get_all(app, ["/", "/assets/app.js", "/runs/abc123", "/api/not-a-route"])
    )
    assert root.text == "<html>LayerLab page</html>"
    assert asset.text == "console.log(1)"
    assert client_route.text == "<html>LayerLab page</html>"
    assert missing.status_code == 404 and missing.json()["errors"] == []


def test_api_answers_503_before_the_server_has_started(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path / "home", device="cpu"))
    (response,) = asyncio.run(_get_all(app, ["/api/runs"]))
    assert response.status_code == 503 and "starting" in response.json()["detail"]
