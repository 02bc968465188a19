"""The test part's scores at a run's end and the weight snapshots taken for replaying a run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ffnn_studio.core.reports import RecordingSink
from ffnn_studio.core.spec import (
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.data import Dataset, prepare

pytest.importorskip("tensorflow")

from ffnn_studio.engine.training.session import TrainingSession


def _xor(n: int = 300, noise: bool = False) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y = rng.integers(0, 2, n) if noise else (x[:, 0] * x[:, 1] > 0)
    return Dataset("xor", x, y.astype(np.int32), Task.BINARY, ("a", "b"), ("neg", "pos"))


def _project(epochs: int, **training) -> Project:
    return Project(
        name="t",
        network=NetworkSpec((DenseLayer(16, "tanh"),)),
        training=TrainingSettings(
            optimizer=OptimizerSpec("adam", {"learning_rate": 0.03}),
            epochs=epochs,
            batch_size=32,
            seed=2,
            **training,
        ),
    )


def test_the_test_part_is_scored_once_at_the_end_and_never_trained_on() -> None:
    prepared = prepare(_xor(), 0.2, 2, 0.2)
    assert prepared.n_train + prepared.n_val + prepared.n_test == 300
    assert not set(prepared.test_index) & (set(prepared.train_index) | set(prepared.val_index))
    sink = RecordingSink()
    s = TrainingSession(_project(8, test_fraction=0.2), prepared, sink)
    assert (s.n_train, s.n_val) == (prepared.n_train, prepared.n_val)
    result = s.run()
    scores = result.test_scores
    assert scores is not None and sink.finishes == [result]
    proba = s.predict(prepared.x_test)[:, 0]
    hits = ((proba >= 0.5).astype(int) == prepared.y_test).mean()
    assert scores["accuracy"] == pytest.approx(hits)
    p = np.clip(proba.astype(np.float64), 1e-7, 1 - 1e-7)
    y = prepared.y_test
    assert scores["loss"] == pytest.approx(
        -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-3
    )
    assert 0.0 <= scores["roc_auc"] <= 1.0


def test_without_a_test_part_there_are_no_test_scores() -> None:
    result = TrainingSession(_project(2), prepare(_xor(), 0.2, 2)).run()
    assert result.test_scores is None


def test_early_stopping_does_not_depend_on_the_test_rows() -> None:
    prepared = prepare(_xor(200, noise=True), 0.4, 2, 0.2)
    rng = np.random.default_rng(9)
    other = dataclasses.replace(
        prepared,
        x_test=rng.normal(size=prepared.x_test.shape).astype(np.float32) * 5,
        y_test=(1 - prepared.y_test).astype(np.int32),
    )
    runs = []
    for data in (prepared, other):
        s = TrainingSession(_project(200, early_stopping=True, patience=3, test_fraction=0.2), data)
        runs.append((s.run(), s.history.column("val_loss"), s.history.best_epoch()))
    (a, val_a, best_a), (b, val_b, best_b) = runs
    assert "Early stopping" in a.message and a.epochs_completed < 200
    assert best_a == best_b and a.epochs_completed == b.epochs_completed
    np.testing.assert_array_equal(val_a, val_b)
    assert a.test_scores != b.test_scores  # the test rows did change


def test_regression_test_scores() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    ds = Dataset(
        "lin", x, (x[:, 0] * 2 - x[:, 1]).astype(np.float32), Task.REGRESSION, ("a", "b", "c"), ()
    )
    prepared = prepare(ds, 0.2, 0, 0.25)
    proj = dataclasses.replace(
        _project(5, test_fraction=0.25),
        training=TrainingSettings(loss="mse", epochs=5, test_fraction=0.25),
    )
    s = TrainingSession(proj, prepared)
    scores = s.run().test_scores
    assert scores is not None and {"loss", "mae", "rmse", "r2"} <= set(scores)
    err = s.predict(prepared.x_test)[:, 0] - prepared.y_test
    assert scores["mae"] == pytest.approx(np.abs(err).mean(), rel=1e-5)
    assert scores["loss"] == pytest.approx((err.astype(np.float64) ** 2).mean(), rel=1e-4)


def test_snapshots_are_evenly_spaced_and_hold_the_weights_of_their_epoch() -> None:
    prepared = prepare(_xor(), 0.2, 2)
    s = TrainingSession(_project(60), prepared)
    s.run()
    epochs = s.epoch_snapshots.epochs()
    assert epochs == list(range(0, 61, 2))  # the initial weights, then every second epoch of 60
    final = s.weights_snapshot()
    for (k, b), (k2, b2) in zip(s.epoch_snapshots.weights(60), final, strict=True):
        np.testing.assert_array_equal(k, k2)
        np.testing.assert_array_equal(b, b2)
    # The same seed trained for 10 epochs ends where the snapshot of epoch 10 is.
    short = TrainingSession(_project(10), prepared)
    short.run()
    for (k, _), (k2, _) in zip(s.epoch_snapshots.weights(10), short.weights_snapshot(), strict=True):
        np.testing.assert_allclose(k, k2, rtol=1e-5, atol=1e-6)
    # Training on keeps the total bounded.
    for _ in range(4):
        s.run(60)
    assert len(s.epoch_snapshots) <= 2 * s.epoch_snapshots.count + 1
    assert s.epoch_snapshots.epochs()[-1] == 300
    s.reset_weights()
    assert len(s.epoch_snapshots) == 0
