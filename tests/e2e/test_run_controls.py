"""Drive a live run from its controls, then compare two runs.

Pause the spiral template's run, step it one batch at a time, change its learning rate while
it is paused and resume (the steps that follow train with the new rate), stop it; then train a
second short run and overlay both runs' curves in the comparison.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

#: Far more epochs than the test lets it train: it is paused and stopped long before the end.
LONG_EPOCHS = "200"
#: The second run, trained to the end for the comparison.
SHORT_EPOCHS = "5"
#: The spiral template trains at 0.01; the live change halves it.
NEW_LR = 0.005


def progress_fact(page: Page, term: str) -> Locator:
    """The value (``<dd>``) of one of the open run's progress facts (``<dt>Step</dt>``…)."""
    return page.locator(
        f"xpath=//dl[contains(@class, 'progress-facts')]//dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def current_step(page: Page) -> int:
    """The step counter ("1,234 / 2,200") as a number."""
    text = progress_fact(page, "Step").inner_text()
    return int(text.split("/")[0].strip().replace(",", ""))


def run_ids(server_url: str) -> set[str]:
    """The ids of every run the server knows (other tests in the session add theirs)."""
    return {r["id"] for r in httpx.get(f"{server_url}/api/runs").json()}


def events_of(server_url: str, run_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server_url}/api/runs/{run_id}/events", params={"after": 0, "limit": 100_000})
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()
    return events


def test_pause_step_live_learning_rate_stop_and_compare(page: Page, server_url: str, screenshot_dir: Path) -> None:
    earlier_runs = run_ids(server_url)
    page.goto("/")
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=15_000)
    page.get_by_label("Epochs", exact=True).fill(LONG_EPOCHS)
    train.click()

    run_head = page.locator(".run-head")
    controls = page.get_by_role("group", name="Run controls")
    pause = controls.get_by_role("button", name="Pause")
    step = controls.get_by_role("button", name="Step")
    expect(pause).to_be_enabled(timeout=15_000)  # enabled once the run is running

    # --- pause ----------------------------------------------------------------------------------
    pause.click()
    expect(run_head.get_by_text("Paused", exact=True)).to_be_visible(timeout=15_000)
    expect(controls.get_by_role("button", name="Resume")).to_be_visible()
    expect(step).to_be_enabled()

    (run_id,) = run_ids(server_url) - earlier_runs
    assert httpx.get(f"{server_url}/api/runs/{run_id}").json()["status"] == "paused"

    # --- step: exactly one batch per press ------------------------------------------------------
    # Step events are throttled while a run trains, so the counter may lag the batch the run
    # paused after; a single step is always reported, so the first one brings it up to date.
    before = current_step(page)
    step.click()
    expect(progress_fact(page, "Step")).not_to_have_text(re.compile(rf"^{before:,} /"))
    synced = current_step(page)
    assert synced > before
    expect(step).to_be_enabled()
    step.click()
    expect(progress_fact(page, "Step")).to_have_text(re.compile(rf"^{synced + 1:,} /"))
    page.wait_for_timeout(300)  # still paused: nothing more trains meanwhile
    assert current_step(page) == synced + 1
    expect(run_head.get_by_text("Paused", exact=True)).to_be_visible()
    steps = [e["step"] for e in events_of(server_url, run_id) if e["type"] == "step"]
    assert steps[-2:] == [synced, synced + 1], steps[-5:]

    # --- live learning rate, then resume ---------------------------------------------------------
    lr = controls.get_by_label("Learning rate (live)")
    expect(lr).to_have_value("0.01")
    lr.fill(str(NEW_LR))
    controls.get_by_role("button", name="Set learning rate").click()
    expect(controls.get_by_role("alert")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "run-controls-paused.png"))

    controls.get_by_role("button", name="Resume").click()
    expect(pause).to_be_visible(timeout=15_000)
    expect(run_head.get_by_text("Running", exact=True)).to_be_visible()
    # The progress shows the rate the latest step trained with.
    expect(progress_fact(page, "Learning rate")).to_have_text(str(NEW_LR), timeout=15_000)

    events = events_of(server_url, run_id)
    resumed_at = max(e["seq"] for e in events if e["type"] == "status" and e["status"] == "running")
    before_resume = [e for e in events if e["type"] == "step" and e["seq"] < resumed_at]
    after_resume = [e for e in events if e["type"] == "step" and e["seq"] > resumed_at]
    assert before_resume and {e["learning_rate"] for e in before_resume} == {0.01}
    assert after_resume, "the run should have trained a few steps since it resumed"
    assert {e["learning_rate"] for e in after_resume} == {NEW_LR}

    # At least one whole epoch, so the comparison has a validation point of this run.
    page.wait_for_function(
        "() => Number(document.querySelector('[aria-label=\"Accuracy chart\"]')?.dataset.epochs) >= 1",
        timeout=15_000,
    )

    # --- stop -------------------------------------------------------------------------------------
    controls.get_by_role("button", name="Stop").click()
    expect(run_head.get_by_text("Stopped", exact=True)).to_be_visible(timeout=15_000)
    expect(controls).to_have_count(0)  # no controls for a finished run
    assert httpx.get(f"{server_url}/api/runs/{run_id}").json()["status"] == "stopped"

    # --- a second, short run and the comparison ------------------------------------------------
    page.get_by_label("Epochs", exact=True).fill(SHORT_EPOCHS)
    train.click()
    expect(run_head.get_by_text("Completed", exact=True)).to_be_visible(timeout=30_000)
    (second_id,) = run_ids(server_url) - earlier_runs - {run_id}

    # Both runs come from the one template: the list tells them apart by their short ids.
    page.get_by_role("checkbox", name=f"Compare Spiral MLP ({run_id[:6]})").check()
    page.get_by_role("checkbox", name=f"Compare Spiral MLP ({second_id[:6]})").check()
    compare = page.get_by_role("region", name=re.compile(r"^Compare:"))
    expect(compare).to_be_visible()
    page.get_by_role("button", name="Expand dashboard").click()
    compare.scroll_into_view_if_needed()

    # loss: each run's validation (per epoch) and smoothed training (per step) curves; accuracy: validation
    for chart, traces_per_run in (("Compared loss", 2), ("Compared validation accuracy", 1)):
        overlay = compare.get_by_role("img", name=chart)
        expect(overlay.locator(".scatterlayer .trace")).to_have_count(2 * traces_per_run, timeout=15_000)
        traces: Any = overlay.evaluate("el => (el.data ?? []).map(t => [t.name, t.x.length])")
        names = [name for name, _ in traces]
        assert any(run_id[:6] in n for n in names) and any(second_id[:6] in n for n in names), names
        assert all(points > 0 for _, points in traces), traces
    page.wait_for_timeout(300)  # let plotly settle into the expanded boxes
    page.screenshot(path=str(screenshot_dir / "run-compare.png"))
