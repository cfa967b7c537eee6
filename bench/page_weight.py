"""What opening the page costs over the network: first load and repeat visit, in real Chromium (target <= 800 KB).

Starts a server on the built page (``frontend/dist`` unless ``--dist`` says otherwise), opens
``/`` in a fresh browser context and leaves it idle until nothing has been fetched for a few
seconds (idle preloads included), then opens ``/`` again in a new tab of the same context (a
repeat visit: same cache), and once more in a fresh context that offers gzip only (as browsers
do over plain http to a classroom server's LAN address). Every response is counted from Chromium's own network log (CDP):
``transferred`` is what came over the wire (headers included, compressed where the server
compressed), ``body`` the decoded size. A repeat visit passes when no script came from the
network with status 200 (memory/disk cache or 304 only).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from playwright.sync_api import BrowserContext, ViewportSize, sync_playwright

from layerlab.api.page_load import NetworkLog
from layerlab.api.testing import ServerProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
DIST = REPO_ROOT / "frontend" / "dist"
CHROMIUM = os.environ.get("LAYERLAB_CHROMIUM", "/usr/bin/chromium")
TARGET_BYTES = 800 * 1000
QUIET_S = 3.0
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}
#: What Chromium and Firefox offer over plain http to a LAN address (brotli only over HTTPS and to localhost).
GZIP_ONLY = {"Accept-Encoding": "gzip, deflate"}


def visit(context: BrowserContext, url: str) -> NetworkLog:
    """Open ``url`` in a new tab of ``context`` and record every response until the page is quiet."""
    page = context.new_page()
    log = NetworkLog.attach(context, page)
    page.goto(url, wait_until="load")
    log.wait_until_quiet(page, quiet_s=QUIET_S)
    page.close()
    return log


def _kb(n: int) -> str:
    return f"{n / 1000:,.1f} KB"


def _print_visit(title: str, record: NetworkLog) -> None:
    print(
        f"{title}: {len(record.fetches)} responses, {_kb(record.body)} decoded, {_kb(record.transferred)} transferred"
    )
    for item in sorted(record.fetches.values(), key=lambda f: -f.transferred):
        how = "cache" if item.cached else str(item.status)
        print(
            f"  {_kb(item.transferred):>12} wire {_kb(item.body):>12} body  {how:>5} {item.encoding or '-':>4}"
            f"  {item.kind:<10} {item.path}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=DIST, help=f"the built page (default {DIST})")
    dist = parser.parse_args().dist.resolve()
    if not (dist / "index.html").is_file():
        raise SystemExit(f"no built page at {dist} (cd frontend && npm ci && npm run build)")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        with (
            ServerProcess(home, env={"LAYERLAB_STATIC_DIR": str(dist)}) as server,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            context = browser.new_context(viewport=VIEWPORT)
            first = visit(context, server.url("/"))
            repeat = visit(context, server.url("/"))
            gzip_only = visit(browser.new_context(viewport=VIEWPORT, extra_http_headers=GZIP_ONLY), server.url("/"))
            browser.close()
    _print_visit("first load", first)
    _print_visit("repeat visit", repeat)
    _print_visit("first load, gzip only", gzip_only)
    downloaded = repeat.downloaded_scripts()
    print(
        f"first load {_kb(first.body)} uncompressed, {_kb(first.transferred)} transferred "
        f"({_kb(gzip_only.transferred)} where the browser offers gzip only); "
        f"repeat visit {_kb(repeat.transferred)} transferred, {len(downloaded)} scripts downloaded again"
    )
    ok = max(first.transferred, gzip_only.transferred) <= TARGET_BYTES and not downloaded
    print(
        "PASS" if ok else "MISS", f"(target: first load <= {_kb(TARGET_BYTES)} transferred, no script downloaded again)"
    )


if __name__ == "__main__":
    main()
