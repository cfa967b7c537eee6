"""Build and train a network without the mouse: "/" searches the layers, Enter adds the best match.

Each layer added from the keyboard goes below the selected node and is wired to it, and becomes
the selected node itself, so typing "Input ⏎ Flatten ⏎ Dense ⏎ Dense ⏎" builds the chain.
"""

from __future__ import annotations

import re
from pathlib import Path

from editor_canvas import node
from playwright.sync_api import Page, expect


def test_build_and_train_with_the_keyboard_only(page: Page, server_url: str, screenshot_dir: Path) -> None:
    page.goto(server_url)
    expect(page.get_by_role("button", name="Dense", exact=True)).to_be_visible()
    # A native <select> (keyboard-operable by itself; typing a name into it is at the mercy of the
    # browser's type-ahead timing, and "Diabetes" also starts with "Di").
    page.get_by_label("Data set", exact=True).select_option("digits")

    page.get_by_role("button", name="Templates").focus()  # anywhere but a form field
    page.keyboard.press("/")
    search = page.get_by_label("Search layers")
    expect(search).to_be_focused()
    for name in ["Input", "Flatten", "dense", "Dense"]:
        page.keyboard.type(name)
        page.keyboard.press("Enter")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    # wired in order: Flatten hands Dense 64 features (64·32 + 32 = 2,080 weights)
    expect(page.locator(".edge-label", has_text="(batch, 64)")).to_have_count(1)
    expect(node(page, "dense_1")).to_contain_text("2.08k params")

    # The last Dense is selected: its units are in the inspector, one Tab away from nothing but the field.
    units = page.get_by_role("region", name="Inspector").get_by_label("units", exact=True)
    units.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    expect(node(page, "dense_2")).to_contain_text("(batch, 10)", timeout=10_000)

    epochs = page.get_by_label("Epochs", exact=True)
    epochs.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=10_000)
    page.keyboard.press("Enter")  # submits the training form, as the Train button does

    results = page.get_by_role("region", name="Test results")
    expect(results).to_contain_text(re.compile(r"Test accuracy \d{1,3}\.\d%"), timeout=60_000)
    page.screenshot(path=str(screenshot_dir / "keyboard_only.png"))
