"""Settings: read from LAYERLAB_* variables, clear messages for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerlab.settings import Settings, SettingsError, get_settings, load_settings


def test_settings_read_prefixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAYERLAB_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("LAYERLAB_DEVICE", "cpu")
    monkeypatch.setenv("LAYERLAB_MAX_EPOCHS", "7")
    settings = load_settings()
    assert settings.home == tmp_path / "h"
    assert settings.device == "cpu"
    assert settings.max_epochs == 7
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'h' / 'layerlab.db'}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LAYERLAB_DEVICE", "gpu"),
        ("LAYERLAB_PORT", "abc"),
        ("LAYERLAB_MAX_EPOCHS", "0"),
        ("LAYERLAB_ALLOW_DOWNLOAD", "maybe"),
    ],
)
def test_bad_value_names_the_variable_and_value(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert name in str(info.value)
    assert repr(value) in str(info.value)


def test_get_settings_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings() is get_settings()


def test_concurrency_defaults_to_one_per_gpu_or_two_cores() -> None:
    assert Settings(max_concurrent_runs=3).resolved_max_concurrent_runs() == 3
    assert Settings().resolved_max_concurrent_runs(gpu_count=2) == 2
    assert Settings().resolved_max_concurrent_runs() >= 1


def test_empty_data_dir_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERLAB_DATA_DIR", "")
    assert load_settings().data_dir is None
