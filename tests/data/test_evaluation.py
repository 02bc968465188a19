"""The Evaluation view's figures, checked against values worked out by hand in numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ffnn_studio.core.spec import Task
from ffnn_studio.data.evaluation import (
    class_probabilities,
    evaluate,
    evaluate_classification,
    evaluate_regression,
    summary_scores,
)


def _roc_auc_by_ranks(positive: np.ndarray, score: np.ndarray) -> float:
    """The ROC area as the share of (positive, negative) pairs ranked the right way (ties count half)."""
    pos, neg = score[positive], score[~positive]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def test_binary_confusion_and_per_class_scores_match_hand_counts() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.35 * y + rng.uniform(0, 0.65, 200), 0, 1)
    for threshold in (0.3, 0.5, 0.7):
        ev = evaluate_classification(y, p[:, None], ("no", "yes"), threshold)
        pred = (p >= threshold).astype(int)
        tp = int(((pred == 1) & (y == 1)).sum())
        tn = int(((pred == 0) & (y == 0)).sum())
        fp = int(((pred == 1) & (y == 0)).sum())
        fn = int(((pred == 0) & (y == 1)).sum())
        assert ev.confusion.tolist() == [[tn, fp], [fn, tp]]
        np.testing.assert_allclose(ev.confusion_normalized[1], [fn / (fn + tp), tp / (fn + tp)])
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        assert ev.precision[1] == pytest.approx(precision)
        assert ev.recall[1] == pytest.approx(recall)
        assert ev.f1[1] == pytest.approx(2 * precision * recall / (precision + recall))
        assert ev.support.tolist() == [int((y == 0).sum()), int((y == 1).sum())]
        assert ev.accuracy == pytest.approx((tp + tn) / 200)
    # One curve for a binary task, its area the pair-ranking probability.
    assert len(ev.roc) == 1 and len(ev.pr) == 1
    assert ev.roc[0].area == pytest.approx(_roc_auc_by_ranks(y == 1, p))
    assert 0.5 < ev.pr[0].area <= 1.0


def test_threshold_moves_rows_between_the_columns() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.2, 0.6, 0.4, 0.9])
    assert evaluate_classification(y, p, ("a", "b"), 0.5).confusion.tolist() == [[1, 1], [1, 1]]
    assert evaluate_classification(y, p, ("a", "b"), 0.3).confusion.tolist() == [[1, 1], [0, 2]]
    assert evaluate_classification(y, p, ("a", "b"), 0.95).confusion.tolist() == [[2, 0], [2, 0]]


def test_multiclass_is_one_vs_rest_and_cells_list_their_rows() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 150)
    logits = rng.normal(size=(150, 3)) + 2.0 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ev = evaluate_classification(y, proba, ("a", "b", "c"))
    pred = proba.argmax(axis=1)
    hand = np.zeros((3, 3), int)
    np.add.at(hand, (y, pred), 1)
    assert ev.confusion.tolist() == hand.tolist()
    np.testing.assert_allclose(ev.confusion_normalized.sum(axis=1), 1.0)
    assert [c.label for c in ev.roc] == ["a", "b", "c"]
    for k, curve in enumerate(ev.roc):
        assert curve.area == pytest.approx(_roc_auc_by_ranks(y == k, proba[:, k]))
    rows = ev.rows_in_cell(2, 0)
    assert sorted(rows.tolist()) == [i for i in range(150) if y[i] == 2 and pred[i] == 0]
    assert len(rows) == hand[2, 0]


def test_a_class_without_rows_has_no_curve_and_a_zero_row() -> None:
    ev = evaluate_classification(np.array([0, 0, 1]), np.eye(3)[[0, 1, 1]], ("a", "b", "c"))
    assert [c.label for c in ev.roc] == ["a", "b"]
    assert ev.confusion_normalized[2].tolist() == [0.0, 0.0, 0.0]


def test_regression_scores_match_numpy() -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(size=300)
    pred = y + rng.normal(scale=0.3, size=300)
    ev = evaluate_regression(y, pred[:, None])
    err = pred - y
    assert ev.mae == pytest.approx(np.abs(err).mean())
    assert ev.rmse == pytest.approx(math.sqrt((err**2).mean()))
    assert ev.r2 == pytest.approx(1 - (err**2).sum() / ((y - y.mean()) ** 2).sum())
    np.testing.assert_allclose(ev.residuals, err)
    assert summary_scores(ev) == pytest.approx({"r2": ev.r2, "mae": ev.mae, "rmse": ev.rmse})


def test_summary_scores_and_dispatch() -> None:
    ev = evaluate(
        Task.BINARY, np.array([0, 1, 1, 0]), np.array([[0.1], [0.8], [0.3], [0.4]]), ("a", "b")
    )
    s = summary_scores(ev)
    assert s["accuracy"] == pytest.approx(0.75)
    assert s["roc_auc"] == pytest.approx(
        _roc_auc_by_ranks(np.array([0, 1, 1, 0]) == 1, np.array([0.1, 0.8, 0.3, 0.4]))
    )
    np.testing.assert_allclose(class_probabilities(np.array([0.25]), 2), [[0.75, 0.25]])
    empty = evaluate(Task.REGRESSION, np.array([]), np.zeros((0, 1)))
    assert summary_scores(empty) == {}
