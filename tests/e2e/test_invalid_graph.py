"""A Dense wired straight to an image input shows the problem on the node and blocks training."""

from __future__ import annotations

import re
from pathlib import Path

from editor_canvas import connect, drop_layer, node, select_node
from playwright.sync_api import Page, expect


def test_dense_on_image_input_is_outlined_with_flatten_hint_and_train_is_disabled(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    page.goto(server_url)
    page.get_by_label("Data set", exact=True).select_option("digits")
    drop_layer(page, "Input", 200, 100)
    drop_layer(page, "Dense", 200, 260)
    connect(page, "input_1", "dense_1")

    dense = node(page, "dense_1")
    expect(dense).to_contain_text("Insert a Flatten", timeout=10_000)
    expect(dense.locator(".layer-node")).to_have_class(re.compile(r"\binvalid\b"))
    expect(dense).to_contain_text("(batch, 1, 8, 8)")
    # The edge carries the image shape that does not fit.
    expect(page.locator(".edge-label", has_text="(batch, 1, 8, 8)")).to_have_count(1)

    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_disabled()
    expect(page.get_by_text(re.compile(r'Fix 1 problem first: Node "dense_1"'))).to_be_visible()

    # The problem is listed too, and pressing it selects the node in the inspector.
    page.get_by_role("region", name="Problems").get_by_role("button").first.click()
    expect(page.get_by_role("region", name="Inspector")).to_contain_text("Insert a Flatten")
    train.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "invalid_graph.png"))

    # Inserting a Flatten (drop, rewire) makes the graph valid and enables Train.
    drop_layer(page, "Flatten", 470, 100)
    page.locator(".edge-label", has_text="(batch, 1, 8, 8)").click()  # selects the edge
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    connect(page, "input_1", "flatten_1")
    connect(page, "flatten_1", "dense_1")
    select_node(page, "dense_1")
    page.get_by_role("region", name="Inspector").get_by_label("units", exact=True).fill("10")
    expect(train).to_be_enabled(timeout=10_000)
    expect(dense.locator(".layer-node")).not_to_have_class(re.compile(r"\binvalid\b"))
    expect(page.get_by_label("Total parameters")).to_contain_text("650")  # 64·10 + 10

    # The estimate of a training step sits beside the total and follows the batch size:
    # 3 × batch × 1,280 FLOPs (the Dense's 2 · 64 · 10 per sample).
    estimate = page.get_by_label("Estimated cost")
    expect(estimate).to_contain_text("memory · 123 kFLOP per step")
    page.get_by_label("Batch size", exact=True).fill("256")
    expect(estimate).to_contain_text("memory · 983 kFLOP per step", timeout=10_000)
    estimate.locator("summary").click()  # opens the breakdown
    breakdown = page.get_by_role("group", name="Cost breakdown")
    expect(breakdown).to_contain_text("Activations (batch of 256)")
    expect(breakdown).to_contain_text("Optimizer state (adam)")
    page.screenshot(path=str(screenshot_dir / "cost_estimate.png"))
