"""Sequences and text in the browser: the names model writes live samples that follow the
temperature slider and, once trained, writes on demand; a causal Transformer shows its attention
maps (nothing above the diagonal); the sine forecaster draws its prediction over the series.
Views a recipe does not need (the confusion matrix, the gallery) are not on the page.

Real server, real websocket, real Chromium; the data sets are the offline ones (names, sine),
and Tiny Shakespeare from ``LAYERLAB_DATA_DIR`` for the two Shakespeare templates (skipped, with
the reason, when it is not there).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect


def _load_template(page: Page, name: str) -> None:
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(rf"^{name}", re.I)).click()
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=15_000)


def _heading(page: Page) -> str:
    return page.get_by_role("figure", name="Sampled text").locator("figcaption").inner_text()


def _needs_shakespeare() -> None:
    folder = os.environ.get("LAYERLAB_DATA_DIR")
    if not folder or not (Path(folder) / "tinyshakespeare" / "input.txt").is_file():
        pytest.skip(f"Tiny Shakespeare not found in LAYERLAB_DATA_DIR={folder!r} (tinyshakespeare/input.txt)")


def _step_of(heading: str) -> int:
    found = re.search(r"step (\d+)", heading)
    return int(found.group(1)) if found else 0


def _stop(page: Page) -> None:
    page.get_by_role("group", name="Run controls").get_by_role("button", name="Stop").click()
    expect(page.locator(".run-head").get_by_text("Stopped", exact=True)).to_be_visible(timeout=30_000)


def test_names_model_samples_live_follow_the_temperature_and_write_on_demand(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    page.goto(server_url)
    _load_template(page, "Name inventor")
    page.get_by_label("Epochs", exact=True).fill("4")
    page.get_by_role("button", name="Train", exact=True).click()
    card = page.get_by_role("figure", name="Sampled text")
    newest = card.get_by_label("Newest sample")
    expect(newest).to_be_visible(timeout=60_000)
    expect(page.get_by_role("table", name="Confusion matrix")).to_have_count(0)  # a 56-character vocabulary: no matrix
    expect(page.get_by_role("img", name="Accuracy chart")).to_be_visible()
    expect(page.locator("figure.chart-card figcaption", has_text="Bits per character")).to_be_visible()

    # Drag the temperature: the run takes it, and a later sample is drawn with it.
    card.get_by_role("slider", name="Temperature").fill("1.5")
    expect(card.get_by_role("status")).to_contain_text("The next sample uses these settings.", timeout=10_000)
    expect(card.locator("figcaption")).to_contain_text("temperature 1.5", timeout=30_000)
    page.screenshot(path=str(screenshot_dir / "names_live_text.png"))

    results = page.get_by_role("region", name="Test results")
    expect(results).to_contain_text("Bits per character", timeout=120_000)
    expect(results).to_contain_text("Perplexity")
    expect(card.get_by_text(re.compile(r"Earlier samples \(\d+\)"))).to_be_visible()

    # Finished: the same controls ask the trained model, which answers at once.
    card.get_by_label("Prompt").fill("Ma")
    expect(card.get_by_role("status")).to_contain_text("Written by the trained model", timeout=15_000)
    expect(newest.locator("mark")).to_have_text("Ma")
    before = newest.inner_text()
    card.get_by_role("button", name="Generate").click()
    expect(newest).not_to_have_text(before, timeout=15_000)  # a new seed, new text
    # A prompt outside the vocabulary is reported, not crashed.
    card.get_by_label("Prompt").fill("Ma€")
    expect(card.get_by_role("alert")).to_contain_text("€", timeout=15_000)
    page.screenshot(path=str(screenshot_dir / "names_generated_text.png"))


def _transformer_on_names(vocab: int) -> dict[str, object]:
    nodes: list[dict[str, object]] = [
        {"id": "in", "type": "Input"},
        {"id": "emb", "type": "Embedding", "params": {"vocab_size": vocab, "embedding_dim": 32}},
        {"id": "pos", "type": "PositionalEncoding", "params": {"max_len": 64}},
        {"id": "block_1", "type": "TransformerEncoderLayer", "params": {"num_heads": 4, "causal": True}},
        {"id": "block_2", "type": "TransformerEncoderLayer", "params": {"num_heads": 4, "causal": True}},
        {"id": "out", "type": "Dense", "params": {"units": vocab}},
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"version": 1, "nodes": nodes, "edges": edges}


def test_a_causal_transformer_shows_each_layer_and_heads_attention(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    with httpx.Client(base_url=server_url, timeout=10) as http:
        names = next(d for d in http.get("/api/datasets").json() if d["name"] == "names")
        body = {
            "graph": _transformer_on_names(len(names["vocabulary"])),
            "dataset": "names",
            "training": {"epochs": 2, "sequence_length": 24, "sampling": {"prompt": "Ann", "length": 30, "every_s": 1}},
        }
        created = http.post("/api/runs", json=body)
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]
    page.goto(server_url)
    page.get_by_role("region", name=re.compile(r"^Runs")).locator(".run-open").first.click()
    card = page.get_by_role("figure", name="Attention")
    expect(card).to_be_visible(timeout=60_000)
    layers = card.get_by_role("group", name="Attention layer")
    expect(layers.get_by_role("button")).to_have_text(["block_1", "block_2"])
    matrix = card.get_by_role("img", name=re.compile("Attention map of"))
    matrix.scroll_into_view_if_needed()  # drawn when in sight
    expect(matrix).to_have_attribute("data-node", "block_1")
    expect(matrix).to_have_attribute("data-upper", "0")  # causal: no character looked ahead
    layers.get_by_role("button", name="block_2").click()
    card.get_by_role("group", name="Head").get_by_role("button", name="head 3").click()
    expect(matrix).to_have_attribute("data-node", "block_2")
    expect(matrix).to_have_attribute("data-head", "2")
    expect(matrix).to_have_attribute("data-upper", "0")
    card.get_by_label("Characters (hover one)").locator(".attention-char").nth(5).hover()
    expect(card.locator(".attention-char.is-focus")).to_have_count(1)
    matrix.hover(position={"x": 3, "y": 40})
    expect(card.locator(".attention-readout")).to_contain_text("of its attention")
    page.screenshot(path=str(screenshot_dir / "transformer_attention.png"))
    with httpx.Client(base_url=server_url, timeout=10) as http:
        http.post(f"/api/runs/{run_id}/stop")


def test_sine_forecaster_draws_its_prediction_over_the_series(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    page.goto(server_url)
    _load_template(page, "LSTM forecaster")
    page.get_by_label("Epochs", exact=True).fill("6")
    page.get_by_role("button", name="Train", exact=True).click()
    chart = page.get_by_role("img", name="Forecast chart")
    expect(chart).to_have_attribute("data-epoch", "1", timeout=60_000)
    points = int(chart.get_attribute("data-points") or "0")
    assert points > 100  # context + the validation range
    results = page.get_by_role("region", name="Test results")
    expect(results).to_contain_text("R²", timeout=120_000)
    expect(results).to_contain_text("MAE of repeating the last value")
    expect(results.locator(".baseline-note")).to_contain_text("below the MAE of repeating the last value")
    expect(chart).to_have_attribute("data-epoch", "6", timeout=15_000)
    expect(page.get_by_role("table", name="Confusion matrix")).to_have_count(0)
    expect(page.get_by_role("figure", name="Predictions")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "sine_forecast.png"))


def test_shakespeare_lstm_writes_new_text_every_few_seconds_and_follows_the_temperature(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    _needs_shakespeare()
    page.goto(server_url)
    _load_template(page, "Character LSTM")
    page.get_by_role("button", name="Train", exact=True).click()
    card = page.get_by_role("figure", name="Sampled text")
    newest = card.get_by_label("Newest sample")
    expect(newest).to_be_visible(timeout=60_000)
    expect(newest.locator("mark")).to_have_text("ROMEO:")  # the template's prompt, marked
    first_step, first_text = _step_of(_heading(page)), newest.inner_text()
    # A newer sample from a later step replaces it while the run trains.
    expect(card.locator("figcaption")).not_to_contain_text(f"step {first_step} ", timeout=60_000)
    assert _step_of(_heading(page)) > first_step
    assert newest.inner_text() != first_text
    card.get_by_role("slider", name="Temperature").fill("0.3")
    expect(card.locator("figcaption")).to_contain_text("temperature 0.3", timeout=60_000)
    expect(card.get_by_text(re.compile(r"Earlier samples \(\d+\)"))).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "shakespeare_lstm_live_text.png"))
    _stop(page)


def test_shakespeare_transformer_shows_its_attention_maps(page: Page, server_url: str, screenshot_dir: Path) -> None:
    _needs_shakespeare()
    page.goto(server_url)
    _load_template(page, "Character Transformer")
    page.get_by_role("button", name="Train", exact=True).click()
    card = page.get_by_role("figure", name="Attention")
    expect(card).to_be_visible(timeout=60_000)
    layers = card.get_by_role("group", name="Attention layer")
    expect(layers.get_by_role("button")).to_have_count(3)
    matrix = card.get_by_role("img", name=re.compile("Attention map of"))
    matrix.scroll_into_view_if_needed()
    expect(matrix).to_have_attribute("data-upper", "0")  # the template's layers are causal
    assert int(matrix.get_attribute("data-size") or "0") > 1
    expect(page.get_by_role("figure", name="Sampled text").get_by_label("Newest sample")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "shakespeare_transformer_attention.png"))
    _stop(page)
