"""Shape checks shared by several layer types; each raises :class:`ShapeError` with a hint."""

from __future__ import annotations

from collections.abc import Sequence

from layerlab.layers.spec import Shape, ShapeError

__all__ = ["IMAGE", "SEQUENCE", "VECTOR", "require_image", "require_sequence", "resolve_axis", "same_shapes"]

VECTOR = "(batch, features)"
SEQUENCE = "(batch, time, features)"
IMAGE = "(batch, channels, height, width)"


def require_image(shape: Shape) -> tuple[int, int, int]:
    """``(C, H, W)`` or a :class:`ShapeError` explaining how to get an image there."""
    if len(shape) != 3:
        hint = (
            "This layer works on images. Use an image data set, or insert a Reshape node (e.g. shape [1, 28, 28])."
            if len(shape) < 3
            else "This layer works on images (channels, height, width)."
        )
        raise ShapeError("", expects=IMAGE, hint=hint)
    c, h, w = shape
    return c, h, w


def require_sequence(shape: Shape) -> tuple[int, int]:
    """``(T, F)`` or a :class:`ShapeError` explaining how to get a sequence there."""
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 1:
        hint = f"This layer reads sequences. Insert a Reshape node with shape [{shape[0]}, 1] (one feature per step), or an Embedding for token ids."
    else:
        hint = (
            "This layer reads sequences. Insert a Reshape node, e.g. ["
            + f"{shape[-2]}, {shape[-1]}"
            + "] to read an image row by row."
        )
    raise ShapeError("", expects=SEQUENCE, hint=hint)


def resolve_axis(axis: int, rank: int, *, field: str = "axis") -> int:
    """A per-sample axis (negative counts from the end) as a non-negative per-sample index."""
    if not -rank <= axis < rank:
        raise ShapeError(
            f"axis {axis} does not exist for a per-sample input of rank {rank} (valid: {-rank} … {rank - 1}, batch excluded)",
            code="invalid_shape",
            field=field,
            hint="Axes count per sample, without the batch: 0 is channels/features for images and vectors, -1 is the last axis.",
        )
    return axis % rank


def same_shapes(in_shapes: Sequence[Shape]) -> bool:
    """Whether every input has the same shape."""
    return all(s == in_shapes[0] for s in in_shapes[1:])
