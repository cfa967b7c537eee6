"""A design survives every way out of the page and back: a project on the server, a JSON file, a link.

The spiral template is edited (a layer's units, the learning rate), then saved as a project,
exported as a file and copied as a link; each way back gives the same graph and settings. A file
that is not a design is refused with a plain message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from editor_canvas import node, select_node
from playwright.sync_api import Page, expect

#: The spiral template with dense_1 at 16 units: 2·16+16 + 16·32+32 + 32·2+2.
EDITED_PARAMS = "658"


def _open_spiral_template_and_edit_it(page: Page) -> None:
    page.get_by_role("button", name="Templates").click()
    page.get_by_role("dialog", name="Templates").get_by_role("button", name=re.compile(r"^Spiral", re.I)).click()
    select_node(page, "dense_1")
    page.get_by_role("region", name="Inspector").get_by_label("units", exact=True).fill("16")
    page.get_by_label("Learning rate", exact=True).fill("0.02")
    expect(page.get_by_label("Total parameters")).to_contain_text(EDITED_PARAMS)


def _expect_the_edited_design(page: Page) -> None:
    expect(page.get_by_label("Total parameters")).to_contain_text(EDITED_PARAMS, timeout=10_000)
    expect(node(page, "dense_1")).to_contain_text("units=16")
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.02")
    expect(page.get_by_label("Data set", exact=True)).to_have_value("spiral")


def test_project_file_and_link_round_trips(page: Page, server_url: str, screenshot_dir: Path, tmp_path: Path) -> None:
    page.goto(server_url)
    _open_spiral_template_and_edit_it(page)

    # 1. A project on the server, opened again after a reload and a cleared canvas.
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Project name").fill("Round trip")
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_text("Saved “Round trip”.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Dense", exact=True)).to_be_visible()
    page.get_by_role("button", name="Open").click()
    page.get_by_role("button", name=re.compile(r"^Round trip")).click()
    expect(page.get_by_text("Opened “Round trip”.")).to_be_visible()
    _expect_the_edited_design(page)

    # 2. A JSON file: exported, then imported on a cleared canvas.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    design = json.loads(exported.read_text())
    dense = next(n for n in design["graph"]["nodes"] if n["id"] == "dense_1")
    assert dense["params"]["units"] == 16 and design["dataset"]["name"] == "spiral"
    assert design["training"]["learning_rate"] == 0.02
    page.get_by_role("button", name="New").click()
    expect(page.locator(".react-flow__node")).to_have_count(0)
    page.get_by_label("Import graph JSON file").set_input_files(exported)
    expect(page.get_by_text(f"Imported {exported.name}.")).to_be_visible()
    _expect_the_edited_design(page)

    # 3. A link, opened in a fresh page.
    page.get_by_role("button", name="Copy link").click()
    expect(page).to_have_url(re.compile(r"#design=[zj]"))
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    expect(other.get_by_text("Opened the design in the link.")).to_be_visible(timeout=15_000)
    _expect_the_edited_design(other)
    other.screenshot(path=str(screenshot_dir / "opened_from_link.png"))
    other.close()

    # 4. A file that is not a design: a plain message, the canvas untouched.
    broken = tmp_path / "notes.json"
    broken.write_text('{"hello": "world"}')
    page.get_by_label("Import graph JSON file").set_input_files(broken)
    expect(page.get_by_text(re.compile(r"notes\.json holds no LayerLab graph"))).to_be_visible()
    _expect_the_edited_design(page)
