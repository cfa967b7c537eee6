"""Short random ids for runs and projects."""

from __future__ import annotations

import secrets

__all__ = ["new_id"]


def new_id() -> str:
    """A fresh 12-character hex id (48 random bits), e.g. ``"3f9a0c1b2d4e"``."""
    return secrets.token_hex(6)
