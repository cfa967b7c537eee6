"""Print the API's OpenAPI schema: ``python -m layerlab.api.openapi > frontend/openapi.json``.

The web page's TypeScript types are generated from it (``make client``). Building the
app starts nothing (no database, no workers).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from layerlab.main import create_app
from layerlab.settings import Settings

__all__ = ["openapi_schema"]


def openapi_schema() -> dict[str, Any]:
    """The schema of an app built with default settings."""
    return create_app(Settings()).openapi()


def main() -> None:
    """Write the schema to standard output as indented JSON."""
    sys.stdout.write(json.dumps(openapi_schema(), indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    main()
