"""Seeded train/val/test splits (stratified for classification) and train-only standardization."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import torch

__all__ = ["SplitIndices", "split_counts", "split_indices", "standardize", "to_tensor"]

IntArray = npt.NDArray[np.int64]
SplitIndices = tuple[IntArray, IntArray, IntArray]


def split_counts(total: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """Sizes ``(train, val, test)`` for ``total`` samples, rounding half up.

    >>> split_counts(150, 0.15, 0.15)
    (104, 23, 23)
    """
    n_test = math.floor(total * test_fraction + 0.5)
    n_val = math.floor(total * val_fraction + 0.5)
    return total - n_val - n_test, n_val, n_test


def _quotas(counts: IntArray, k: int) -> IntArray:
    """Split ``k`` over classes in proportion to ``counts`` (largest remainder), never over a class's count."""
    total = int(counts.sum())
    if total == 0 or k == 0:
        return np.zeros_like(counts)
    exact = counts * (k / total)
    quota: IntArray = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - quota), kind="stable")
    for cls in order:
        if int(quota.sum()) >= k:
            break
        if quota[cls] < counts[cls]:
            quota[cls] += 1
    return quota


def split_indices(
    n: int, n_val: int, n_test: int, *, seed: int, labels: npt.NDArray[np.generic] | None = None
) -> SplitIndices:
    """Random disjoint index sets ``(train, val, test)`` of sizes ``(n - n_val - n_test, n_val, n_test)``.

    With ``labels`` (classification), each split keeps the class proportions (stratified);
    the sizes are exact either way. Same ``seed`` → same indices. Each split is shuffled.
    """
    assert 0 <= n_val + n_test <= n
    rng = np.random.default_rng(seed)
    if labels is None:
        perm = rng.permutation(n).astype(np.int64)
        return perm[n_val + n_test :], perm[:n_val], perm[n_val : n_val + n_test]
    classes, inverse = np.unique(labels, return_inverse=True)
    members = [rng.permutation(np.flatnonzero(inverse == c)).astype(np.int64) for c in range(len(classes))]
    counts = np.array([len(m) for m in members], dtype=np.int64)
    test_q = _quotas(counts, n_test)
    val_q = _quotas(counts - test_q, n_val)
    parts: tuple[list[IntArray], list[IntArray], list[IntArray]] = ([], [], [])
    for m, t, v in zip(members, test_q, val_q, strict=True):
        parts[2].append(m[:t])
        parts[1].append(m[t : t + v])
        parts[0].append(m[t + v :])
    train, val, test = (rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts)
    return train, val, test


def standardize(train: npt.NDArray[np.float32], *others: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
    """Scale every array feature-wise with the mean and standard deviation of ``train`` only.

    Constant features (std 0) are only centred. Returns new float32 arrays, ``train`` first.
    """
    mean = train.mean(axis=0, dtype=np.float64)
    std = train.std(axis=0, dtype=np.float64)
    std[std < 1e-12] = 1.0
    return [((a - mean) / std).astype(np.float32) for a in (train, *others)]


def to_tensor(array: npt.NDArray[np.generic]) -> torch.Tensor:
    """A tensor that owns a writable copy-free view of ``array`` (copied first when read-only)."""
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.ascontiguousarray(array).copy()
    return torch.from_numpy(array)
