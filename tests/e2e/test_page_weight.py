"""Opening the page is light: at most 800 KB over the wire, and a repeat visit downloads no script again.

Counted from Chromium's own network log (CDP): everything the page fetches when opened and
left idle for a few seconds. No plotly is in it, nor in what watching a run fetches: the live
charts draw on canvas; plotly's core comes only with the comparison of runs.
The budget holds with brotli (localhost, HTTPS) and with gzip only (plain http to a LAN address).
``bench/page_weight.py`` prints the same numbers file by file.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, expect

from layerlab.api.page_load import NetworkLog
from layerlab.api.static import CACHE_HASHED, CACHE_PAGE

FIRST_LOAD_LIMIT = 800 * 1000


def _table(log: NetworkLog) -> str:
    rows = sorted(log.fetches.values(), key=lambda f: -f.transferred)
    return "\n".join(
        f"{f.transferred:>9} {f.body:>9} {f.status} {'cache' if f.cached else '':5} {f.encoding or '-':4} {f.path}"
        for f in rows
    )


def test_first_load_is_light_and_a_repeat_visit_downloads_no_script(
    browser: Browser, server_url: str, browser_context_args: dict[str, Any]
) -> None:
    context = browser.new_context(**browser_context_args)  # a fresh cache
    try:
        page = context.new_page()
        first = NetworkLog.attach(context, page)
        page.goto(server_url)
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=15_000)
        first.wait_until_quiet(page)

        assert first.transferred <= FIRST_LOAD_LIMIT, f"first load {first.transferred} bytes:\n{_table(first)}"
        scripts = first.of_kind("Script")
        paths = [s.path for s in scripts]
        assert not any("plotly" in p for p in paths), paths  # the live charts need none
        for script in scripts:
            assert script.status == 200 and script.encoding == "br", _table(first)
            assert script.cache_control == CACHE_HASHED, script
            assert script.transferred < script.body / 2, script
        (document,) = first.of_kind("Document")
        assert document.cache_control == CACHE_PAGE and document.encoding == "br"
        page.close()

        again = context.new_page()
        repeat = NetworkLog.attach(context, again)
        again.goto(server_url)
        expect(again.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=15_000)
        repeat.wait_until_quiet(again)
        assert not repeat.downloaded_scripts(), _table(repeat)
        assert {s.path for s in repeat.of_kind("Script")} == set(paths)
        assert all(s.cached or s.status == 304 for s in repeat.of_kind("Script")), _table(repeat)
        # index.html is asked for again (a new build shows at once) and answered 304 by its ETag.
        (document,) = repeat.of_kind("Document")
        assert document.status == 304 and not document.cached, _table(repeat)

        # Watching a run, every live view drawn (the boundary too), fetches no plotly either.
        again.get_by_role("button", name="Templates").click()
        again.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
        again.get_by_label("Epochs").fill("2")
        train = again.get_by_role("button", name="Train", exact=True)
        expect(train).to_be_enabled(timeout=15_000)
        train.click()
        boundary = again.get_by_role("img", name="Decision boundary")
        boundary.scroll_into_view_if_needed()  # a chart out of sight does not draw
        expect(boundary).to_have_attribute("data-epoch", re.compile(r"\d+"), timeout=60_000)
        expect(again.get_by_text("Completed").first).to_be_visible(timeout=60_000)
        assert not any("plotly" in s.path for s in repeat.of_kind("Script")), _table(repeat)
    finally:
        context.close()


def test_first_load_is_light_with_gzip_only(
    browser: Browser, server_url: str, browser_context_args: dict[str, Any]
) -> None:
    # Browsers offer brotli only over HTTPS (and to localhost); a classroom server on a LAN
    # address over plain http gets "gzip, deflate".
    context = browser.new_context(**browser_context_args, extra_http_headers={"Accept-Encoding": "gzip, deflate"})
    try:
        page = context.new_page()
        log = NetworkLog.attach(context, page)
        page.goto(server_url)
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=15_000)
        log.wait_until_quiet(page)
        assert log.transferred <= FIRST_LOAD_LIMIT, f"first load {log.transferred} bytes:\n{_table(log)}"
        scripts = log.of_kind("Script")
        assert scripts and all(s.encoding == "gzip" for s in scripts), _table(log)
        (document,) = log.of_kind("Document")
        assert document.encoding == "gzip"
        catalogue = [f for f in log.fetches.values() if f.path == "/api/layers"]
        assert catalogue and catalogue[0].encoding == "gzip", _table(log)
    finally:
        context.close()
