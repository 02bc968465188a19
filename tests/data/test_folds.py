"""k-fold splits: disjoint, covering, stratified for classification, reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import Task
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.data.folds import fold_indices, is_stratified, prepare_fold


def _classes(counts: list[int]) -> Dataset:
    y = np.concatenate([np.full(c, i) for i, c in enumerate(counts)]).astype(np.int32)
    x = np.random.default_rng(0).normal(size=(len(y), 3)).astype(np.float32)
    return Dataset("c", x, y, Task.MULTICLASS, ("a", "b", "c"), tuple(f"k{i}" for i in range(len(counts))))


def test_folds_are_disjoint_cover_every_row_and_keep_class_proportions() -> None:
    data = _classes([60, 30, 10])
    folds = fold_indices(data, 5, seed=3)
    assert len(folds) == 5 and is_stratified(data, 5)
    seen = np.concatenate([val for _, val in folds])
    assert sorted(seen.tolist()) == list(range(100))  # each row validates exactly once
    for train, val in folds:
        assert not set(train) & set(val)
        assert len(train) + len(val) == 100
        # 60/30/10 of 100 rows: 12/6/2 in every fold of 20.
        assert np.bincount(data.y[val], minlength=3).tolist() == [12, 6, 2]


def test_folds_follow_the_seed() -> None:
    data = _classes([40, 40])
    a, b, c = (fold_indices(data, 4, seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c, strict=True))


def test_too_small_a_class_falls_back_to_plain_folds_and_regression_uses_them() -> None:
    data = _classes([30, 3])
    assert not is_stratified(data, 5)
    folds = fold_indices(data, 5, seed=0)
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(33))
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    reg = Dataset("r", x, x[:, 0].copy(), Task.REGRESSION, ("a", "b"), ())
    assert not is_stratified(reg, 3) and len(fold_indices(reg, 3, 0)) == 3


@pytest.mark.parametrize(
    ("counts", "k", "fragment"),
    [([20, 20], 1, "from 2 to 20"), ([20, 20], 21, "from 2 to 20"), ([2, 2], 5, "4 rows: too few")],
)
def test_bad_fold_counts_are_refused_with_a_reason(counts, k: int, fragment: str) -> None:
    data = _classes(counts)
    with pytest.raises(StudioError, match=fragment):
        fold_indices(data, k, 0)


def test_a_fold_scales_with_its_own_training_rows() -> None:
    data = _classes([20, 20])
    train, val = fold_indices(data, 4, 0)[0]
    prepared = prepare_fold(data, train, val)
    np.testing.assert_allclose(prepared.mean, data.x[train].mean(axis=0), rtol=1e-5)
    assert prepared.n_train == len(train) and prepared.n_val == len(val)


def test_the_windows_fold_bounds_are_the_data_layers() -> None:
    from ffnn_studio.data import folds
    from ffnn_studio.ui import experiments

    assert (experiments.MIN_FOLDS, experiments.MAX_FOLDS) == (folds.MIN_FOLDS, folds.MAX_FOLDS)
