"""The page keeps up with a run without drawing what is out of sight (speed itself: bench/page_keeps_up.py).

The spiral template trains while the page watches it at 1280×720. Every draw of a view is noted
in ``window.__layerlab.draws`` (view, run, newest seq it had, wall clock). At that size the
dashboard's chart strip shows the loss and accuracy charts; the confusion matrix and the decision
boundary are past its right edge. So:

- the charts in sight drew while the run streamed, at most once per animation frame each, and
  at the end show the newest state (every step point, every epoch);
- the charts out of sight drew nothing at all, and draw the newest state (the test matrix, the
  last boundary) as soon as they are scrolled into sight;
- with the dashboard expanded every view is in sight and every one of them draws.

No timing is asserted beyond generous sanity bounds (this machine is shared and noisy).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

EPOCHS = 30
#: Counts animation frames from before the run starts (draws per view must not exceed them).
FRAME_COUNTER = """
window.__frames = 0;
const tick = () => { window.__frames += 1; requestAnimationFrame(tick); };
requestAnimationFrame(tick);
"""
#: Whether an element is inside the visible part of the chart strip and the window.
IN_SIGHT = """(el) => {
  const r = el.getBoundingClientRect();
  const strip = el.closest('.dash-charts').getBoundingClientRect();
  const left = Math.max(strip.left, 0), right = Math.min(strip.right, window.innerWidth);
  const top = Math.max(strip.top, 0), bottom = Math.min(strip.bottom, window.innerHeight);
  return r.right > left && r.left < right && r.bottom > top && r.top < bottom;
}"""


def _train_spiral(page: Page, server_url: str) -> tuple[str, list[dict[str, Any]]]:
    page.add_init_script(FRAME_COUNTER)
    page.goto(server_url)
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    expect(train).to_be_enabled(timeout=15_000)
    page.get_by_label("Epochs", exact=True).fill(str(EPOCHS))
    before = {r["id"] for r in httpx.get(f"{server_url}/api/runs").json()}
    train.click()
    results = page.get_by_role("region", name="Test results")
    expect(results).to_contain_text(re.compile(r"Test accuracy \d{1,3}\.\d%"), timeout=90_000)
    run_id = next(r["id"] for r in httpx.get(f"{server_url}/api/runs").json() if r["id"] not in before)
    events: list[dict[str, Any]] = httpx.get(f"{server_url}/api/runs/{run_id}/events").json()
    return run_id, events


def _draws(page: Page, run_id: str) -> list[dict[str, Any]]:
    draws: list[dict[str, Any]] = page.evaluate("() => (window.__layerlab?.draws ?? []).slice()")
    return [d for d in draws if d["runId"] == run_id]


def test_charts_in_sight_keep_up_and_charts_out_of_sight_do_not_draw(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    run_id, events = _train_spiral(page, server_url)
    loss = page.get_by_role("img", name="Loss chart")
    accuracy = page.get_by_role("img", name="Accuracy chart")
    confusion = page.get_by_role("table", name="Confusion matrix")
    boundary = page.get_by_role("img", name="Decision boundary")
    steps = sum(e["type"] == "step" for e in events)

    # The newest state is on screen: every step point and every epoch.
    expect(loss).to_have_attribute("data-points", str(steps), timeout=10_000)
    expect(accuracy).to_have_attribute("data-epochs", str(EPOCHS), timeout=10_000)
    assert loss.evaluate(IN_SIGHT) and accuracy.evaluate(IN_SIGHT)
    assert not confusion.evaluate(IN_SIGHT) and not boundary.evaluate(IN_SIGHT), "the strip's layout changed"

    draws = _draws(page, run_id)
    by_view = {view: [d for d in draws if d["view"] == view] for view in ("loss", "accuracy", "confusion", "boundary")}
    assert by_view["loss"] and by_view["accuracy"]
    # Out of sight: not drawn at all (nor in the performance timeline).
    assert by_view["confusion"] == [] and by_view["boundary"] == []
    assert page.evaluate("() => performance.getEntriesByName('plot:boundary').length") == 0
    # At most one draw per animation frame per view (far fewer: the views pace themselves).
    frames = page.evaluate("() => window.__frames")
    assert len(by_view["loss"]) <= frames and len(by_view["accuracy"]) <= frames
    # Drawn while the run streamed, not only at its end: an early draw had only part of the events.
    last_seq = max(e["seq"] for e in events)
    assert min(d["seq"] for d in by_view["loss"]) < last_seq
    final_time = events[-1]["time"]
    assert max(d["drawnAt"] for d in by_view["accuracy"]) - final_time < 30  # sanity bound only

    # Scrolled into sight, each draws at once, with the newest state.
    confusion.scroll_into_view_if_needed()
    expect(confusion).to_have_attribute("data-split", "test", timeout=10_000)
    boundary.scroll_into_view_if_needed()
    last_boundary = [e for e in events if e["type"] == "decision_boundary"][-1]
    expect(boundary).to_have_attribute("data-epoch", str(last_boundary["epoch"]), timeout=10_000)
    drawn = {d["view"] for d in _draws(page, run_id)}
    assert {"confusion", "boundary"} <= drawn
    page.screenshot(path=str(screenshot_dir / "page-keeps-up-strip.png"))


def test_with_the_dashboard_expanded_every_view_draws(page: Page, server_url: str, screenshot_dir: Path) -> None:
    page.add_init_script("window.localStorage.setItem('layerlab.dashboardExpanded', '1')")
    run_id, events = _train_spiral(page, server_url)
    expect(page.get_by_role("button", name="Collapse dashboard")).to_be_visible()
    steps = sum(e["type"] == "step" for e in events)
    expect(page.get_by_role("img", name="Loss chart")).to_have_attribute("data-points", str(steps), timeout=10_000)
    expect(page.get_by_role("table", name="Confusion matrix")).to_have_attribute("data-split", "test", timeout=10_000)
    last_boundary = [e for e in events if e["type"] == "decision_boundary"][-1]
    expect(page.get_by_role("img", name="Decision boundary")).to_have_attribute(
        "data-epoch", str(last_boundary["epoch"]), timeout=10_000
    )
    drawn = {d["view"] for d in _draws(page, run_id)}
    assert {"loss", "accuracy", "confusion", "boundary"} <= drawn
    page.screenshot(path=str(screenshot_dir / "page-keeps-up-expanded.png"))
