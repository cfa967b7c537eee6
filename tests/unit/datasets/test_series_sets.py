"""The forecast sets: chronological windows, honest splits, params that name the field."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from layerlab.datasets import DatasetRef, get_dataset_info, load_dataset
from layerlab.datasets.registry import check_dataset_params, dataset_info_for
from layerlab.datasets.series import SUNSPOTS_LENGTH, window_counts, windowed_splits
from layerlab.errors import DatasetError
from layerlab.settings import Settings


def test_windows_are_consecutive_and_no_target_crosses_a_split() -> None:
    values = np.arange(100, dtype=np.float32)
    train, val, test = windowed_splits(values, window=5, horizon=3)
    assert (len(train.x), len(val.x), len(test.x)) == window_counts(100, 5, 3)
    for split in (train, val, test):
        assert split.x.shape[1:] == (5, 1) and split.y.shape[1] == 3
        # stride 1, in time order: each window starts one step after the previous
        assert torch.equal(split.x[1:, 0, 0] - split.x[:-1, 0, 0], torch.ones(len(split.x) - 1))
        # y is exactly the values after the window
        assert torch.equal(split.y[:, 0], split.x[:, -1, 0] + 1)
    # every target of a split comes before every target of the next split
    assert train.y.max() < val.y.min() and val.y.max() < test.y.min()


def test_sine_follows_its_params(settings: Settings) -> None:
    ref = DatasetRef(name="sine", params={"n": 400, "window": 10, "horizon": 2, "noise": 0.0})
    splits = load_dataset(ref, settings, seed=0)
    assert splits.task == "forecast" and splits.info.input_shape == [10, 1] and splits.info.output_size == 2
    assert splits.train.x.dtype == torch.float32 and splits.train.y.shape[1] == 2
    info = dataset_info_for(ref, settings)
    assert info.input_shape == [10, 1] and info.sizes == {
        "train": len(splits.train.x),
        "val": len(splits.val.x),
        "test": len(splits.test.x),
    }
    # noise 0: a window continues the sine exactly
    t = torch.arange(400, dtype=torch.float64)
    series = torch.sin(2 * torch.pi * 0.05 * t).float()
    assert torch.allclose(splits.train.x[3, :, 0], series[3:13], atol=1e-5)


def test_a_horizon_longer_than_the_series_names_horizon() -> None:
    with pytest.raises(DatasetError) as err:
        check_dataset_params(DatasetRef(name="sunspots", params={"window": 12, "horizon": 60}))
    assert err.value.code == "invalid_dataset_param" and err.value.field == "horizon"
    assert "309 values" in err.value.message and "at most" in (err.value.hint or "")


def test_a_window_longer_than_the_series_names_window() -> None:
    with pytest.raises(DatasetError) as err:
        check_dataset_params(DatasetRef(name="sine", params={"n": 100, "window": 99}))
    assert err.value.code == "invalid_dataset_param" and err.value.field == "window"


def test_sunspots_are_the_real_series_standardised_on_train(settings: Settings) -> None:
    info = get_dataset_info("sunspots", settings)
    assert info.available and info.task == "forecast" and info.input_shape == [12, 1]
    splits = load_dataset(DatasetRef(name="sunspots"), settings)
    n = len(splits.train.x) + len(splits.val.x) + len(splits.test.x)
    assert n == SUNSPOTS_LENGTH - 12
    seen = torch.cat([splits.train.x[0, :, 0], splits.train.y[:, 0]])  # every value the train windows see
    assert abs(float(seen.mean())) < 1e-4 and abs(float(seen.std(unbiased=False)) - 1) < 1e-3
    assert "standard deviation" in splits.info.description
