"""Cross-validation of a project with a test part, and folds stopped early: the test rows
stay out of every fold and are scored after each; a fold's scores are its end weights'."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.data import load_dataset, prepare
from ffnn_studio.data.folds import fold_indices, held_out_rows

PROJECT = Project(
    network=NetworkSpec((DenseLayer(8, "tanh"),)),
    data=BuiltinDataSource("gaussians", {"n_samples": 100}),
    training=TrainingSettings(
        epochs=3,
        batch_size=16,
        seed=4,
        test_fraction=0.2,
        optimizer=OptimizerSpec("adam", {"learning_rate": 0.05}),
    ),
)


def test_the_folds_split_only_the_rows_prepare_does_not_hold_out_for_testing() -> None:
    dataset = load_dataset(PROJECT.data)
    test = held_out_rows(dataset, 0.2, 4)
    np.testing.assert_array_equal(test, prepare(dataset, 0.2, 4, 0.2).test_index)
    assert len(test) == 20
    folds = fold_indices(dataset, 4, 4, 0.2)
    vals = np.concatenate([v for _t, v in folds])
    assert sorted(vals.tolist()) == sorted(set(range(100)) - set(test.tolist()))
    for train, val in folds:
        assert not set(test) & (set(train) | set(val))
        assert len(train) + len(val) == 80
    # Without a test part the folds are what they were.
    assert [v.tolist() for _t, v in fold_indices(dataset, 4, 4)] == [
        v.tolist() for _t, v in fold_indices(dataset, 4, 4, 0.0)
    ]
    with pytest.raises(StudioError, match="once the test rows are held out: too few for 20 folds"):
        fold_indices(load_dataset(BuiltinDataSource("gaussians", {"n_samples": 24})), 20, 4, 0.2)


def test_each_fold_is_scored_on_the_held_out_test_rows_too() -> None:
    pytest.importorskip("tensorflow")
    from ffnn_studio.engine.crossval import CrossValidator

    dataset = load_dataset(PROJECT.data)
    sessions = []
    outcome = CrossValidator(PROJECT, dataset, 3).run(on_fold=lambda r, s: sessions.append(s))
    expected = prepare(dataset, 0.2, 4, 0.2).test_index
    for f, s in zip(outcome.folds, sessions, strict=True):
        np.testing.assert_array_equal(s.data.test_index, expected)
        assert f.test_scores is not None and math.isfinite(f.test_loss)
        assert f.test_metric == f.test_scores["accuracy"]
    metrics = [f.test_metric for f in outcome.folds]
    mean, std = outcome.mean_std("test_metric")
    assert mean == pytest.approx(np.mean(metrics)) and std == pytest.approx(np.std(metrics))
    lines = outcome.summary_lines()
    assert lines[0] == "3-fold stratified cross-validation, 20 test rows held out"
    assert all("test_accuracy" in line for line in lines[1:4])
    assert f"test_accuracy {mean:.4f} ± {std:.4f}" in lines[-1]


def test_a_fold_stopped_early_is_scored_with_the_restored_best_weights() -> None:
    pytest.importorskip("tensorflow")
    from ffnn_studio.engine.crossval import CrossValidator

    # A rate this high makes the validation loss bounce: early stopping ends the folds.
    training = replace(
        PROJECT.training,
        test_fraction=0.0,
        epochs=60,
        early_stopping=True,
        patience=2,
        restore_best_weights=True,
        optimizer=OptimizerSpec("sgd", {"learning_rate": 3.0}),
    )
    project = replace(PROJECT, training=training)
    outcome = CrossValidator(project, load_dataset(project.data), 2).run()
    stopped = [f for f in outcome.folds if f.epochs < 60]
    assert stopped, [f.epochs for f in outcome.folds]
    for f in stopped:
        val = f.history["val_loss"]
        best = int(np.nanargmin(val))
        assert f.epochs - (best + 1) == 2
        assert val[-1] != val[best]
        assert f.val_loss == pytest.approx(val[best], rel=1e-5)
