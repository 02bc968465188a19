"""Split a data set into training and validation parts and measure the training part.

Contract: numpy and scikit-learn; no Qt, no TensorFlow. The scaling
statistics it measures become the model's Normalization layer.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from ffnn_studio.core.catalog import TRAINING
from ffnn_studio.core.errors import StudioError
from ffnn_studio.data.dataset import Dataset, PreparedData


def _check(value: float | int, param_name: str) -> None:
    param = getattr(TRAINING, param_name)
    problem = param.check(value)
    if problem:
        raise StudioError(f"{param.label} {problem}")


def _why_not_stratified(dataset: Dataset, n_val: int) -> str | None:
    """Why a stratified split is impossible, or None when it is possible."""
    counts = np.bincount(dataset.y, minlength=dataset.n_classes)
    present = np.flatnonzero(counts)
    smallest = present[np.argmin(counts[present])]
    if counts[smallest] < 2:
        return f"class '{dataset.class_names[smallest]}' has only {counts[smallest]} row"
    n_train = dataset.n_samples - n_val
    if min(n_val, n_train) < len(present):
        part, size = ("validation", n_val) if n_val < n_train else ("training", n_train)
        return (
            f"the {part} part ({size} rows) is smaller than the number of classes ({len(present)})"
        )
    return None


def prepare(dataset: Dataset, validation_fraction: float, seed: int) -> PreparedData:
    """Split ``dataset`` reproducibly from ``seed``; fit the scaling statistics on the training part.

    Classification splits are stratified, so both parts keep the class
    proportions; when a class is too small for that, the split is plain random
    and a note says why. A fraction of 0 gives empty validation arrays.
    """
    _check(validation_fraction, "validation_fraction")
    _check(seed, "seed")
    n = dataset.n_samples
    notes = list(dataset.notes)
    indices = np.arange(n)
    # Same rounding as scikit-learn's train_test_split: the validation part is rounded up.
    n_val = math.ceil(n * validation_fraction)
    if n == 0:
        raise StudioError(f"data set '{dataset.name}' has no rows")
    if n_val >= n:
        raise StudioError(
            f"data set '{dataset.name}' has {n} row{'s' if n != 1 else ''}: too few to hold out "
            f"{validation_fraction:g} of them for validation and still train"
        )

    if n_val == 0:
        train_index, val_index = indices, indices[:0]
    else:
        stratify = None
        if dataset.task.is_classification:
            reason = _why_not_stratified(dataset, n_val)
            if reason is None:
                stratify = dataset.y
            else:
                notes.append(
                    f"validation rows were drawn at random, not per class, because {reason}"
                )
        train_index, val_index = train_test_split(
            indices, test_size=n_val, random_state=seed, shuffle=True, stratify=stratify
        )
        train_index, val_index = np.sort(train_index), np.sort(val_index)
        if dataset.task.is_classification and stratify is None:
            missing = sorted(set(range(dataset.n_classes)) - set(dataset.y[train_index].tolist()))
            if missing:
                names = ", ".join(f"'{dataset.class_names[k]}'" for k in missing)
                notes.append(f"the training part has no rows of class {names}")

    x_train = dataset.x[train_index]
    scaler = StandardScaler().fit(x_train)
    # scale_ is 1 where a column is constant, so its variance becomes 1 and
    # normalizing subtracts the mean without dividing by zero.
    variance = np.asarray(scaler.scale_, dtype=np.float64) ** 2
    return PreparedData(
        dataset=dataset,
        x_train=x_train,
        y_train=dataset.y[train_index],
        x_val=dataset.x[val_index],
        y_val=dataset.y[val_index],
        mean=np.asarray(scaler.mean_, dtype=np.float32),
        variance=variance.astype(np.float32),
        train_index=train_index,
        val_index=val_index,
        notes=tuple(notes),
    )
