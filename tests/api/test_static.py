"""The built page is served at "/", with index.html for the page's own routes; /api stays JSON.

Light to serve: pre-compressed siblings chosen from Accept-Encoding, hashed assets cached
for a year, index.html revalidated (304), API JSON gzipped when large.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from layerlab.api.compression import MIN_BYTES, ApiCompression
from layerlab.api.static import CACHE_HASHED, CACHE_OTHER, CACHE_PAGE, accepted_encodings, choose_encoding
from layerlab.main import create_app
from layerlab.settings import Settings

SCRIPT = "assets/index-Dn6Cjn-K.js"
SCRIPT_BODY = b"console.log('the page');\n" * 200
#: Stands for the build's brotli file: the server sends its bytes as they are (Chromium decodes real ones
#: in tests/e2e/test_page_weight.py).
BROTLI_BODY = b"\x1b\x87brotli bytes of the script"
PAGE = b"<!doctype html><html><body>LayerLab page</body></html>"


async def _get_all(app: object, paths: list[str], headers: dict[str, str] | None = None) -> list[httpx.Response]:
    # ASGITransport does not run the lifespan: static files need no workers.
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        return [await client.get(path, headers=headers) for path in paths]


async def _raw(
    app: object, method: str, path: str, accept_encoding: str | None, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    """The response and its body exactly as sent (not decoded, whatever Content-Encoding says)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        del client.headers["accept-encoding"]  # httpx's own; None sends no such header at all
        if accept_encoding is not None:
            headers = {**headers, "accept-encoding": accept_encoding}
        async with client.stream(method, path, headers=headers) as response:
            body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


def raw(app: object, path: str, accept_encoding: str | None, **headers: str) -> tuple[httpx.Response, bytes]:
    """GET ``path`` with exactly this Accept-Encoding (None: no such header)."""
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    return asyncio.run(_raw(app, "GET", path, accept_encoding, sent))


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A built page as the build leaves it: index.html, a hashed script with .br and .gz beside it, a favicon."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(PAGE)
    (dist / "index.html.gz").write_bytes(gzip.compress(PAGE))
    (dist / SCRIPT).write_bytes(SCRIPT_BODY)
    (dist / f"{SCRIPT}.gz").write_bytes(gzip.compress(SCRIPT_BODY))
    (dist / f"{SCRIPT}.br").write_bytes(BROTLI_BODY)
    (dist / "assets" / "index-CP8O3TeH.css").write_text("body { margin: 0 }")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return dist


@pytest.fixture
def app(built: Path, tmp_path: Path) -> object:
    return create_app(Settings(home=tmp_path / "home", static_dir=built, device="cpu"))


def test_built_page_is_served_with_a_client_route_fallback(built: Path, app: object) -> None:
    root, asset, client_route, missing = asyncio.run(
        _get_all(app, ["/", f"/{SCRIPT}", "/runs/abc123", "/api/not-a-route"])
    )
    assert root.content == PAGE
    assert asset.content == SCRIPT_BODY
    assert client_route.content == PAGE and client_route.headers["cache-control"] == CACHE_PAGE
    assert missing.status_code == 404 and missing.json()["errors"] == []


def test_a_missing_asset_is_a_404_not_the_page(app: object) -> None:
    # A script the page asks for must fail as a script, never arrive as index.html.
    (missing, missing_nested) = asyncio.run(_get_all(app, ["/assets/gone-AbCdEf12.js", "/assets/x/y.css"]))
    assert missing.status_code == 404 and missing_nested.status_code == 404
    assert b"LayerLab page" not in missing.content
    assert missing.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.9", "gzip"),
        ("*", "br"),
        ("*;q=0.1, br;q=0", "gzip"),
        ("identity", None),
        ("deflate", None),
        ("gzip;q=0, br;q=0", None),
        ("", None),
        (None, None),
    ],
)
def test_the_encoding_is_chosen_from_accept_encoding(app: object, accept: str | None, encoding: str | None) -> None:
    response, body = raw(app, f"/{SCRIPT}", accept)
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == encoding
    expected = {"br": BROTLI_BODY, "gzip": gzip.compress(SCRIPT_BODY), None: SCRIPT_BODY}[encoding]
    if encoding == "gzip":
        assert gzip.decompress(body) == SCRIPT_BODY
    else:
        assert body == expected
    assert int(response.headers["content-length"]) == len(body)
    # The type is the script's, whatever the encoding; caches keep one copy per encoding.
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"] == CACHE_HASHED


def test_each_encoding_has_its_own_etag(app: object) -> None:
    etags = {raw(app, f"/{SCRIPT}", accept)[0].headers["etag"] for accept in ("br", "gzip", None)}
    assert len(etags) == 3


def test_head_sends_the_chosen_encodings_headers_only(app: object, built: Path) -> None:
    response, body = asyncio.run(_raw(app, "HEAD", f"/{SCRIPT}", "gzip", {}))
    assert response.status_code == 200 and body == b""
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == (built / f"{SCRIPT}.gz").stat().st_size


def test_a_file_without_compressed_siblings_is_sent_plain_without_vary(app: object) -> None:
    response, body = raw(app, "/assets/index-CP8O3TeH.css", "gzip, br")
    assert body == b"body { margin: 0 }" and "content-encoding" not in response.headers
    assert "vary" not in response.headers
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["cache-control"] == CACHE_HASHED


def test_cache_policy_per_kind_of_file(app: object) -> None:
    root, index, client_route, favicon = (
        raw(app, path, "gzip")[0] for path in ("/", "/index.html", "/projects/42", "/favicon.svg")
    )
    for response in (root, index, client_route):
        assert response.headers["cache-control"] == CACHE_PAGE == "no-cache"
        assert response.headers["etag"] and response.headers["last-modified"]
        assert response.headers["content-encoding"] == "gzip" and response.headers["vary"] == "Accept-Encoding"
    assert favicon.headers["cache-control"] == CACHE_OTHER == "public, max-age=86400"
    assert CACHE_HASHED == "public, max-age=31536000, immutable"


def test_a_repeat_visit_revalidates_the_page_with_304(app: object) -> None:
    first, _ = raw(app, "/", "gzip, br")
    again, body = raw(app, "/", "gzip, br", if_none_match=first.headers["etag"])
    assert again.status_code == 304 and body == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == CACHE_PAGE and again.headers["vary"] == "Accept-Encoding"
    by_date, _ = raw(app, "/runs/abc", "gzip", if_modified_since=first.headers["last-modified"])
    assert by_date.status_code == 304
    # Another representation (plain) does not match the gzip one's ETag.
    plain, plain_body = raw(app, "/", None, if_none_match=first.headers["etag"])
    assert plain.status_code == 200 and plain_body == PAGE
    script, _ = raw(app, f"/{SCRIPT}", "br")
    assert raw(app, f"/{SCRIPT}", "br", if_none_match=script.headers["etag"])[0].status_code == 304


def test_a_rebuilt_page_is_downloaded_again(app: object, built: Path) -> None:
    first, _ = raw(app, "/", None)
    (built / "index.html").write_bytes(PAGE.replace(b"page", b"page, rebuilt"))
    again, body = raw(app, "/", None, if_none_match=first.headers["etag"])
    assert again.status_code == 200 and b"rebuilt" in body


def test_accept_encoding_parsing() -> None:
    assert accepted_encodings("gzip, BR;q=0.8, *;q=0, x;q=oops") == {"gzip": 1.0, "br": 0.8, "*": 0.0, "x": 0.0}
    assert accepted_encodings("") == {}
    assert choose_encoding("gzip, br", ["br", "gzip"]) == "br"
    assert choose_encoding("gzip, br", []) is None


def test_large_api_json_is_gzipped_and_small_is_not(app: object) -> None:
    layers, layers_body = raw(app, "/api/layers", "gzip, deflate")
    assert layers.status_code == 200 and layers.headers["content-encoding"] == "gzip"
    assert layers.headers["vary"] == "Accept-Encoding"
    catalogue = json.loads(gzip.decompress(layers_body))
    assert len(layers_body) < len(json.dumps(catalogue)) / 3
    assert int(layers.headers["content-length"]) == len(layers_body)
    plain, plain_body = raw(app, "/api/layers", None)
    assert "content-encoding" not in plain.headers and json.loads(plain_body) == catalogue
    health, health_body = raw(app, "/api/health", "gzip")
    assert len(health_body) < MIN_BYTES and "content-encoding" not in health.headers


def test_websockets_pass_through_the_compression_untouched() -> None:
    seen: list[tuple[Scope, Send]] = []

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, send))

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent")

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    scope: Scope = {
        "type": "websocket",
        "path": "/api/runs/abc/events",
        "headers": [(b"accept-encoding", b"gzip")],
    }
    asyncio.run(ApiCompression(endpoint)(scope, receive, send))
    assert seen == [(scope, send)]


def test_api_answers_503_before_the_server_has_started(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path / "home", device="cpu"))
    (response,) = asyncio.run(_get_all(app, ["/api/runs"]))
    assert response.status_code == 503 and "starting" in response.json()["detail"]
