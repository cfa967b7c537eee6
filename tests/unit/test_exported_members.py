"""Every package re-exports its public names in a sorted ``__all__`` that really exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import layerlab


def _modules() -> list[str]:
    names = ["layerlab"]
    for info in pkgutil.walk_packages(layerlab.__path__, prefix="layerlab."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _modules())
def test_all_is_sorted_and_resolvable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert not hasattr(module, "__path__") or module_name == "layerlab", f"package {module_name} has no __all__"
        return
    assert list(exported) == sorted(exported), f"{module_name}.__all__ is not sorted"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names {name!r}, which does not exist"
