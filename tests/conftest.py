"""Shared fixtures: settings pointing at a temporary home, on the CPU, nothing downloaded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlab.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: a fresh home under tmp, CPU only, downloads off."""
    return Settings(home=tmp_path / "home", device="cpu", allow_download=False, data_dir=None)


@pytest.fixture
def shared_datasets() -> Path:
    """The real data sets folder; skips the test when it is absent."""
    folder = Path(os.environ.get("LAYERLAB_DATA_DIR") or SHARED_DATASETS)
    if not (folder / "mnist").is_dir():
        pytest.skip(f"real data sets not found at {folder} (set LAYERLAB_DATA_DIR)")
    return folder


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's own LAYERLAB_* variables or home folder."""
    for name in list(os.environ):
        if name.startswith("LAYERLAB_") and name != "LAYERLAB_DATA_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("LAYERLAB_HOME", str(tmp_path / "env-home"))
    from layerlab.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
