"""k-fold splits for cross-validation: stratified for classification, from the seed.

Contract: numpy and scikit-learn only; no Qt, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from ffnn_studio.core.errors import StudioError
from ffnn_studio.data.dataset import Dataset, PreparedData

#: Fewest and most folds a cross-validation takes.
MIN_FOLDS, MAX_FOLDS = 2, 20


def fold_indices(dataset: Dataset, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, validation rows) of each of ``k`` folds; every row validates once.

    Classification folds keep the class proportions (``StratifiedKFold``) when every
    class has at least ``k`` rows; otherwise, and for regression, ``KFold``. Both
    shuffle from ``seed``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or not MIN_FOLDS <= k <= MAX_FOLDS:
        raise StudioError(
            f"the number of folds must be a whole number from {MIN_FOLDS} to {MAX_FOLDS}, got {k!r}"
        )
    n = dataset.n_samples
    if n < k:
        raise StudioError(f"data set '{dataset.name}' has {n} rows: too few for {k} folds")
    rows = np.arange(n)
    if is_stratified(dataset, k):
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        pairs = splitter.split(rows, dataset.y)
    else:
        pairs = KFold(n_splits=k, shuffle=True, random_state=seed).split(rows)
    return [(np.sort(tr), np.sort(va)) for tr, va in pairs]


def is_stratified(dataset: Dataset, k: int) -> bool:
    """Whether ``fold_indices`` keeps the class proportions for this data set."""
    if not dataset.task.is_classification:
        return False
    counts = np.bincount(dataset.y.astype(np.int64))
    present = counts[counts > 0]
    return bool(present.size and present.min() >= k)


def prepare_fold(dataset: Dataset, train_index: np.ndarray, val_index: np.ndarray) -> PreparedData:
    """A fold as a training/validation split, with its training part's scaling statistics."""
    x_train = dataset.x[train_index]
    scaler = StandardScaler().fit(x_train)
    variance = np.asarray(scaler.scale_, dtype=np.float64) ** 2
    return PreparedData(
        dataset=dataset,
        x_train=x_train,
        y_train=dataset.y[train_index],
        x_val=dataset.x[val_index],
        y_val=dataset.y[val_index],
        mean=np.asarray(scaler.mean_, dtype=np.float32),
        variance=variance.astype(np.float32),
        train_index=np.asarray(train_index),
        val_index=np.asarray(val_index),
        notes=dataset.notes,
    )
