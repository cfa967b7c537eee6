"""The training form is generated from TrainConfig's schema: advanced settings can be set on the
page, fields that do not apply stay hidden, a value out of range is flagged before Train, and
what was set is what the run was started with (``GET /api/runs/{id}``)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect


def test_sgd_with_momentum_and_a_step_schedule_set_on_the_page_reach_the_run(
    page: Page, server_url: str, screenshot_dir: Path
) -> None:
    page.goto(server_url)
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=15_000)
    form = page.locator("form.train-form")

    # momentum applies to SGD only; the template trains with Adam
    expect(form.get_by_label("Momentum", exact=True)).to_have_count(0)
    form.get_by_label("Optimizer", exact=True).select_option(label="SGD")
    momentum = form.get_by_label("Momentum", exact=True)
    expect(momentum).to_have_value("0.9")  # the schema's default
    momentum.fill("1")  # TrainConfig: momentum < 1
    field = form.locator(".param-field", has=page.get_by_label("Momentum", exact=True))
    expect(field.locator(".field-error")).to_have_text("Momentum must be less than 1")
    expect(momentum).to_have_attribute("aria-invalid", "true")
    expect(train).to_be_disabled()
    expect(page.locator(".train-reason")).to_contain_text("Fix the training settings: Momentum must be less than 1")
    momentum.fill("0.5")
    expect(train).to_be_enabled()
    form.get_by_label("Nesterov", exact=True).check()

    # the rest is under Advanced: a step schedule shows its step size and gamma
    form.locator("summary", has_text="Advanced").click()
    expect(form.get_by_label("Step size", exact=True)).to_have_count(0)
    form.get_by_label("Learning rate schedule", exact=True).select_option(label="Step decay")
    form.get_by_label("Step size", exact=True).fill("2")
    form.get_by_label("Gamma", exact=True).fill("0.5")
    form.get_by_label("Early stopping", exact=True).check()
    form.get_by_label("Patience", exact=True).fill("4")
    form.get_by_label("Clip grad norm", exact=True).fill("1.5")
    form.get_by_label("Epochs", exact=True).fill("3")
    page.screenshot(path=str(screenshot_dir / "training_form_advanced.png"))

    train.click()
    loss_chart = page.get_by_role("img", name="Loss chart")
    expect(loss_chart).to_have_attribute("data-run-id", re.compile(r".+"), timeout=30_000)
    run_id = loss_chart.get_attribute("data-run-id")
    training = httpx.get(f"{server_url}/api/runs/{run_id}").json()["request"]["training"]
    assert training["optimizer"] == "sgd" and training["momentum"] == 0.5 and training["nesterov"] is True
    assert training["lr_schedule"] == "step" and training["step_size"] == 2 and training["gamma"] == 0.5
    assert training["early_stopping"]["patience"] == 4 and training["clip_grad_norm"] == 1.5
    assert training["epochs"] == 3 and training["learning_rate"] == 0.01  # the template's, unchanged


def test_switching_back_to_adam_drops_the_sgd_settings(page: Page, server_url: str) -> None:
    page.goto(server_url)
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible(timeout=15_000)
    form = page.locator("form.train-form")
    form.get_by_label("Optimizer", exact=True).select_option(label="SGD")
    form.get_by_label("Momentum", exact=True).fill("0")
    form.get_by_label("Nesterov", exact=True).check()
    nesterov = form.locator(".param-field", has=page.get_by_label("Nesterov", exact=True))
    expect(nesterov.locator(".field-error")).to_have_text("Nesterov needs momentum above 0.")
    form.get_by_label("Optimizer", exact=True).select_option(label="Adam")
    expect(form.get_by_label("Nesterov", exact=True)).to_have_count(0)
    expect(page.locator(".train-reason")).not_to_contain_text("training settings")
