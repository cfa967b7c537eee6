"""When the server's database refuses writes, the page says so, and the run's end shows once it is saved.

A server of its own whose store reports a full disk while a flag file exists
(``tests/faulty_storage_app.py``). The spiral template trains; the disk "fills": the page
shows the server's problem in a banner (from ``GET /api/health``); past the failure timeout
the run ends ``storage_error``; the disk is freed: the banner goes, and the run's failure,
saved at last, reaches the page with its reason and what to try.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from layerlab.api.testing import ServerProcess

TESTS = Path(__file__).resolve().parents[1]
DIST = TESTS.parent / "frontend" / "dist"


@pytest.fixture
def faulty_server(tmp_path: Path) -> Iterator[ServerProcess]:
    if not (DIST / "index.html").is_file():
        pytest.skip("the page is not built (run `make e2e`, which builds it)")
    (tmp_path / "data").mkdir()
    env = {
        "LAYERLAB_STATIC_DIR": str(DIST),
        "LAYERLAB_DATA_DIR": str(tmp_path / "data"),
        "LAYERLAB_MAX_CONCURRENT_RUNS": "1",
        "LAYERLAB_STORAGE_FAILURE_TIMEOUT_S": "2",
        "LAYERLAB_STORAGE_RETRY_MAX_S": "0.2",
    }
    with ServerProcess(tmp_path / "home", env=env, factory="faulty_storage_app:create_app", app_dir=TESTS) as server:
        yield server


def test_the_page_shows_a_storage_problem_and_the_run_it_ended(
    page: Page, faulty_server: ServerProcess, screenshot_dir: Path
) -> None:
    flag = faulty_server.home / "storage-full"
    page.goto(faulty_server.base_url)
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    expect(train).to_be_enabled(timeout=15_000)
    page.get_by_label("Epochs").fill("500")
    train.click()
    controls = page.get_by_role("group", name="Run controls")
    expect(controls.get_by_role("button", name="Stop")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("img", name="Loss chart")).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))

    flag.touch()
    try:
        banner = page.get_by_role("alert", name="Server problem")
        expect(banner).to_be_visible(timeout=20_000)
        expect(banner).to_contain_text("database or disk is full")
        expect(banner).to_contain_text("held in memory")
        page.wait_for_timeout(2500)  # past the failure timeout: the run is ended server-side
        page.screenshot(path=str(screenshot_dir / "storage-problem.png"))
    finally:
        flag.unlink()

    expect(page.get_by_role("alert", name="Server problem")).to_have_count(0, timeout=20_000)
    failure = page.locator(".run-failure")
    expect(failure).to_be_visible(timeout=20_000)
    expect(failure).to_contain_text(re.compile(r"could not save this run's events.*database or disk is full", re.I))
    expect(failure.locator(".run-failure-hint")).to_contain_text(
        re.compile(r"What to try: .*storage works again", re.I)
    )
    page.screenshot(path=str(screenshot_dir / "storage-problem-ended.png"))
