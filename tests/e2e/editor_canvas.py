"""Helpers for driving the editor's canvas in browser tests (drag from the palette, wire handles).

Elements are found by role and label; only the canvas (``data-testid="canvas"``) and React Flow's
own node test ids (``rf__node-<id>``) are addressed by test id.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def pane(page: Page) -> Locator:
    """The canvas's empty background, where palette entries are dropped."""
    return page.get_by_test_id("canvas").locator(".react-flow__pane")


def node(page: Page, node_id: str) -> Locator:
    """A node on the canvas by its id (``dense_1``)."""
    return page.get_by_test_id(f"rf__node-{node_id}")


def drop_layer(page: Page, layer_type: str, x: float, y: float) -> None:
    """Drag the palette button of ``layer_type`` onto the canvas at (x, y) within the pane (HTML5 DnD)."""
    before = page.locator(".react-flow__node").count()
    page.get_by_role("button", name=layer_type, exact=True).drag_to(pane(page), target_position={"x": x, "y": y})
    expect(page.locator(".react-flow__node")).to_have_count(before + 1)


def wait_for_validation(page: Page) -> None:
    """Wait until the live validation has answered (nodes change size when it does)."""
    expect(page.get_by_test_id("canvas")).to_have_attribute("aria-busy", "false")


def connect(page: Page, source_id: str, target_id: str) -> None:
    """Wire ``source_id``'s output handle to ``target_id``'s input handle with the mouse."""
    before = page.locator(".react-flow__edge").count()
    wait_for_validation(page)
    source = node(page, source_id).locator(".react-flow__handle.source")
    target = node(page, target_id).locator(".react-flow__handle.target")
    a = source.bounding_box()
    b = target.bounding_box()
    assert a is not None and b is not None
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, steps=5)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=5)
    page.mouse.up()
    expect(page.locator(".react-flow__edge")).to_have_count(before + 1)


def select_node(page: Page, node_id: str) -> None:
    """Click a node's title so the inspector shows it."""
    node(page, node_id).locator(".layer-node-head").click()
    expect(page.get_by_role("region", name="Inspector")).to_contain_text(node_id)
