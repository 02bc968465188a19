"""How well a trained network does on one part of the data: the figures the Evaluation view shows.

Classification: the confusion matrix (counts and row-normalised) at a decision
threshold, per-class precision, recall, F1 and support, ROC and
precision-recall curves with their areas (one-vs-rest for more than two
classes). Regression: R², MAE, RMSE and the residuals. Everything is computed
by ``sklearn.metrics`` from the network's outputs.

Contract: numpy and scikit-learn (imported on first use: the window imports
this module while it starts, and scikit-learn takes about a second); no Qt,
no TensorFlow.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn_studio.core.spec import Task


def _metrics() -> Any:
    """``sklearn.metrics``, imported on first use."""
    from sklearn import metrics

    return metrics


#: The parts of the data an evaluation can be taken on, with their labels.
SPLITS: dict[str, str] = {"train": "Training", "validation": "Validation", "test": "Test"}


@dataclass(frozen=True)
class Curve:
    """One ROC or precision-recall curve: x and y points and the area under it."""

    label: str
    x: np.ndarray
    y: np.ndarray
    area: float


@dataclass(frozen=True, eq=False)
class ClassificationEvaluation:
    """A classifier's figures on one part of the data, at one decision threshold."""

    class_names: tuple[str, ...]
    y_true: np.ndarray
    #: Probability of every class for every row (n, k); a binary output becomes (1 − p, p).
    proba: np.ndarray
    predicted: np.ndarray
    threshold: float
    #: confusion[i, j]: rows of true class i predicted as class j.
    confusion: np.ndarray
    #: ``confusion`` with each row divided by its total (0 where a class has no rows).
    confusion_normalized: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float
    roc: tuple[Curve, ...]
    pr: tuple[Curve, ...]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def rows_in_cell(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Positions (into this part's rows) of the rows of ``true_class`` predicted as ``predicted_class``."""
        return np.flatnonzero((self.y_true == true_class) & (self.predicted == predicted_class))


@dataclass(frozen=True, eq=False)
class RegressionEvaluation:
    """A regressor's figures on one part of the data."""

    y_true: np.ndarray
    y_pred: np.ndarray
    r2: float
    mae: float
    rmse: float

    @property
    def residuals(self) -> np.ndarray:
        """Predicted minus actual."""
        return self.y_pred - self.y_true


Evaluation = ClassificationEvaluation | RegressionEvaluation


def class_probabilities(output: np.ndarray, n_classes: int) -> np.ndarray:
    """The network's output as one probability column per class."""
    out = np.asarray(output, dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if n_classes == 2 and out.shape[1] == 1:
        return np.column_stack([1.0 - out[:, 0], out[:, 0]])
    return out


def predicted_classes(proba: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The class each row is given: for two classes class 1 from ``threshold`` up, else the most likely."""
    if proba.shape[1] == 2:
        return (proba[:, 1] >= threshold).astype(np.int64)
    return np.argmax(proba, axis=1).astype(np.int64)


def _curves(
    y_true: np.ndarray, proba: np.ndarray, names: tuple[str, ...]
) -> tuple[tuple[Curve, ...], tuple[Curve, ...]]:
    """ROC and precision-recall curves: of class 1 for two classes, else one per class against the rest."""
    metrics = _metrics()
    classes = [1] if len(names) == 2 else list(range(len(names)))
    roc, pr = [], []
    for k in classes:
        positive = y_true == k
        if positive.all() or not positive.any():
            continue  # a curve needs rows of both kinds
        score = proba[:, k]
        fpr, tpr, _ = metrics.roc_curve(positive, score)
        precision, recall, _ = metrics.precision_recall_curve(positive, score)
        label = names[k] if len(names) > 2 else f"{names[k]} (positive)"
        roc.append(Curve(label, fpr, tpr, float(metrics.roc_auc_score(positive, score))))
        pr.append(Curve(label, recall, precision, float(metrics.auc(recall, precision))))
    return tuple(roc), tuple(pr)


def evaluate_classification(
    y_true: np.ndarray, output: np.ndarray, class_names: tuple[str, ...], threshold: float = 0.5
) -> ClassificationEvaluation:
    """The figures of a classifier whose outputs for rows of classes ``y_true`` are ``output``."""
    metrics = _metrics()
    names = tuple(class_names)
    k = len(names)
    y = np.asarray(y_true, dtype=np.int64).ravel()
    proba = class_probabilities(output, k)
    predicted = predicted_classes(proba, threshold)
    labels = list(range(k))
    confusion = metrics.confusion_matrix(y, predicted, labels=labels)
    with np.errstate(invalid="ignore", divide="ignore"):
        totals = confusion.sum(axis=1, keepdims=True)
        normalized = np.where(totals > 0, confusion / np.maximum(totals, 1), 0.0)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y, predicted, labels=labels, zero_division=0
    )
    accuracy = float(metrics.accuracy_score(y, predicted)) if len(y) else math.nan
    roc, pr = _curves(y, proba, names)
    return ClassificationEvaluation(
        class_names=names,
        y_true=y,
        proba=proba,
        predicted=predicted,
        threshold=float(threshold),
        confusion=confusion,
        confusion_normalized=normalized,
        precision=np.asarray(precision, dtype=np.float64),
        recall=np.asarray(recall, dtype=np.float64),
        f1=np.asarray(f1, dtype=np.float64),
        support=np.asarray(support, dtype=np.int64),
        accuracy=accuracy,
        roc=roc,
        pr=pr,
    )


def evaluate_regression(y_true: np.ndarray, output: np.ndarray) -> RegressionEvaluation:
    """The figures of a regressor whose outputs for targets ``y_true`` are ``output``."""
    metrics = _metrics()
    y = np.asarray(y_true, dtype=np.float64).ravel()
    out = np.asarray(output, dtype=np.float64)
    pred = (out[:, 0] if out.ndim == 2 else out.ravel()).copy()
    if len(y) == 0:
        return RegressionEvaluation(y, pred, math.nan, math.nan, math.nan)
    with warnings.catch_warnings():
        # R² of fewer than two rows is undefined: scikit-learn warns and gives NaN.
        from sklearn.exceptions import UndefinedMetricWarning

        warnings.simplefilter("ignore", UndefinedMetricWarning)
        r2 = float(metrics.r2_score(y, pred)) if len(y) > 1 else math.nan
    return RegressionEvaluation(
        y_true=y,
        y_pred=pred,
        r2=r2,
        mae=float(metrics.mean_absolute_error(y, pred)),
        rmse=float(metrics.root_mean_squared_error(y, pred)),
    )


def evaluate(
    task: Task,
    y_true: np.ndarray,
    output: np.ndarray,
    class_names: tuple[str, ...] = (),
    threshold: float = 0.5,
) -> Evaluation:
    """``evaluate_classification`` or ``evaluate_regression``, as the task needs."""
    if task.is_classification:
        return evaluate_classification(y_true, output, class_names, threshold)
    return evaluate_regression(y_true, output)


def summary_scores(evaluation: Evaluation) -> dict[str, float]:
    """The few figures a run record keeps of an evaluation (NaN-free: undefined ones are left out)."""
    if isinstance(evaluation, RegressionEvaluation):
        scores = {"r2": evaluation.r2, "mae": evaluation.mae, "rmse": evaluation.rmse}
    else:
        scores = {
            "accuracy": evaluation.accuracy,
            "macro_f1": float(np.mean(evaluation.f1)) if evaluation.n_classes else math.nan,
        }
        if evaluation.roc:
            scores["roc_auc"] = float(np.mean([c.area for c in evaluation.roc]))
    return {k: v for k, v in scores.items() if math.isfinite(v)}
