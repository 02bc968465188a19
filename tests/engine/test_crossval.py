"""Cross-validation: one session per fold, each fold's scores, their mean ± std."""

from __future__ import annotations

import numpy as np

from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.data import load_dataset
from ffnn_studio.engine.crossval import CrossValidator

PROJECT = Project(
    network=NetworkSpec((DenseLayer(8, "tanh"),)),
    data=BuiltinDataSource("gaussians", {"n_samples": 90}),
    training=TrainingSettings(
        epochs=4, batch_size=16, optimizer=OptimizerSpec("adam", {"learning_rate": 0.05})
    ),
)


def test_each_fold_is_scored_on_its_own_rows_and_summarized() -> None:
    dataset = load_dataset(PROJECT.data)
    fractions: list[float] = []
    sessions = []
    outcome = CrossValidator(PROJECT, dataset, 3).run(
        progress=fractions.append, on_fold=lambda r, s: sessions.append(s)
    )
    assert [f.fold for f in outcome.folds] == [1, 2, 3] and not outcome.cancelled
    assert outcome.stratified
    rows = np.concatenate([f.val_index for f in outcome.folds])
    assert sorted(rows.tolist()) == list(range(90))
    for f, session in zip(outcome.folds, sessions, strict=True):
        assert len(f.history["val_loss"]) == 4
        # The fold's final score is its last epoch's validation score.
        assert f.val_loss == np.float32(f.history["val_loss"][-1]) or abs(
            f.val_loss - f.history["val_loss"][-1]
        ) < 1e-5
        assert session.n_val == len(f.val_index)
    scores = np.array([f.val_metric for f in outcome.folds])
    mean, std = outcome.mean_std("val_metric")
    assert mean == np.mean(scores) and std == np.std(scores)
    assert mean > 0.8
    lines = outcome.summary_lines()
    assert lines[0] == "3-fold stratified cross-validation"
    assert f"{mean:.4f} ± {std:.4f}" in lines[-1]
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    # The folds started from one project's initial weights but trained apart.
    assert not np.array_equal(
        sessions[0].weights_snapshot()[0][0], sessions[1].weights_snapshot()[0][0]
    )


def test_cancel_stops_after_the_current_fold_run() -> None:
    dataset = load_dataset(PROJECT.data)
    validator = CrossValidator(PROJECT, dataset, 4)
    outcome = validator.run(on_fold=lambda r, s: validator.cancel())
    assert outcome.cancelled and len(outcome.folds) == 1
    assert "1 of 4 folds" in outcome.summary_lines()[-1]
