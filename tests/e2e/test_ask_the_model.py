"""Train the digits MLP, then look at its predictions and ask it about a drawn digit.

Real server, real Chromium. The gallery lists the test examples misclassified first, each with
its prediction and confidence, exactly as ``GET /api/runs/{id}/predictions`` ranks them; a click
on a confusion-matrix cell filters it to that cell. A digit drawn with the mouse on the Ask
view's pad gets prediction bars (the same probabilities ``POST /api/runs/{id}/predict`` gives for
the input the page sent), the activations of every node of the graph and a saliency map; a
gallery example clicked is asked about in the same way.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Request, expect

#: How long the page sends nothing new before its newest request is taken as the last one.
QUIET_S = 0.8

TITLE = re.compile(r"^example (\d+): true (\S+), predicted (\S+) \((\d+) %\)$")


def shown_items(gallery: Locator) -> list[tuple[int, str, str, int]]:
    """The gallery's examples as the page shows them: (index, true, predicted, confidence %)."""
    out = []
    for title in gallery.locator(".gallery-item button").evaluate_all("(bs) => bs.map((b) => b.title)"):
        match = TITLE.match(title)
        assert match, title
        out.append((int(match[1]), match[2], match[3], int(match[4])))
    return out


def api_items(page_json: dict[str, Any]) -> list[tuple[int, str, str, int]]:
    labels = page_json["labels"]
    return [
        (i["index"], labels[i["label"]], labels[i["predicted"]], round(i["confidence"] * 100))
        for i in page_json["items"]
    ]


def dequantized(q: dict[str, Any]) -> list[float]:
    """A ``Quantized`` array's values, flat (``low + q / 255 * (high - low)``)."""
    return [q["low"] + v / 255 * (q["high"] - q["low"]) for v in base64.b64decode(q["data"])]


def settled(
    page: Page, requests: list[Request], done: Callable[[list[float]], bool], timeout_s: float = 15
) -> dict[str, Any]:
    """The body of the page's newest predict request, once its input is `done` and the page has stopped sending.

    The page sends at most 4 requests a second, the newest input last; a busy page sends it late.
    (Playwright hands over the page's events while it waits, so this waits with the page.)
    """
    deadline = time.monotonic() + timeout_s
    seen, since = len(requests), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if len(requests) != seen:
            seen, since = len(requests), time.monotonic()
            continue
        if not seen or time.monotonic() - since < QUIET_S:
            continue
        body: dict[str, Any] = requests[-1].post_data_json or {}
        if done(body["inputs"][0]):
            return body
    raise AssertionError(f"the page's newest predict request is not the input yet ({len(requests)} sent)")


def shot(card: Locator, path: Path) -> None:
    """A screenshot of a whole card: a tall window for a moment, so all of it is in sight and drawn."""
    page = card.page
    page.set_viewport_size({"width": 1280, "height": 2000})
    card.scroll_into_view_if_needed()
    for canvas in card.locator("canvas").all():
        page.wait_for_function("(c) => c.width > 0 && c.height > 0", arg=canvas.element_handle())
    page.wait_for_timeout(200)  # a frame or two: views draw on the next frame once in sight
    card.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 720})


def check_answer(ask: Locator, run: str, body: dict[str, Any], nodes: list[str]) -> None:
    """The Ask view's bars, activations and saliency map are the API's answer to `body`."""
    answer = httpx.post(f"{run}/predict", json=body, timeout=30).raise_for_status().json()
    probs = answer["probabilities"][0]
    assert len(probs) == 10 and abs(sum(probs) - 1) < 1e-3
    bars = ask.get_by_role("list", name="Prediction bars").locator("li")
    top = max(range(10), key=lambda k: probs[k])
    expect(ask.locator(".ask-bars li.is-top")).to_have_attribute("data-class", str(top))
    assert answer["predictions"][0] == top

    def shown() -> list[float]:
        return [float(p) for p in bars.evaluate_all("(ls) => ls.map((l) => l.dataset.probability)")]

    deadline = time.monotonic() + 5  # the bars may still show the answer before
    while not (len(shown()) == 10 and all(abs(a - b) < 2e-3 for a, b in zip(shown(), probs, strict=True))):
        assert time.monotonic() < deadline, (shown(), probs)
        ask.page.wait_for_timeout(100)
    assert abs(sum(shown()) - 1) < 0.01  # the bars add up to 100 %

    # The input's way through every node of the graph, in order, each drawn.
    rows = ask.get_by_role("list", name="Activations through every layer").locator("li")
    expect(rows).to_have_count(len(nodes))
    assert rows.evaluate_all("(ls) => ls.map((l) => l.dataset.node)") == nodes == list(answer["activations"][0])
    for node_id in ("dense_1", "output"):
        expect(ask.get_by_role("img", name=f"Values of {node_id} for the asked input")).to_be_visible()

    # The saliency map: |gradient| scaled to its maximum, so at least one pixel is full ink.
    saliency = ask.get_by_label("Saliency map").get_by_role("img", name="saliency map")
    expect(saliency).to_be_visible()
    darkest = saliency.evaluate(
        """(c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
          let m = 255
          for (let i = 0; i < d.length; i += 4) m = Math.min(m, d[i])
          return m
        }"""
    )
    assert darkest < 40, darkest


def test_digits_gallery_confusion_filter_and_drawn_digit(page: Page, server_url: str, screenshot_dir: Path) -> None:
    page.goto(server_url)
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Digits", re.I)).click()
    expect(train).to_be_enabled(timeout=15_000)
    page.get_by_label("Epochs", exact=True).fill("3")
    with page.expect_response(lambda r: r.url.endswith("/api/runs") and r.request.method == "POST") as created:
        train.click()
    run = f"{server_url}/api/runs/{created.value.json()['id']}"
    nodes = [n["id"] for n in httpx.get(run, timeout=30).raise_for_status().json()["request"]["graph"]["nodes"]]
    assert nodes == ["input", "flatten", "dense_1", "dropout", "output"]
    expect(page.get_by_role("region", name="Test results")).to_be_visible(timeout=40_000)
    page.get_by_role("button", name="Expand dashboard").click()

    # The gallery: the test examples as the API ranks them, misclassified first.
    expected = httpx.get(f"{run}/predictions", timeout=30).raise_for_status().json()
    assert expected["split"] == "test" and expected["epoch"] == 3 and expected["items"]
    gallery = page.get_by_role("figure", name="Predictions")
    gallery.scroll_into_view_if_needed()
    caption = f"{expected['misclassified']} of {expected['total']} wrong, after epoch 3"
    expect(gallery.locator("figcaption")).to_contain_text(caption, timeout=20_000)
    items = shown_items(gallery)
    assert items == api_items(expected)
    wrong = [t != p for _, t, p, _ in items]
    assert wrong == sorted(wrong, reverse=True)  # no wrong example after a right one
    assert sum(wrong) == min(expected["misclassified"], len(items))
    right = [c for _, t, p, c in items if t == p]
    assert right == sorted(right)  # then the least confident first
    assert all(0 < c <= 100 for *_, c in items)
    expect(gallery.locator(".gallery-item.is-wrong")).to_have_count(sum(wrong))
    shot(gallery, screenshot_dir / "gallery.png")

    # A confusion-matrix cell (of the test matrix) filters the gallery to that cell.
    matrix = page.get_by_role("table", name="Confusion matrix")
    expect(matrix).to_have_attribute("data-split", "test")
    _, true, predicted, _ = items[0]  # a mistake when there is one
    cell = matrix.get_by_role("button", name=re.compile(f"^true {true}, predicted {predicted}: "))
    named = re.search(r": (\d+) \(", cell.get_attribute("aria-label") or "")
    assert named is not None
    count = int(named[1])
    assert count >= 1
    cell.click()
    expect(gallery.get_by_role("status")).to_contain_text(f"Showing true {true} predicted as {predicted}")
    filtered = (
        httpx.get(f"{run}/predictions", params={"true": true, "predicted": predicted}, timeout=30)
        .raise_for_status()
        .json()
    )
    assert filtered["total"] == count
    expect(gallery.locator(".gallery-item")).to_have_count(min(count, 48))
    assert shown_items(gallery) == api_items(filtered)
    assert all(t == true and p == predicted for _, t, p, _ in shown_items(gallery))
    shot(gallery, screenshot_dir / "gallery-filtered.png")
    gallery.get_by_role("button", name="show all").click()
    expect(gallery.get_by_role("status")).to_have_count(0)
    expect(gallery.locator(".gallery-item")).to_have_count(len(items))

    # Ask the model: draw a "7" with the mouse; the page asks as it draws.
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r) if r.url == f"{run}/predict" else None)
    ask = page.get_by_role("figure", name="Ask the model")
    pad = ask.get_by_role("img", name="Drawing canvas")
    pad.scroll_into_view_if_needed()
    expect(pad).to_have_attribute("data-side", "8")
    box = pad.bounding_box()
    assert box is not None
    stroke = [(0.2, 0.2), (0.8, 0.2), (0.6, 0.5), (0.45, 0.85)]
    page.mouse.move(box["x"] + box["width"] * stroke[0][0], box["y"] + box["height"] * stroke[0][1])
    page.mouse.down()
    for x, y in stroke[1:]:
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=8)
    page.mouse.up()
    expect(ask.get_by_role("list", name="Prediction bars")).to_be_visible(timeout=15_000)
    end = int(stroke[-1][1] * 8) * 8 + int(stroke[-1][0] * 8)  # the input pixel the stroke ends on
    body = settled(page, requests, lambda x: x[end] > 0.5)
    assert body["saliency"] is True and len(body["inputs"]) == 1
    drawn = body["inputs"][0]
    assert len(drawn) == 64 and all(0 <= v <= 1 for v in drawn)
    assert sum(v > 0.5 for v in drawn) >= 6  # the stroke is there, in the data set's scale
    assert drawn[56] == 0 and drawn[63] == 0  # the bottom corners untouched
    expect(ask.locator(".ask-bars li.is-top")).to_have_count(1)
    check_answer(ask, run, body, nodes)
    shot(ask, screenshot_dir / "ask-the-model.png")

    # A gallery example clicked is loaded on the pad and asked about (once the view is in sight:
    # a view out of sight asks the server nothing).
    requests.clear()
    gallery.scroll_into_view_if_needed()
    gallery.locator(f'.gallery-item button[title^="example {items[0][0]}:"]').click()
    example = dequantized(expected["items"][0]["input"])
    assert len(example) == 64
    ask.scroll_into_view_if_needed()
    body = settled(
        page, requests, lambda x: len(x) == 64 and all(abs(a - b) < 1e-3 for a, b in zip(x, example, strict=True))
    )
    check_answer(ask, run, body, nodes)
    shot(ask, screenshot_dir / "ask-the-model-example.png")
