"""k-fold splits for cross-validation: stratified for classification, from the seed.

Contract: numpy and scikit-learn only; no Qt, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from ffnn_studio.core.errors import StudioError
from ffnn_studio.data.dataset import Dataset, PreparedData
from ffnn_studio.data.splitting import hold_out_test, prepared_parts

#: Fewest and most folds a cross-validation takes.
MIN_FOLDS, MAX_FOLDS = 2, 20


def fold_indices(
    dataset: Dataset, k: int, seed: int, test_fraction: float = 0.0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, validation rows) of each of ``k`` folds; every row not held out for
    testing validates once.

    The test part (``test_fraction``) is held out first, the same rows ``prepare``
    holds out from ``seed`` (``held_out_rows``); the folds split the rest.
    Classification folds keep the class proportions (``StratifiedKFold``) when every
    class has at least ``k`` rows; otherwise, and for regression, ``KFold``. Both
    shuffle from ``seed``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or not MIN_FOLDS <= k <= MAX_FOLDS:
        raise StudioError(
            f"the number of folds must be a whole number from {MIN_FOLDS} to {MAX_FOLDS}, got {k!r}"
        )
    rows = _fold_rows(dataset, test_fraction, seed)
    n = len(rows)
    if n < k:
        held = " once the test rows are held out" if len(rows) < dataset.n_samples else ""
        raise StudioError(f"data set '{dataset.name}' has {n} rows{held}: too few for {k} folds")
    if is_stratified(dataset, k, test_fraction, seed):
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        pairs = splitter.split(rows, dataset.y[rows])
    else:
        pairs = KFold(n_splits=k, shuffle=True, random_state=seed).split(rows)
    # The splitters number the rows they were given: back to the data set's rows.
    return [(np.sort(rows[tr]), np.sort(rows[va])) for tr, va in pairs]


def held_out_rows(dataset: Dataset, test_fraction: float, seed: int) -> np.ndarray:
    """The rows a cross-validation holds out for testing (those ``prepare`` holds out)."""
    if test_fraction <= 0:
        return np.arange(0)
    return hold_out_test(dataset, test_fraction, seed)[1]


def _fold_rows(dataset: Dataset, test_fraction: float, seed: int) -> np.ndarray:
    if test_fraction <= 0:
        return np.arange(dataset.n_samples)
    return hold_out_test(dataset, test_fraction, seed)[0]


def is_stratified(dataset: Dataset, k: int, test_fraction: float = 0.0, seed: int = 0) -> bool:
    """Whether ``fold_indices`` keeps the class proportions for this data set."""
    if not dataset.task.is_classification:
        return False
    rows = _fold_rows(dataset, test_fraction, seed)
    counts = np.bincount(dataset.y[rows].astype(np.int64))
    present = counts[counts > 0]
    return bool(present.size and present.min() >= k)


def prepare_fold(
    dataset: Dataset,
    train_index: np.ndarray,
    val_index: np.ndarray,
    test_index: np.ndarray | None = None,
) -> PreparedData:
    """A fold as a training/validation split (and the held-out test rows, scored once the
    fold's run ends), with its training part's scaling statistics."""
    test = np.asarray(test_index if test_index is not None else np.arange(0), dtype=np.int64)
    return prepared_parts(dataset, np.asarray(train_index), np.asarray(val_index), test, dataset.notes)
