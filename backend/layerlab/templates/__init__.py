"""Templates: ready-made graphs with their data set and training settings (the two reference examples of ``docs/contract.md`` §5.1 and more)."""

from layerlab.templates.loader import Template, get_template, list_templates

__all__ = ["Template", "get_template", "list_templates"]
