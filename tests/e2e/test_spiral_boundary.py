"""Load the spiral template, train it, and watch the decision boundary draw itself.

The TensorFlow-Playground view: the plane coloured by the prediction (a canvas: the grid as a
small image drawn scaled) with the data points on top, redrawn while the network trains; the
test metrics at the end. A MutationObserver notes every ``data-epoch`` the boundary shows, so the
test sees it advance however fast the run is. The pixels of the canvas show both classes'
colours; the hover read-out and a click on the plane agree (the click sets the point the Ask the
model view asks about), and the plane has equal aspect (a step across and one up in pixels are
the same step in data units).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

#: Enough epochs for the spiral to be learned and for the page to show several boundaries on the way
#: (a run of 25 was over in a quarter of a second), few enough to stay well under a minute.
EPOCHS = "150"

#: Notes each `data-epoch` the decision boundary shows, in order.
EPOCH_WATCH = """
window.__boundaryEpochs = [];
const watch = () => new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.getAttribute('aria-label') !== 'Decision boundary') continue;
    const v = r.target.getAttribute('data-epoch');
    if (v) window.__boundaryEpochs.push(Number(v));
  }
}).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-epoch'] });
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
"""

#: Shares of the canvas in each class's colour (orange-like, blue-like), and its size.
CLASS_PIXELS = """(el) => {
  const c = el.querySelector('canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let orange = 0, blue = 0;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    if (d[i + 3] < 200) continue;
    if (r - b > 80 && r > g) orange += 1;
    else if (b - r > 80 && b > g) blue += 1;
  }
  const n = c.width * c.height;
  return { orange: orange / n, blue: blue / n, width: c.width, height: c.height };
}"""

POSITION = re.compile(r"^x (-?[\d.]+), y (-?[\d.]+)$")


def _hover(boundary: Locator, x: float, y: float) -> tuple[float, float, str]:
    """Hover (x, y) px inside the boundary: the read-out's position and its value line."""
    boundary.hover(position={"x": x, "y": y})
    tip = boundary.locator(".chart-hover")
    expect(tip).to_be_visible()
    match = POSITION.match(tip.locator("span").first.inner_text())
    assert match, tip.inner_text()
    return float(match[1]), float(match[2]), tip.locator("strong").inner_text()


def _click(page: Page, boundary: Locator, x: float, y: float) -> tuple[float, float]:
    """Click (x, y) px on the plane: the point the Ask the model view then shows."""
    ask = page.get_by_role("figure", name="Ask the model")
    fields = ask.get_by_label("x", exact=True), ask.get_by_label("y", exact=True)
    before = [f.input_value() for f in fields]
    boundary.click(position={"x": x, "y": y})
    expect(fields[0]).not_to_have_value(before[0])
    expect(fields[1]).not_to_have_value(before[1])
    return float(fields[0].input_value()), float(fields[1].input_value())


def test_spiral_template_trains_and_draws_its_decision_boundary(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    page.add_init_script(EPOCH_WATCH)
    page.goto(server_url)

    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible(timeout=15_000)

    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    # The template's training settings fill the form (spiral_mlp trains with Adam at 0.01).
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.01")
    expect(train).to_be_enabled(timeout=15_000)

    page.get_by_label("Epochs").fill(EPOCHS)
    train.click()

    controls = page.get_by_role("group", name="Run controls")
    expect(controls.get_by_role("button", name="Stop")).to_be_visible(timeout=15_000)

    # The boundary appears after the first epochs.
    boundary = page.get_by_role("img", name="Decision boundary")
    # Charts out of sight do not draw: at 1280 px the boundary is past the strip's right edge.
    boundary.scroll_into_view_if_needed()
    expect(boundary).to_have_attribute("data-epoch", re.compile(r"^\d+$"), timeout=30_000)

    results = page.get_by_role("region", name="Test results")
    expect(results).to_be_visible(timeout=60_000)
    expect(results).to_contain_text(re.compile(r"Test accuracy \d{1,3}\.\d%"))
    expect(page.get_by_text("Completed").first).to_be_visible()

    # The last boundary is the trained network's: it advanced through the run to the last one sent.
    run_id = boundary.get_attribute("data-run-id")
    assert run_id
    events: list[dict[str, Any]] = httpx.get(f"{server_url}/api/runs/{run_id}/events").json()
    last = [e for e in events if e["type"] == "decision_boundary"][-1]
    expect(boundary).to_have_attribute("data-epoch", str(last["epoch"]), timeout=10_000)
    shown: list[int] = page.evaluate("() => window.__boundaryEpochs")
    assert shown == sorted(shown) and len(set(shown)) >= 2 and shown[-1] == last["epoch"], shown
    # Both classes: one legend entry each, and both colours on the canvas (the plane and the points).
    expect(boundary.locator(".boundary-legend li")).to_have_count(2)
    pixels = boundary.evaluate(CLASS_PIXELS)
    assert pixels["orange"] > 0.05 and pixels["blue"] > 0.05, pixels

    # Scrolled back into sight, the curves draw the newest state.
    page.get_by_role("img", name="Loss chart").scroll_into_view_if_needed()
    expect(page.get_by_role("img", name="Loss chart")).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))
    page.get_by_role("img", name="Accuracy chart").scroll_into_view_if_needed()
    expect(page.get_by_role("img", name="Accuracy chart")).to_have_attribute("data-epochs", EPOCHS)

    page.screenshot(path=str(screenshot_dir / "spiral-boundary-strip.png"))
    page.get_by_role("button", name="Expand dashboard").click()
    expect(page.get_by_role("button", name="Collapse dashboard")).to_be_visible()
    boundary.scroll_into_view_if_needed()
    box = boundary.bounding_box()
    assert box
    # Off the centre (the spiral's middle is near 0, 0: the Ask view's starting point).
    cx, cy = box["width"] / 2 - 50, box["height"] / 2 + 40

    # Hover: where the pointer is and what the model says there (P(class …) for two classes).
    hx, hy, value = _hover(boundary, cx, cy)
    assert last["x_range"][0] < hx < last["x_range"][1] and last["y_range"][0] < hy < last["y_range"][1]
    assert re.fullmatch(r"P\(class \S+\) = [01]\.\d\d", value), value
    # A click there sets the plane point in data units: the Ask the model view shows it.
    x0, y0 = _click(page, boundary, cx, cy)
    assert abs(x0 - hx) <= 0.06 and abs(y0 - hy) <= 0.06, (x0, y0, hx, hy)
    # Equal aspect, y up: 60 px right and 60 px up is the same step in x as in y.
    x1, y1 = _click(page, boundary, cx + 60, cy - 60)
    dx, dy = x1 - x0, y1 - y0
    assert dx > 0 and dy > 0 and abs(dx - dy) <= 0.05, (dx, dy)
    expect(boundary).to_have_attribute("data-epoch", str(last["epoch"]))

    boundary.hover(position={"x": 2, "y": 2})  # off the plane: no read-out in the screenshot
    expect(boundary.locator(".chart-hover")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "spiral-boundary.png"))
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Expand dashboard")).to_be_visible()
