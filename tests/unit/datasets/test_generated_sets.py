"""The generated 2-D sets: shapes, dtypes, balance, seeds, noise and param validation."""

from __future__ import annotations

import pytest
import torch

from layerlab.datasets import DatasetRef, load_dataset
from layerlab.datasets.generated import grid_centres, ring_centres
from layerlab.errors import DatasetError
from layerlab.settings import Settings

CLASSIFIERS = ["circle", "xor", "gaussian", "spiral", "moons"]
REGRESSORS = ["plane", "multi_gaussian"]
MIXTURES = ["ring", "grid"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_set_has_shapes_dtypes_and_balance(name: str, settings: Settings) -> None:
    splits = load_dataset(DatasetRef(name=name, params={"n": 400}), settings, seed=3)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (280, 60, 60)
    assert splits.info.sizes == {"train": 280, "val": 60, "test": 60}
    assert splits.input_shape == (2,) and splits.task == "classification"
    for split in (splits.train, splits.val, splits.test):
        assert split.x.dtype == torch.float32 and split.x.shape[1:] == (2,)
        assert split.y.dtype == torch.int64 and split.y.ndim == 1
        assert split.x.abs().max() <= 6.5
    y = torch.cat([splits.train.y, splits.val.y, splits.test.y])
    counts = torch.bincount(y, minlength=2)
    assert counts.tolist() == [200, 200] or (name == "xor" and abs(int(counts[0]) - 200) < 40)
    assert abs(float(splits.val.y.float().mean()) - 0.5) < 0.15  # stratified


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_set_has_float_targets_of_shape_n_1(name: str, settings: Settings) -> None:
    splits = load_dataset(DatasetRef(name=name), settings)
    assert splits.task == "regression" and splits.info.output_size == 1
    assert splits.train.y.dtype == torch.float32 and splits.train.y.shape == (len(splits.train), 1)
    assert splits.train.y.abs().max() <= 1.2 + 1e-6  # plane: (x + y) / 10 on [-6, 6]²
    assert splits.train.y.std() > 0.1


@pytest.mark.parametrize("name", CLASSIFIERS + REGRESSORS + MIXTURES)
def test_same_seed_reproduces_and_other_seed_differs(name: str, settings: Settings) -> None:
    ref = DatasetRef(name=name, params={"n": 100, "noise": 0.2})
    a, b = load_dataset(ref, settings, seed=1), load_dataset(ref, settings, seed=1)
    c = load_dataset(ref, settings, seed=2)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.x, c.train.x)


def test_params_seed_fixes_the_points_whatever_the_run_seed(settings: Settings) -> None:
    ref = DatasetRef(name="spiral", params={"n": 100, "seed": 7})
    a, b = load_dataset(ref, settings, seed=1), load_dataset(ref, settings, seed=2)
    points_a = torch.cat([a.train.x, a.val.x, a.test.x])
    points_b = torch.cat([b.train.x, b.val.x, b.test.x])
    assert torch.equal(points_a[points_a[:, 0].argsort()], points_b[points_b[:, 0].argsort()])


@pytest.mark.parametrize("name", CLASSIFIERS + REGRESSORS + MIXTURES)
def test_noise_changes_the_data(name: str, settings: Settings) -> None:
    clean = load_dataset(DatasetRef(name=name, params={"n": 200, "noise": 0.0}), settings, seed=5)
    noisy = load_dataset(DatasetRef(name=name, params={"n": 200, "noise": 0.5}), settings, seed=5)
    assert not (torch.equal(clean.train.x, noisy.train.x) and torch.equal(clean.train.y, noisy.train.y))


@pytest.mark.parametrize(("name", "modes"), [("ring", 8), ("grid", 25)])
def test_a_mixture_has_one_class_per_mode_each_point_near_its_centre(name: str, modes: int, settings: Settings) -> None:
    splits = load_dataset(DatasetRef(name=name), settings, seed=0)
    centres = torch.from_numpy(ring_centres() if name == "ring" else grid_centres()).float()
    assert splits.info.num_classes == modes and splits.info.class_names == [str(i) for i in range(modes)]
    assert sum(splits.info.sizes.values()) == 2000 and len(centres) == modes
    x = torch.cat([splits.train.x, splits.val.x, splits.test.x])
    y = torch.cat([splits.train.y, splits.val.y, splits.test.y])
    assert torch.bincount(y, minlength=modes).tolist() == [2000 // modes + (i < 2000 % modes) for i in range(modes)]
    offset = x - centres[y]  # (n, 2): each point from its own mode's centre, noise 0.05 by default
    assert 0.04 < float(offset.std()) < 0.06 and float(offset.norm(dim=1).max()) < 0.05 * 6
    nearest = torch.cdist(x, centres).argmin(dim=1)
    assert torch.equal(nearest, y)  # the modes do not overlap at this noise


def test_the_ring_lies_on_a_circle_of_radius_2_and_the_grid_spans_minus_4_to_4() -> None:
    ring = torch.from_numpy(ring_centres())
    assert torch.allclose(ring.norm(dim=1), torch.full((8,), 2.0, dtype=torch.float64))
    assert sorted({round(float(v), 6) for v in torch.from_numpy(grid_centres()).flatten()}) == [-4, -2, 0, 2, 4]


def test_noise_makes_circle_labels_overlap(settings: Settings) -> None:
    clean = load_dataset(DatasetRef(name="circle", params={"n": 1000}), settings)
    inside = clean.train.x.norm(dim=1) < 3.0
    assert torch.equal(clean.train.y.bool(), inside)
    noisy = load_dataset(DatasetRef(name="circle", params={"n": 1000, "noise": 0.5}), settings)
    assert not torch.equal(noisy.train.y.bool(), noisy.train.x.norm(dim=1) < 3.0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"noise": 2.0}, "noise"),
        ({"noise": -0.1}, "noise"),
        ({"n": 5}, "n"),
        ({"n": 1_000_000}, "n"),
        ({"n": "many"}, "n"),
        ({"seed": -1}, "seed"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_params_raise_invalid_dataset_param_naming_the_field(
    params: dict[str, object], field: str, settings: Settings
) -> None:
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef.model_validate({"name": "spiral", "params": params}), settings)
    assert err.value.code == "invalid_dataset_param"
    assert err.value.field == field
    assert f'"{field}"' in err.value.message


def test_noise_range_message_states_expected_and_got(settings: Settings) -> None:
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="moons", params={"noise": 3}), settings)
    assert "less than or equal to 1" in err.value.message and "3" in err.value.message


def test_unknown_param_message_lists_the_valid_params(settings: Settings) -> None:
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="xor", params={"points": 10}), settings)
    assert "n, noise, seed" in err.value.message
