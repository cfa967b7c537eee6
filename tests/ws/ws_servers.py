"""Starting the real servers the websocket and fault tests share, one per module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from layerlab.api.testing import ServerProcess

__all__ = ["serve"]


def serve(
    tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str], **kwargs: Any
) -> Iterator[ServerProcess]:
    """Run a server for a module's ``server`` fixture: its own home and an empty data folder, ``env`` on top."""
    root = tmp_path_factory.mktemp(name)
    (root / "data").mkdir()
    with ServerProcess(root / "home", env={**env, "LAYERLAB_DATA_DIR": str(root / "data")}, **kwargs) as running:
        yield running
