"""Splitting and scaling statistics."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import BuiltinDataSource, Task
from ffnn_studio.data import Dataset, PreparedData, load_dataset, prepare


def _classification(y: list[int], d: int = 2, names: tuple[str, ...] = ("a", "b")) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset(
        name="toy",
        x=rng.normal(size=(len(y), d)),
        y=np.array(y),
        task=Task.BINARY if len(names) == 2 else Task.MULTICLASS,
        feature_names=tuple(f"f{j}" for j in range(d)),
        class_names=names,
    )


def test_stratified_split_keeps_class_proportions() -> None:
    # 80 / 20 imbalance: a plain random split of 100 rows would often miss it by a few rows.
    data = _classification([0] * 80 + [1] * 20)
    for seed in range(10):
        p = prepare(data, 0.25, seed)
        assert p.n_val == 25 and p.n_train == 75
        assert np.bincount(p.y_val).tolist() == [20, 5]
        assert np.bincount(p.y_train).tolist() == [60, 15]
        assert p.notes == ()


def test_split_is_a_partition_reproducible_from_the_seed() -> None:
    data = load_dataset(BuiltinDataSource("blobs", {"n_samples": 90}))
    a, b, c = prepare(data, 0.2, 3), prepare(data, 0.2, 3), prepare(data, 0.2, 4)
    np.testing.assert_array_equal(a.val_index, b.val_index)
    assert not np.array_equal(a.val_index, c.val_index)
    everything = np.concatenate([a.train_index, a.val_index])
    assert sorted(everything.tolist()) == list(range(90))
    np.testing.assert_array_equal(a.x_train, data.x[a.train_index])
    np.testing.assert_array_equal(a.y_val, data.y[a.val_index])


def test_regression_split() -> None:
    data = load_dataset(BuiltinDataSource("plane", {"n_samples": 100}))
    p = prepare(data, 0.3, 0)
    assert (p.n_train, p.n_val) == (70, 30)
    assert p.y_train.dtype == np.float32 and p.task is Task.REGRESSION and p.n_classes == 0


def test_zero_validation_fraction_gives_empty_validation_arrays() -> None:
    data = load_dataset(BuiltinDataSource("iris"))
    p = prepare(data, 0.0, 0)
    assert p.x_val.shape == (0, 4) and p.x_val.dtype == np.float32
    assert p.y_val.shape == (0,) and p.y_val.dtype == np.int32
    assert p.val_index.shape == (0,)
    assert p.n_train == 150


def test_scaling_statistics_come_from_the_training_part_only() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    x[:, 1] *= 10.0
    data = Dataset("toy", x, rng.normal(size=200), Task.REGRESSION, ("a", "b", "c"), ())
    p = prepare(data, 0.5, 0)
    np.testing.assert_allclose(p.mean, p.x_train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(p.variance, p.x_train.var(axis=0), rtol=1e-4)
    full_mean = data.x.mean(axis=0)
    assert not np.allclose(p.mean, full_mean, rtol=1e-3, atol=1e-4)
    assert p.mean.dtype == np.float32 and p.variance.dtype == np.float32
    assert p.mean.shape == p.variance.shape == (3,)


def test_constant_column_gets_a_nonzero_variance() -> None:
    x = np.column_stack([np.full(50, 3.0), np.arange(50.0)])
    data = Dataset("toy", x, np.arange(50.0), Task.REGRESSION, ("const", "ramp"), ())
    p = prepare(data, 0.2, 0)
    assert p.mean[0] == pytest.approx(3.0)
    assert p.variance[0] == 1.0
    assert p.variance[1] > 100


def test_too_small_class_falls_back_to_a_random_split_with_a_note() -> None:
    data = _classification([0] * 19 + [1], names=("common", "rare"))
    p = prepare(data, 0.2, 0)
    assert p.n_val == 4
    assert any("not per class" in n and "'rare' has only 1 row" in n for n in p.notes)


def test_validation_part_smaller_than_the_number_of_classes() -> None:
    data = _classification([0, 1, 2] * 4, names=("a", "b", "c"))
    p = prepare(data, 0.1, 0)
    assert p.n_val == 2
    assert any(
        "validation part (2 rows) is smaller than the number of classes (3)" in n for n in p.notes
    )


def test_dataset_notes_come_first() -> None:
    base = _classification([0] * 19 + [1])
    data = Dataset(
        base.name, base.x, base.y, base.task, base.feature_names, base.class_names, ("imported",)
    )
    p = prepare(data, 0.2, 0)
    assert p.notes[0] == "imported" and len(p.notes) >= 2


@pytest.mark.parametrize(
    ("fraction", "seed", "message"),
    [
        (0.95, 0, "Validation fraction must be in [0, 0.9], got 0.95"),
        (-0.1, 0, "Validation fraction must be in [0, 0.9]"),
        (0.2, -1, "Seed must be in"),
    ],
)
def test_bad_split_settings(fraction: float, seed: int, message: str) -> None:
    data = load_dataset(BuiltinDataSource("iris"))
    with pytest.raises(StudioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        prepare(data, fraction, seed)


def test_too_few_rows_to_split() -> None:
    data = Dataset("tiny", np.zeros((1, 2)), np.zeros(1), Task.REGRESSION, ("a", "b"), ())
    with pytest.raises(StudioError, match="has 1 row: too few"):
        prepare(data, 0.5, 0)


def test_prepared_data_exposes_the_data_set() -> None:
    data = load_dataset(BuiltinDataSource("wine"))
    p = prepare(data, 0.2, 0)
    assert isinstance(p, PreparedData)
    assert p.task is Task.MULTICLASS and p.n_classes == 3 and p.n_features == 13
    assert p.feature_names == data.feature_names and p.class_names == data.class_names
    with pytest.raises(ValueError, match="read-only"):
        p.x_train[0, 0] = 0.0


def test_test_part_is_stratified_disjoint_and_drawn_from_the_seed() -> None:
    data = _classification([0] * 60 + [1] * 30 + [2] * 10, names=("a", "b", "c"))
    a, b, c = prepare(data, 0.2, 5, 0.3), prepare(data, 0.2, 5, 0.3), prepare(data, 0.2, 6, 0.3)
    assert (a.n_train, a.n_val, a.n_test) == (50, 20, 30)
    parts = [set(a.train_index.tolist()), set(a.val_index.tolist()), set(a.test_index.tolist())]
    assert parts[0].isdisjoint(parts[1]) and parts[0].isdisjoint(parts[2]) and parts[1].isdisjoint(parts[2])
    assert set().union(*parts) == set(range(100))
    # Every part keeps the 6 : 3 : 1 proportions.
    assert np.bincount(a.y_test).tolist() == [18, 9, 3]
    assert np.bincount(a.y_val).tolist() == [12, 6, 2]
    np.testing.assert_array_equal(a.test_index, b.test_index)
    assert not np.array_equal(a.test_index, c.test_index)
    np.testing.assert_array_equal(a.x_test, data.x[a.test_index])
    np.testing.assert_array_equal(a.y_test, data.y[a.test_index])
    # The scaling statistics never see the held-out rows.
    np.testing.assert_allclose(a.mean, data.x[a.train_index].mean(axis=0), rtol=1e-5)


def test_zero_test_fraction_keeps_the_split_of_projects_without_one() -> None:
    data = load_dataset(BuiltinDataSource("blobs", {"n_samples": 90}))
    old, new = prepare(data, 0.2, 3), prepare(data, 0.2, 3, 0.0)
    np.testing.assert_array_equal(old.val_index, new.val_index)
    assert new.n_test == 0 and new.x_test.shape == (0, data.n_features) and new.test_index.shape == (0,)


def test_test_and_validation_parts_leaving_nothing_to_train_on_are_refused() -> None:
    data = _classification([0, 1] * 5)
    with pytest.raises(StudioError, match=r"too few to hold out 0\.6 of them for validation and 0\.4 for testing"):
        prepare(data, 0.6, 0, 0.4)


def test_split_by_name_gives_each_part() -> None:
    data = load_dataset(BuiltinDataSource("iris"))
    p = prepare(data, 0.2, 0, 0.2)
    for name, n in (("train", p.n_train), ("validation", p.n_val), ("test", p.n_test)):
        x, y, rows = p.split(name)
        assert len(x) == len(y) == len(rows) == n
        np.testing.assert_array_equal(y, data.y[rows])
    with pytest.raises(ValueError):
        p.split("holdout")
