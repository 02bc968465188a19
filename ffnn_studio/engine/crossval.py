"""k-fold cross-validation of a project: one fresh training session per fold.

Each fold trains the project from its initial weights on the other folds'
rows and is scored on its own rows (its validation part); the result holds
each fold's curves and final scores, and their mean and standard deviation.
Folds are an option of a run, not a project setting.

Contract: imports the engine's session, the data layer's folds and the core;
never Qt. Progress and cancel come in as plain callables.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn_studio.core.reports import NullSink
from ffnn_studio.core.spec import Project
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.data.folds import fold_indices, is_stratified, prepare_fold

CURVES = ("loss", "val_loss", "metric", "val_metric")


@dataclass(frozen=True)
class FoldResult:
    """One fold's run: its rows, its curves and its final validation scores."""

    fold: int  # 1-based
    train_index: np.ndarray
    val_index: np.ndarray
    history: dict[str, np.ndarray]
    val_loss: float
    val_metric: float
    reason: str
    epochs: int


@dataclass(frozen=True)
class CrossValidation:
    """The folds' results and their summary."""

    folds: tuple[FoldResult, ...]
    k: int
    metric_name: str
    stratified: bool
    cancelled: bool = False

    def _scores(self, name: str) -> np.ndarray:
        return np.array([getattr(f, name) for f in self.folds], dtype=np.float64)

    def mean_std(self, name: str = "val_metric") -> tuple[float, float]:
        """Mean and standard deviation (over the folds; ddof 0, as scikit-learn reports)."""
        values = self._scores(name)
        if values.size == 0:
            return math.nan, math.nan
        return float(np.mean(values)), float(np.std(values))

    def summary_lines(self) -> list[str]:
        m = self.metric_name
        kind = "stratified " if self.stratified else ""
        lines = [f"{self.k}-fold {kind}cross-validation"]
        for f in self.folds:
            lines.append(
                f"  fold {f.fold}: val_loss {f.val_loss:.4f}  val_{m} {f.val_metric:.4f}"
                f"  ({len(f.train_index)} training, {len(f.val_index)} validation rows,"
                f" {f.epochs} epochs, {f.reason})"
            )
        loss_mean, loss_std = self.mean_std("val_loss")
        metric_mean, metric_std = self.mean_std("val_metric")
        done = f"{len(self.folds)} of {self.k} folds" if self.cancelled else f"{self.k} folds"
        lines.append(
            f"Mean ± std over {done}: val_loss {loss_mean:.4f} ± {loss_std:.4f}  "
            f"val_{m} {metric_mean:.4f} ± {metric_std:.4f}"
        )
        return lines


def score_of(session: Any) -> tuple[float, float]:
    """(validation loss, validation metric) of a session's current weights."""
    scores = session.evaluate_validation()
    return (math.nan, math.nan) if scores is None else scores


class CrossValidator:
    """Runs the folds in turn on the calling thread; ``cancel`` (any thread) stops at once."""

    def __init__(self, project: Project, dataset: Dataset, k: int) -> None:
        self.project = project
        self.dataset = dataset
        self.k = k
        self.splits = fold_indices(dataset, k, project.training.seed)
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._session: Any = None

    def cancel(self) -> None:
        self._cancel.set()
        with self._lock:
            session = self._session
        if session is not None:
            session.stop()

    def run(
        self,
        progress: Callable[[float], None] | None = None,
        on_fold: Callable[[FoldResult, Any], None] | None = None,
    ) -> CrossValidation:
        """Train every fold; ``on_fold(result, session)`` after each one."""
        from ffnn_studio.engine.training.session import TrainingSession

        epochs = max(1, int(self.project.training.epochs))
        results: list[FoldResult] = []
        metric = "accuracy"
        for i, (train_index, val_index) in enumerate(self.splits):
            if self._cancel.is_set():
                break
            data = prepare_fold(self.dataset, train_index, val_index)
            sink = _FoldProgress(progress, i, self.k, epochs)
            session = TrainingSession(self.project, data, sink)
            with self._lock:
                self._session = session
            if self._cancel.is_set():
                break
            finished = session.run()
            with self._lock:
                self._session = None
            if finished.reason == "stopped" and self._cancel.is_set():
                break
            metric = session.metric_name
            val_loss, val_metric = score_of(session)
            result = FoldResult(
                fold=i + 1,
                train_index=train_index,
                val_index=val_index,
                history={c: session.history.column(c) for c in CURVES},
                val_loss=val_loss,
                val_metric=val_metric,
                reason=str(finished.reason),
                epochs=session.epochs_completed,
            )
            results.append(result)
            if on_fold is not None:
                on_fold(result, session)
            if progress is not None:
                progress((i + 1) / self.k)
        return CrossValidation(
            tuple(results),
            self.k,
            metric,
            is_stratified(self.dataset, self.k),
            cancelled=len(results) < self.k,
        )


class _FoldProgress(NullSink):
    """A fold's epochs as the cross-validation's overall progress."""

    def __init__(
        self, report: Callable[[float], None] | None, fold: int, k: int, epochs: int
    ) -> None:
        self._report, self._fold, self._k, self._epochs = report, fold, k, epochs

    def chunk(self, report) -> None:
        if self._report is not None and report.epochs:
            done = report.epochs[-1].epoch / self._epochs
            self._report((self._fold + min(done, 1.0)) / self._k)


def cross_validate(project: Project, dataset: Dataset, k: int, **kw: Any) -> CrossValidation:
    """Cross-validate ``project`` on ``dataset`` with ``k`` folds (see ``CrossValidator``)."""
    return CrossValidator(project, dataset, k).run(**kw)
