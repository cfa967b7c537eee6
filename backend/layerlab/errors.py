"""Errors and the issue record shared by validation, the engine and the API.

Graph problems are data (:class:`GraphIssue`), not exceptions. Exceptions are for
conditions that end an operation::

    LayerLabError                 base; carries code, message, hint, node_id, field
    ├── GraphInvalidError         a graph failed validation; carries list[GraphIssue]
    ├── DatasetError              unknown, unavailable or malformed data set
    ├── TrainingError             a run cannot go on
    │   ├── NonFiniteLossError    loss became NaN/inf (code non_finite_loss)
    │   └── OutOfMemoryError      the device ran out of memory (code out_of_memory)
    └── LimitExceededError        a request goes over a configured limit
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DatasetError",
    "GraphInvalidError",
    "GraphIssue",
    "LayerLabError",
    "LimitExceededError",
    "NonFiniteLossError",
    "OutOfMemoryError",
    "TrainingError",
]


class GraphIssue(BaseModel):
    """One problem found in a graph or request, pointing at the node and the field.

    ``code`` is stable (``unknown_layer``, ``cycle``, ``shape_mismatch``,
    ``param_out_of_range`` …): clients match on it, never on ``message``.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    node_id: str | None = None
    field: str | None = None
    hint: str | None = None


class LayerLabError(Exception):
    """Base of the product's exceptions; the fields mirror :class:`GraphIssue`."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        node_id: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint
        self.node_id = node_id
        self.field = field

    def to_issue(self) -> GraphIssue:
        """This error as an issue record for API responses and status events."""
        return GraphIssue(code=self.code, message=self.message, node_id=self.node_id, field=self.field, hint=self.hint)


class GraphInvalidError(LayerLabError):
    """A graph failed validation; ``issues`` lists every problem."""

    code = "invalid_graph"

    def __init__(self, issues: list[GraphIssue]) -> None:
        first = issues[0].message if issues else "the graph is invalid"
        more = f" (and {len(issues) - 1} more problems)" if len(issues) > 1 else ""
        super().__init__(
            first + more, hint=issues[0].hint if issues else None, node_id=issues[0].node_id if issues else None
        )
        self.issues = issues


class DatasetError(LayerLabError):
    """A data set is unknown, unavailable, or its files are malformed."""

    code = "dataset_error"


class TrainingError(LayerLabError):
    """A run cannot go on."""

    code = "training_error"


class NonFiniteLossError(TrainingError):
    """The loss became NaN or infinite."""

    code = "non_finite_loss"


class OutOfMemoryError(TrainingError):
    """The training device ran out of memory."""

    code = "out_of_memory"


class LimitExceededError(LayerLabError):
    """A request goes over a configured limit (nodes, parameters, epochs, batch size …)."""

    code = "limit_exceeded"
