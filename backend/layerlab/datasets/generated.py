"""The generated 2-D data sets: TensorFlow Playground's five, scikit-learn's moons, and the Gaussian
mixtures generative models are tested on (``ring``: eight on a circle; ``grid``: 25 on a square).

The formulas follow tensorflow/playground ``src/dataset.ts`` (circle, xor, gaussian, spiral,
plane, multi_gaussian) and scikit-learn's ``make_moons`` (scaled by 3 and centred, so every
set lives roughly in the Playground's [-6, 6] square). Playground labels -1/+1 become
class indices 0/1. Every generator takes a ``numpy.random.Generator`` and returns
``(x, y)``: ``x`` float32 ``(n, 2)``; ``y`` int64 ``(n,)`` for classification, float32
``(n, 1)`` for regression. Vectorised: 100,000 points take milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split, Task
from layerlab.datasets.params import (
    Classify2DParams,
    MixtureParams,
    MoonsParams,
    Regress2DParams,
    params_schema,
    parse_params,
)
from layerlab.datasets.splits import split_counts, split_indices, to_tensor
from layerlab.settings import Settings

__all__ = [
    "GENERATED_SETS",
    "GeneratedSet",
    "Generator2D",
    "generated_info",
    "grid_centres",
    "load_generated",
    "ring_centres",
]

VAL_FRACTION = 0.15
TEST_FRACTION = 0.15

Floats = npt.NDArray[np.float64]
Generator2D = Callable[[int, float, np.random.Generator], tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]]


def _pack(
    x: Floats, y: Floats, labels: npt.NDArray[np.generic]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    return np.stack([x, y], axis=1).astype(np.float32), labels


def _halves(n: int) -> tuple[int, int]:
    """Sizes of the two classes: ``n // 2`` of class 0, the rest of class 1."""
    return n // 2, n - n // 2


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """A disc of class 1 (radius < 2.5) inside a ring of class 0 (3.5 to 5).

    The label is decided on the point moved by uniform noise of ±5·noise, so noise mislabels
    points near the boundary (as in the Playground).
    """
    radius = 5.0
    n0, n1 = _halves(n)
    r = np.concatenate([rng.uniform(radius * 0.7, radius, n0), rng.uniform(0.0, radius * 0.5, n1)])
    angle = rng.uniform(0.0, 2 * math.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    labels = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(np.int64)
    return _pack(x, y, labels)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """Points in [-5.3, 5.3]² (kept 0.3 away from the axes); class 1 where x·y ≥ 0, i.e. quadrants I and III."""
    padding = 0.3
    x, y = rng.uniform(-5, 5, n), rng.uniform(-5, 5, n)
    x += np.where(x > 0, padding, -padding)
    y += np.where(y > 0, padding, -padding)
    nx, ny = rng.uniform(-5, 5, n) * noise, rng.uniform(-5, 5, n) * noise
    labels = ((x + nx) * (y + ny) >= 0).astype(np.int64)
    return _pack(x, y, labels)


def gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """Two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2); variance 0.5 + 7·noise."""
    variance = 0.5 + 7.0 * noise  # the Playground maps noise [0, 0.5] linearly to variance [0.5, 4]
    n0, n1 = _halves(n)
    centre = np.concatenate([np.full(n0, -2.0), np.full(n1, 2.0)])
    x = centre + math.sqrt(variance) * rng.standard_normal(n)
    y = centre + math.sqrt(variance) * rng.standard_normal(n)
    labels = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _pack(x, y, labels)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """Two interleaved spirals of 1.75 turns out to radius 5; uniform noise of ±noise per coordinate."""
    xs: list[Floats] = []
    ys: list[Floats] = []
    for count, delta in zip(_halves(n), (math.pi, 0.0), strict=True):
        i = np.arange(count, dtype=np.float64)
        r = i / count * 5.0
        t = 1.75 * i / count * 2 * math.pi + delta
        xs.append(r * np.sin(t) + rng.uniform(-1, 1, count) * noise)
        ys.append(r * np.cos(t) + rng.uniform(-1, 1, count) * noise)
    n0, n1 = _halves(n)
    labels = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _pack(np.concatenate(xs), np.concatenate(ys), labels)


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """scikit-learn's ``make_moons`` (Gaussian noise of std ``noise``), scaled ×3 and centred on the origin."""
    n0, n1 = _halves(n)
    outer = np.linspace(0, math.pi, n0)
    inner = np.linspace(0, math.pi, n1)
    x = np.concatenate([np.cos(outer), 1 - np.cos(inner)]) + rng.standard_normal(n) * noise
    y = np.concatenate([np.sin(outer), 1 - np.sin(inner) - 0.5]) + rng.standard_normal(n) * noise
    labels = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _pack((x - 0.5) * 3.0, (y - 0.25) * 3.0, labels)


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """Points in [-6, 6]²; target (x + y) / 10, taken at the point moved by ±6·noise."""
    radius = 6.0
    x, y = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    target = ((x + nx) + (y + ny)) / 10.0
    return _pack(x, y, target.astype(np.float32).reshape(n, 1))


_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64
)


def multi_gaussian(
    n: int, noise: float, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """Points in [-6, 6]²; the target is the strongest of six ±1 bumps (cones of radius 2), in [-1, 1]."""
    radius = 6.0
    x, y = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    px, py = (x + nx)[:, None], (y + ny)[:, None]
    dist = np.hypot(px - _BUMPS[:, 0], py - _BUMPS[:, 1])  # (n, 6)
    values = _BUMPS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)  # the Playground's clamped scale [0, 2] → [1, 0]
    strongest = np.argmax(np.abs(values), axis=1)
    target = values[np.arange(n), strongest]
    return _pack(x, y, target.astype(np.float32).reshape(n, 1))


RING_MODES = 8
RING_RADIUS = 2.0
GRID_SIDE = 5
GRID_SPACING = 2.0


def _mixture(
    centres: Floats, n: int, std: float, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """``n`` points shared evenly among Gaussians of ``std`` around ``centres`` ``(k, 2)``; the class is the mode."""
    labels = np.arange(n, dtype=np.int64) % len(centres)
    points = centres[labels] + std * rng.standard_normal((n, 2))
    return _pack(points[:, 0], points[:, 1], labels)


def ring_centres() -> Floats:
    """The eight modes of ``ring``, ``(8, 2)``: on a circle of radius 2, the first at angle 0."""
    angle = 2 * math.pi * np.arange(RING_MODES) / RING_MODES
    return np.stack([RING_RADIUS * np.cos(angle), RING_RADIUS * np.sin(angle)], axis=1)


def grid_centres() -> Floats:
    """The 25 modes of ``grid``, ``(25, 2)``: -4, -2, 0, 2, 4 on each axis, row by row."""
    ticks = (np.arange(GRID_SIDE) - (GRID_SIDE - 1) / 2) * GRID_SPACING
    gy, gx = np.meshgrid(ticks, ticks, indexing="ij")
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def ring(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """Eight Gaussians of std ``noise`` on a circle of radius 2 (the classic GAN test); class = mode 0–7."""
    return _mixture(ring_centres(), n, noise, rng)


def grid(n: int, noise: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.generic]]:
    """25 Gaussians of std ``noise`` on a 5 × 5 grid 2 apart, from (-4, -4) to (4, 4); class = mode 0–24."""
    return _mixture(grid_centres(), n, noise, rng)


@dataclass(frozen=True)
class GeneratedSet:
    """A generated 2-D data set: its formula, task and params model (a :class:`DatasetSpec`)."""

    name: str
    title: str
    description: str
    task: Task
    generate: Generator2D
    params_model: type[Classify2DParams] | type[MoonsParams] | type[Regress2DParams] | type[MixtureParams]
    classes: int = 2

    def info(self, settings: Settings, params: BaseModel | None = None) -> DatasetInfo:
        """The set's info; sizes follow ``params.n`` (see :func:`generated_info`)."""
        return generated_info(self, params)

    def parse_params(self, params: Mapping[str, object]) -> BaseModel:
        """The validated params (``invalid_dataset_param`` naming the bad or unknown param)."""
        return parse_params(self.name, self.params_model, params)

    def load(self, ref: DatasetRef, settings: Settings, *, seed: int) -> DatasetSplits:
        """Generate and split the points (see :func:`load_generated`)."""
        return load_generated(self, ref.params, seed=seed)


GENERATED_SETS: dict[str, GeneratedSet] = {
    s.name: s
    for s in (
        GeneratedSet(
            "circle",
            "Circle",
            "A disc of one class inside a ring of the other. Not linearly separable: a network needs a hidden layer "
            "(or x² and y² features) to draw the round boundary.",
            "classification",
            circle,
            Classify2DParams,
        ),
        GeneratedSet(
            "xor",
            "Exclusive or",
            "Four squares: class 1 where x and y have the same sign, class 0 where they differ. The classic problem a "
            "single neuron cannot solve; two or more hidden units can.",
            "classification",
            xor,
            Classify2DParams,
        ),
        GeneratedSet(
            "gaussian",
            "Two Gaussian blobs",
            "Two round clouds of points, one per class. Linearly separable: even a network without hidden layers "
            "learns it. Noise widens the clouds until they overlap.",
            "classification",
            gaussian,
            Classify2DParams,
        ),
        GeneratedSet(
            "spiral",
            "Spiral",
            "Two interleaved spirals. The hardest of the 2-D sets: it needs several hidden layers (or sin features) "
            "and patience.",
            "classification",
            spiral,
            Classify2DParams,
        ),
        GeneratedSet(
            "moons",
            "Two moons",
            "Two interleaving half circles (scikit-learn's make_moons). A curved boundary that a small MLP learns "
            "quickly; noise blurs the gap between the moons.",
            "classification",
            moons,
            MoonsParams,
        ),
        GeneratedSet(
            "ring",
            "Ring of eight Gaussians",
            "Eight tight clouds of points on a circle of radius 2, labelled by cloud: the classic test of a GAN. A "
            "generator that found only some of the clouds has collapsed onto those modes; a good one covers all "
            "eight.",
            "classification",
            ring,
            MixtureParams,
            classes=RING_MODES,
        ),
        GeneratedSet(
            "grid",
            "Grid of 25 Gaussians",
            "Twenty-five tight clouds on a 5 × 5 grid, labelled by cloud: a harder GAN test than the ring, because "
            "the generator must spread its points over many modes that lie close together.",
            "classification",
            grid,
            MixtureParams,
            classes=GRID_SIDE * GRID_SIDE,
        ),
        GeneratedSet(
            "plane",
            "Plane (regression)",
            "Predict a number: the target rises evenly from -1.2 in one corner to 1.2 in the opposite one "
            "((x + y) / 10). A single linear neuron fits it.",
            "regression",
            plane,
            Regress2DParams,
        ),
        GeneratedSet(
            "multi_gaussian",
            "Six bumps (regression)",
            "Predict a number: six cone-shaped bumps, alternating +1 and -1, on a flat 0 plane. Needs hidden layers to "
            "fit the peaks.",
            "regression",
            multi_gaussian,
            Regress2DParams,
        ),
    )
}


def _sizes(n: int) -> dict[str, int]:
    train, val, test = split_counts(n, VAL_FRACTION, TEST_FRACTION)
    return {"train": train, "val": val, "test": test}


def generated_info(spec: GeneratedSet, params: BaseModel | None = None) -> DatasetInfo:
    """The set's :class:`DatasetInfo`; sizes follow ``params.n`` (the default ``n`` without params)."""
    n = int(getattr(params, "n", spec.params_model.model_fields["n"].default))
    classification = spec.task == "classification"
    return DatasetInfo(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        task=spec.task,
        kind="2d",
        input_shape=[2],
        num_classes=spec.classes if classification else None,
        class_names=[str(i) for i in range(spec.classes)] if classification else None,
        output_size=None if classification else 1,
        sizes=_sizes(n),
        params_schema=params_schema(spec.params_model),
        source="generated",
    )


def load_generated(spec: GeneratedSet, params: Mapping[str, object], *, seed: int) -> DatasetSplits:
    """Generate the points and split them 70/15/15 (stratified for classification).

    ``params.seed`` fixes the points; without it the points come from ``seed`` (the run's
    seed). The split always follows ``seed``.

    Raises:
        DatasetError: ``invalid_dataset_param`` naming the bad or unknown param.
    """
    p = parse_params(spec.name, spec.params_model, params)
    data_seed = seed if p.seed is None else p.seed
    x, y = spec.generate(p.n, p.noise, np.random.default_rng([data_seed, 2]))
    labels = y if spec.task == "classification" else None
    _, n_val, n_test = split_counts(p.n, VAL_FRACTION, TEST_FRACTION)
    indices = split_indices(p.n, n_val, n_test, seed=seed, labels=labels)
    train, val, test = (Split(to_tensor(x[i]), to_tensor(y[i])) for i in indices)
    return DatasetSplits(info=generated_info(spec, p), train=train, val=val, test=test)
