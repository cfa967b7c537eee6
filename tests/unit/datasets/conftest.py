"""Fixtures of the data-set tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from layerlab.datasets import clear_image_cache


@pytest.fixture(autouse=True)
def _fresh_image_cache() -> Iterator[None]:
    """Each test starts without decoded arrays from other tests."""
    clear_image_cache()
    yield
    clear_image_cache()
