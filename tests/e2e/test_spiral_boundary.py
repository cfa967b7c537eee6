"""Load the spiral template, train it, and watch the decision boundary draw itself.

The TensorFlow-Playground view: the plane coloured by the prediction (a plotly heatmap)
with the data points on top, updated while the network trains; the test metrics at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

#: Enough epochs for the spiral to be visibly learned, few enough to stay well under a minute.
EPOCHS = "25"


def test_spiral_template_trains_and_draws_its_decision_boundary(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
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

    # The boundary appears after the first epochs, while the run is still going.
    boundary = page.get_by_role("img", name="Decision boundary")
    # Charts out of sight do not draw: at 1280 px the boundary is past the strip's right edge.
    boundary.scroll_into_view_if_needed()
    expect(boundary.locator(".heatmaplayer image")).to_have_count(1, timeout=30_000)
    expect(boundary.locator(".scatterlayer .point").first).to_be_attached()

    results = page.get_by_role("region", name="Test results")
    expect(results).to_be_visible(timeout=60_000)
    expect(results).to_contain_text(re.compile(r"Test accuracy \d{1,3}\.\d%"))
    expect(page.get_by_text("Completed").first).to_be_visible()

    # The last boundary is the trained network's: after the final epoch, with both classes drawn.
    expect(boundary).to_have_attribute("data-epoch", re.compile(r"^\d+$"))
    assert boundary.locator(".scatterlayer .trace").count() == 2
    # Scrolled back into sight, the curves draw the newest state.
    page.get_by_role("img", name="Loss chart").scroll_into_view_if_needed()
    expect(page.get_by_role("img", name="Loss chart")).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))
    page.get_by_role("img", name="Accuracy chart").scroll_into_view_if_needed()
    expect(page.get_by_role("img", name="Accuracy chart")).to_have_attribute("data-epochs", EPOCHS)

    page.screenshot(path=str(screenshot_dir / "spiral-boundary-strip.png"))
    page.get_by_role("button", name="Expand dashboard").click()
    expect(page.get_by_role("button", name="Collapse dashboard")).to_be_visible()
    page.wait_for_timeout(400)  # let plotly resize to the bigger boxes
    page.screenshot(path=str(screenshot_dir / "spiral-boundary.png"))
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Expand dashboard")).to_be_visible()
