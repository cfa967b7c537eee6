"""Inside the network, in the browser: the canvas views on nodes and edges, the node panel, the scrubber.

Real server, real websocket, real Chromium. The spiral template trains: its nodes carry an
activation histogram and, on this 2-D set, one small heatmap per unit; its edges are drawn with
the gradient flowing back through them; a selected node's panel shows its charts; the scrubber
takes every inside view back to an earlier step and Live brings it back. The deep sigmoid
template shows a vanishing-gradient warning on the node it names, with faded edges before it.
The CIFAR CNN (generated CIFAR-shaped data, one short epoch) shows feature-map thumbnails on its
convolutions.

The spiral and CIFAR runs use a server of their own (generated CIFAR-shaped data, telemetry
more often than the default); the deep sigmoid one the shared server at the default rates.

Screenshots go to the test's tmp dir and to /tmp/shots/ (for a person to look at).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from editor_canvas import node, select_node
from playwright.sync_api import Locator, Page, expect

from layerlab.api.testing import ServerProcess

DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
SHOTS = Path("/tmp/shots")

#: Enough epochs for a dozen telemetry snapshots, few enough to stay in seconds.
SPIRAL_EPOCHS = "30"


def shot(page: Page, tmp_path: Path, name: str, target: Locator | None = None) -> None:
    """Save a screenshot in the test's tmp dir and copy it to /tmp/shots/."""
    path = tmp_path / name
    (target or page).screenshot(path=str(path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / name)


def shot_panel(page: Page, tmp_path: Path, name: str, node_id: str) -> None:
    """The whole node panel: a tall window for a moment, so every chart is in sight and drawn."""
    page.set_viewport_size({"width": 1280, "height": 2600})
    panel = page.get_by_role("region", name=f"Inside {node_id}")
    for chart in panel.locator("canvas").all():
        wait_painted(chart)
    shot(page, tmp_path, name, panel)
    page.set_viewport_size({"width": 1280, "height": 720})


def painted_pixels(canvas: Locator) -> int:
    """How many pixels of a <canvas> are not transparent (0: nothing was drawn)."""
    return int(
        canvas.evaluate(
            """(c) => {
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
              let n = 0
              for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1
              return n
            }"""
        )
    )


def wait_painted(canvas: Locator, at_least: int = 1) -> None:
    """Scroll a <canvas> into sight (views out of sight do not draw) and wait until it is drawn."""
    canvas.scroll_into_view_if_needed()
    canvas.page.wait_for_function(
        """([c, n]) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
          let k = 0
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k += 1
          return k >= n
        }""",
        arg=[canvas.element_handle(), at_least],
        timeout=5_000,
    )


def load_template(page: Page, base_url: str, title: str) -> None:
    page.goto(base_url)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(f"^{title}", re.I)).click()
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=15_000)


def wait_until_completed(page: Page, timeout: float = 90_000) -> None:
    expect(page.get_by_role("region", name="Test results")).to_be_visible(timeout=timeout)


def test_spiral_nodes_edges_panel_and_scrubber(page: Page, inside_server: ServerProcess, tmp_path: Path) -> None:
    load_template(page, inside_server.base_url, "Spiral")
    page.get_by_label("Epochs").fill(SPIRAL_EPOCHS)
    page.get_by_role("button", name="Train", exact=True).click()

    # While it trains, each hidden node carries its activation histogram and neuron heatmaps.
    card = page.get_by_test_id("inside-dense_1")
    expect(card.locator("canvas.inside-sparkline")).to_be_visible(timeout=30_000)
    heatmaps = card.locator("canvas.inside-tiles")
    expect(heatmaps).to_have_attribute("data-kind", "plane", timeout=30_000)
    assert int(heatmaps.get_attribute("data-count") or "0") >= 8  # one square per unit (the server may send fewer)
    wait_until_completed(page)

    assert painted_pixels(card.locator("canvas.inside-sparkline")) > 0
    assert painted_pixels(heatmaps) > 100
    for node_id in ("dense_2", "output"):
        expect(page.get_by_test_id(f"inside-{node_id}").locator("canvas.inside-sparkline")).to_be_visible()

    # Every edge is drawn with the gradient flowing back through it.
    edges = page.locator(".react-flow__edge-path.has-gradient")
    expect(edges).to_have_count(3)
    for i in range(3):
        level = float(edges.nth(i).get_attribute("data-gradient-level") or "nan")
        assert 0 <= level <= 1
        width = edges.nth(i).evaluate("(p) => parseFloat(getComputedStyle(p).strokeWidth)")
        assert width >= 1
    # a healthy network: gradient reaches every edge (none faded to nothing)
    levels = [float(edges.nth(i).get_attribute("data-gradient-level") or "0") for i in range(3)]
    assert min(levels) > 0.3, levels
    shot(page, tmp_path, "inside-spiral-canvas.png")

    # The node's panel: its charts, each with a sentence on how to read it.
    select_node(page, "dense_1")
    panel = page.get_by_role("region", name="Inside dense_1")
    expect(panel).to_be_visible()
    for title, label in [
        ("Activation distribution over time", "Activation distribution of dense_1"),
        ("Weights over time", "Weight histograms of dense_1"),
        ("Gradients over time", "Gradient histograms of dense_1"),
        ("Gradient norm and update ratio", "Gradient norm of dense_1"),
        ("What this node computes", "Neuron heatmaps of dense_1"),
    ]:
        section = panel.get_by_role("region", name=title)
        expect(section).to_be_visible()
        expect(section.locator(".node-view-description")).not_to_be_empty()
        chart = section.get_by_role("img", name=re.compile(f"^{re.escape(label)}"))
        wait_painted(chart)
    shot_panel(page, tmp_path, "inside-spiral-panel.png", "dense_1")

    # The scrubber takes every inside view back to an earlier step; Live brings it back.
    live_step = int(card.get_attribute("data-step") or "0")
    scrubber = page.get_by_role("group", name="Time scrubber")
    slider = scrubber.get_by_role("slider")
    expect(slider).to_be_visible()
    assert int(slider.get_attribute("max") or "0") >= 4  # several recorded snapshots to move over
    slider.fill("0")
    first_step = slider.get_attribute("data-step")
    assert first_step is not None and int(first_step) < live_step
    expect(card).to_have_attribute("data-step", first_step)
    expect(panel).to_contain_text(f"at step {first_step}")
    expect(panel.get_by_role("img", name=re.compile("^Activation distribution"))).to_have_attribute(
        "data-step", first_step
    )
    expect(heatmaps).to_have_attribute("data-step", first_step)
    shot(page, tmp_path, "inside-spiral-scrubbed.png")

    scrubber.get_by_role("button", name="Play").click()
    expect(scrubber.get_by_role("button", name="Pause")).to_be_visible()
    expect(card).not_to_have_attribute("data-step", first_step, timeout=5_000)
    scrubber.get_by_role("button", name="Live").click()
    expect(card).to_have_attribute("data-step", str(live_step))
    expect(panel).to_contain_text("live")


def test_deep_sigmoid_network_shows_vanishing_gradients(page: Page, server_url: str, tmp_path: Path) -> None:
    load_template(page, server_url, "Deep sigmoid")
    page.get_by_role("button", name="Train", exact=True).click()

    badge = page.locator(".inside-diag-badge[data-kind='vanishing_gradients']")
    expect(badge.first).to_be_visible(timeout=90_000)
    badge.first.hover()
    tooltip = page.get_by_role("tooltip").filter(has_text=re.compile("gradient", re.I)).first
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("What to try")

    # The gradient fades on the way back: the edge out of the first hidden layer is fainter
    # than the edge out of the last one.
    def level(source: str, target: str) -> float:
        edge = page.locator(f".react-flow__edge[aria-label='Edge from {source} to {target}']")
        return float(edge.locator(".react-flow__edge-path.has-gradient").get_attribute("data-gradient-level") or "nan")

    expect(page.locator(".react-flow__edge-path.has-gradient").first).to_be_attached(timeout=30_000)
    assert level("dense_1", "dense_2") < level("dense_6", "output")
    node(page, "dense_1").scroll_into_view_if_needed()
    shot(page, tmp_path, "inside-deep-sigmoid.png")
    wait_until_completed(page)


def write_fake_cifar(folder: Path, records: int) -> None:
    """CIFAR-10 binary batches of random pixels (a label byte, then 3072 pixel bytes per record)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, n in (("data_batch_1", records), ("test_batch", 100)):
        data = np.empty((n, 3073), dtype=np.uint8)
        data[:, 0] = np.arange(n) % 10
        data[:, 1:] = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        (folder / f"{name}.bin").write_bytes(data.tobytes())


@pytest.fixture(scope="module")
def inside_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of these tests' own: generated CIFAR-shaped data, and telemetry often enough that
    a run of a few seconds records a dozen snapshots to scrub through (the default rate and
    budget record few on a run this short, fewer still when the machine is busy)."""
    if not (DIST / "index.html").is_file():
        pytest.skip("the page is not built (run `make e2e`, which builds it)")
    root = tmp_path_factory.mktemp("inside")
    write_fake_cifar(root / "data" / "cifar-10", 320)
    env = {
        "LAYERLAB_STATIC_DIR": str(DIST),
        "LAYERLAB_DATA_DIR": str(root / "data"),
        "LAYERLAB_TELEMETRY_EVENTS_PER_S": "20",
        "LAYERLAB_TELEMETRY_BUDGET": "0.5",
    }
    with ServerProcess(root / "home", env=env) as server:
        yield server


def test_cifar_cnn_shows_feature_maps_on_its_convolutions(
    page: Page, inside_server: ServerProcess, tmp_path: Path
) -> None:
    load_template(page, inside_server.base_url, "CIFAR")
    page.get_by_label("Epochs").fill("1")
    page.get_by_role("button", name="Train", exact=True).click()

    for conv in ("conv_1", "conv_2"):
        tiles = page.get_by_test_id(f"inside-{conv}").locator("canvas.inside-tiles")
        expect(tiles).to_have_attribute("data-kind", "maps", timeout=60_000)
        assert int(tiles.get_attribute("data-count") or "0") >= 4
    wait_until_completed(page)
    tiles = page.get_by_test_id("inside-conv_1").locator("canvas.inside-tiles")
    assert painted_pixels(tiles) > 100

    select_node(page, "conv_1")
    probe = page.get_by_role("region", name="Inside conv_1").get_by_role("region", name="What this node computes")
    maps = probe.get_by_role("img", name="Feature maps of conv_1")
    wait_painted(maps, 100)
    shot(page, tmp_path, "inside-cifar-canvas.png")
    shot_panel(page, tmp_path, "inside-cifar-panel.png", "conv_1")
