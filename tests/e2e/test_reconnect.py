"""A dropped websocket mid-run: the page reconnects by itself and the charts go on with no gap
and no duplicate point.

Playwright's ``page.route_web_socket`` sits between the page and the server: it forwards the
run's events, then closes the page's socket after a few dozen messages and refuses new
connections for a moment (as a flaky network would). The page must show "Reconnecting…",
come back with ``?after=<last seq>`` and end with exactly the server's record on its charts.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, WebSocketRoute, expect

#: Messages the first connection delivers before the test drops it.
DROP_AFTER = 40
#: How long new connections are refused after the drop (the page backs off meanwhile).
DOWN_FOR_S = 1.5


class FlakyNetwork:
    """Proxies the run's event websockets; drops the first one once, then refuses for a while."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.delivered: list[int] = []
        self.refused = 0
        self.dropped_at: float | None = None

    def handle(self, ws: WebSocketRoute) -> None:
        if self.dropped_at is not None and time.monotonic() - self.dropped_at < DOWN_FOR_S:
            self.refused += 1
            ws.close(code=1013, reason="try again later")
            return
        index = len(self.urls)
        self.urls.append(ws.url)
        self.delivered.append(0)
        server = ws.connect_to_server()

        def forward(message: str | bytes) -> None:
            ws.send(message)
            self.delivered[index] += 1
            if index == 0 and self.delivered[index] == DROP_AFTER:
                self.dropped_at = time.monotonic()
                server.close()
                ws.close(code=4000, reason="network dropped by the test")

        server.on_message(forward)

    def after_of(self, index: int) -> int:
        return int(parse_qs(urlparse(self.urls[index]).query)["after"][0])


def _plotted_x(page: Page, chart: str, trace: int) -> list[float]:
    # The canvas chart keeps the series it last drew on its element (`plotted`, LineCanvas.tsx).
    script = f"el => {{ const s = el.plotted?.[{trace}]; return s ? Array.from(s.x).slice(0, s.count) : [] }}"
    values: Any = page.get_by_role("img", name=chart).evaluate(script)
    return [float(v) for v in values]


def test_dropped_websocket_reconnects_and_resumes_without_gap_or_duplicate(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    network = FlakyNetwork()
    page.route_web_socket(re.compile(r"/api/runs/[^/]+/events"), network.handle)
    page.goto(server_url)

    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=15_000)
    # Far more epochs than the test waits for: it stops the run itself, so the run is
    # still going when the socket drops, however fast this machine trains.
    page.get_by_label("Epochs").fill("1000")  # the server's default limit
    page.get_by_role("button", name="Expand dashboard").click()
    train.click()

    # The drop: the page notices and says so, then comes back on its own.
    reconnecting = page.get_by_text("Reconnecting…")
    expect(reconnecting).to_be_visible(timeout=30_000)
    page.screenshot(path=str(screenshot_dir / "reconnect-reconnecting.png"))
    expect(reconnecting).to_be_hidden(timeout=15_000)
    assert len(network.urls) >= 2, network.urls
    assert network.refused >= 1, "the page should have retried while the network was down"
    resumed_after = network.after_of(1)
    assert network.after_of(0) == 0
    assert resumed_after > 0, "the page must resume after the last event it has, not replay from 0"

    # Let it train on the new connection for a few epochs, then stop it.
    accuracy = page.get_by_role("img", name="Accuracy chart")
    epochs_then = int(accuracy.get_attribute("data-epochs") or 0)
    page.wait_for_function(
        "n => Number(document.querySelector('[aria-label=\"Accuracy chart\"]')?.dataset.epochs) >= n",
        arg=epochs_then + 3,
        timeout=30_000,
    )
    page.get_by_role("group", name="Run controls").get_by_role("button", name="Stop").click()
    expect(page.locator(".run-head").get_by_text("Stopped", exact=True)).to_be_visible(timeout=30_000)

    loss = page.get_by_role("img", name="Loss chart")
    run_id = loss.get_attribute("data-run-id")
    assert run_id
    events = page.request.get(f"{server_url}/api/runs/{run_id}/events?after=0").json()
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    assert resumed_after < seqs[-1], "the drop happened mid-run"
    steps = [e["step"] for e in events if e["type"] == "step"]
    epochs = [e["epoch"] for e in events if e["type"] == "epoch"]
    assert len(epochs) > 3

    # Exactly the server's record on screen: every step point once, epochs 1..N in order.
    expect(loss).to_have_attribute("data-points", str(len(steps)))
    expect(accuracy).to_have_attribute("data-epochs", str(len(epochs)))
    assert _plotted_x(page, "Loss chart", 0) == [float(s) for s in steps]
    assert _plotted_x(page, "Accuracy chart", 0) == [float(n) for n in range(1, len(epochs) + 1)]
    assert epochs == list(range(1, len(epochs) + 1))
    page.screenshot(path=str(screenshot_dir / "reconnect-resumed.png"))
