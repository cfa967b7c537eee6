"""Runs outlive the page: a finished run replays from history after a reload (and the design
being edited is restored), and a run that has to wait shows its place in the queue, then starts
by itself when a slot frees up.

The test server trains at most two runs at once (``LAYERLAB_MAX_CONCURRENT_RUNS=2``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect


def _load_template(page: Page, name: str) -> None:
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(rf"^{name}", re.I)).click()
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=15_000)


def test_a_finished_run_replays_from_history_after_a_reload(page: Page, server_url: str, screenshot_dir: Path) -> None:
    page.goto(server_url)
    _load_template(page, "Digits")
    page.get_by_label("Epochs", exact=True).fill("2")
    page.get_by_role("button", name="Train", exact=True).click()
    results = page.get_by_role("region", name="Test results")
    expect(results).to_contain_text(re.compile(r"Test accuracy \d{1,3}\.\d%"), timeout=60_000)
    accuracy = re.search(r"Test accuracy\s*(\d{1,3}\.\d%)", results.inner_text())
    assert accuracy is not None
    loss_chart = page.get_by_role("img", name="Loss chart")
    run_id = loss_chart.get_attribute("data-run-id")
    recorded = httpx.get(f"{server_url}/api/runs/{run_id}/events").json()
    points = str(sum(e["type"] == "step" for e in recorded))
    expect(loss_chart).to_have_attribute("data-points", points)  # every step event recorded is drawn

    page.reload()
    # The design being edited survives the reload too (kept in the browser).
    expect(page.get_by_text("Restored the design you were working on.")).to_be_visible(timeout=15_000)
    expect(page.locator(".react-flow__node")).to_have_count(5)
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("2")
    runs = page.get_by_role("region", name=re.compile(r"^Runs"))
    runs.locator(".run-open", has_text="Digits MLP").first.click()
    expect(results).to_contain_text(f"Test accuracy {accuracy.group(1)}", timeout=15_000)
    expect(loss_chart).to_have_attribute("data-run-id", run_id or "", timeout=15_000)
    expect(loss_chart).to_have_attribute("data-points", points)
    expect(page.get_by_role("img", name="Accuracy chart")).to_have_attribute("data-epochs", "2")
    expect(page.get_by_role("table", name="Confusion matrix")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "replayed_after_reload.png"))


def _wait_until_idle(http: httpx.Client, timeout_s: float = 60.0) -> None:
    """Until no run of earlier tests holds a slot or a place in the queue."""
    deadline = time.monotonic() + timeout_s
    while any(r["status"] in ACTIVE for r in http.get("/api/runs").json()):
        assert time.monotonic() < deadline, "runs of earlier tests are still active"
        time.sleep(0.2)


ACTIVE = {"queued", "running", "paused"}


def test_a_third_run_waits_in_the_queue_then_starts(page: Page, server_url: str, screenshot_dir: Path) -> None:
    with httpx.Client(base_url=server_url, timeout=10) as http:
        _wait_until_idle(http)
    page.goto(server_url)
    _load_template(page, "Spiral")
    page.get_by_label("Epochs", exact=True).fill("1000")
    train = page.get_by_role("button", name="Train", exact=True)
    controls = page.get_by_role("group", name="Run controls")
    started: list[str] = []
    with httpx.Client(base_url=server_url, timeout=10) as http:
        try:
            for _ in range(3):
                before = {r["id"] for r in http.get("/api/runs").json()}
                expect(train).to_be_enabled(timeout=15_000)
                train.click()
                new = set()
                for _attempt in range(100):
                    new = {r["id"] for r in http.get("/api/runs").json()} - before
                    if new:
                        break
                    page.wait_for_timeout(100)
                started += sorted(new)
            # Two train, the third (the one on screen) waits with its position.
            expect(page.get_by_text(re.compile(r"Waiting in the queue — position 1\."))).to_be_visible(timeout=15_000)
            expect(page.get_by_role("region", name=re.compile(r"^Runs")).get_by_text("#1 in queue")).to_be_visible()
            # The charts belong to the waiting run: empty, nothing left over from the run shown before it.
            for chart in ("Loss chart", "Accuracy chart"):
                chart_box = page.get_by_role("img", name=chart)
                expect(chart_box).not_to_have_attribute("data-run-id", re.compile(r".+"), timeout=1_000)
            page.screenshot(path=str(screenshot_dir / "queued.png"))

            # Stopping the first frees a slot: the waiting run starts by itself.
            http.post(f"/api/runs/{started[0]}/stop")
            expect(controls.get_by_role("button", name="Pause")).to_be_enabled(timeout=30_000)
            expect(page.get_by_text(re.compile(r"Waiting in the queue"))).to_have_count(0)
        finally:
            for run_id in started:
                http.post(f"/api/runs/{run_id}/stop")
