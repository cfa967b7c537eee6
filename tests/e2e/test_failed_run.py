"""A run that diverges fails on the page with its reason and what to try, never a stack trace.

The design comes in through a share link (``#design=j<base64url(JSON)>``), as a colleague would
send it: a regression MLP on ``plane`` trained by SGD at a learning rate of 10, whose loss
overflows within a few steps.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

DIVERGING = {
    "graph": {
        "version": 1,
        "nodes": [
            {"id": "in", "type": "Input"},
            {"id": "h", "type": "Dense", "params": {"units": 32, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 1}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    },
    "dataset": {"name": "plane"},
    "training": {"epochs": 3, "batch_size": 32, "optimizer": "sgd", "learning_rate": 10, "loss": "mse"},
}


def _share_link(server_url: str, design: dict[str, object]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(design).encode()).decode().rstrip("=")
    return f"{server_url}/#design=j{payload}"


def test_a_diverging_run_fails_with_its_reason_and_hint(page: Page, server_url: str, screenshot_dir: Path) -> None:
    page.goto(_share_link(server_url, DIVERGING))
    expect(page.get_by_text("Opened the design in the link.")).to_be_visible(timeout=15_000)
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("10")

    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=15_000)
    train.click()

    failure = page.locator(".run-failure")
    expect(failure).to_be_visible(timeout=60_000)
    expect(failure).to_have_attribute("role", "alert")
    expect(failure).to_contain_text(re.compile(r"^Training failed: .*\b(nan|inf)\b", re.I))
    expect(failure.locator(".run-failure-hint")).to_contain_text(re.compile(r"What to try: .*learning rate", re.I))
    expect(page.get_by_role("region", name="Runs").get_by_text("Failed").first).to_be_visible()
    assert "Traceback" not in page.content()
    failure.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "failed_run.png"))
