"""Imports every built-in layer module, which registers its layer types (in palette order)."""

from __future__ import annotations

from layerlab.layers import activation, attention, conv, core, merge, regularization, sequence

__all__ = ["MODULES"]

MODULES = (core, conv, activation, regularization, sequence, attention, merge)
