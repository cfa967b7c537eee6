"""Build the seed MLP with the mouse, train it on digits, and see the live charts and the result."""

from __future__ import annotations

import re
from pathlib import Path

from editor_canvas import connect, drop_layer, node, select_node
from playwright.sync_api import Page, expect


def test_build_seed_mlp_by_drag_and_drop_and_train_on_digits(page: Page, server_url: str, screenshot_dir: Path) -> None:
    page.goto(server_url)
    expect(page.get_by_role("button", name="Dense", exact=True)).to_be_visible()
    page.get_by_label("Data set", exact=True).select_option("digits")

    # Input → Flatten → Dense → Dropout → Dense, zig-zagging so all of it fits at 1280×720.
    drop_layer(page, "Input", 120, 95)
    drop_layer(page, "Flatten", 120, 250)
    drop_layer(page, "Dense", 380, 95)
    drop_layer(page, "Dropout", 380, 250)
    drop_layer(page, "Dense", 640, 95)
    for source, target in [
        ("input_1", "flatten_1"),
        ("flatten_1", "dense_1"),
        ("dense_1", "dropout_1"),
        ("dropout_1", "dense_2"),
    ]:
        connect(page, source, target)

    inspector = page.get_by_role("region", name="Inspector")
    select_node(page, "dense_1")
    inspector.get_by_label("units", exact=True).fill("32")
    inspector.get_by_label("activation", exact=True).select_option("relu")
    select_node(page, "dropout_1")
    inspector.get_by_label("rate", exact=True).fill("0.2")
    select_node(page, "dense_2")
    inspector.get_by_label("units", exact=True).fill("10")
    inspector.get_by_label("activation", exact=True).select_option("softmax")

    # Live validation: shapes on nodes and edges, parameter counts, the total in the header.
    expect(node(page, "flatten_1")).to_contain_text("(batch, 64)")
    expect(node(page, "dense_1")).to_contain_text("(batch, 32)")
    expect(node(page, "dense_2")).to_contain_text("(batch, 10)")
    expect(page.locator(".edge-label", has_text="(batch, 64)")).to_have_count(1)
    # 64·32 + 32 + 32·10 + 10 = 2410
    expect(page.get_by_label("Total parameters")).to_contain_text("2,410")

    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=10_000)
    page.get_by_label("Epochs", exact=True).fill("3")
    train.click()

    loss = page.get_by_role("img", name="Loss chart")
    expect(loss).to_be_visible(timeout=20_000)
    expect(loss).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"), timeout=30_000)
    expect(page.get_by_role("table", name="Confusion matrix")).to_be_visible(timeout=30_000)
    results = page.get_by_role("region", name="Test results")
    expect(results).to_contain_text(re.compile(r"[Aa]ccuracy\s*\d+(\.\d+)?\s*%"), timeout=40_000)

    # Tidy the drawing with the auto-layout, then show it and the charts; then on a projector.
    page.get_by_role("button", name="Auto layout").click()
    expect(node(page, "dense_2")).to_be_in_viewport()
    page.wait_for_timeout(400)  # the fit-view animation
    page.screenshot(path=str(screenshot_dir / "editor_build_and_train.png"))
    page.get_by_role("button", name="Presenter").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresenter\b"))
    page.wait_for_timeout(400)
    page.screenshot(path=str(screenshot_dir / "editor_build_and_train_presenter.png"))
