"""Split a data set into training, validation and test parts and measure the training part.

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


def _why_not_stratified(
    dataset: Dataset, rows: np.ndarray, n_out: int, part: str, rest: str = "training"
) -> str | None:
    """Why holding out ``n_out`` of ``rows`` per class is impossible, or None when it is possible."""
    counts = np.bincount(dataset.y[rows], minlength=dataset.n_classes)
    present = np.flatnonzero(counts)
    smallest = present[np.argmin(counts[present])]
    if counts[smallest] < 2:
        return f"class '{dataset.class_names[smallest]}' has only {counts[smallest]} row"
    n_keep = len(rows) - n_out
    if min(n_out, n_keep) < len(present):
        name, size = (part, n_out) if n_out < n_keep else (rest, n_keep)
        return f"the {name} part ({size} rows) is smaller than the number of classes ({len(present)})"
    return None


def _hold_out(
    dataset: Dataset, rows: np.ndarray, n_out: int, seed: int, part: str, notes: list[str], rest: str
) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` split into (kept, held out ``n_out``), per class where possible, both sorted."""
    if n_out == 0:
        return rows, rows[:0]
    stratify = None
    if dataset.task.is_classification:
        reason = _why_not_stratified(dataset, rows, n_out, part, rest)
        if reason is None:
            stratify = dataset.y[rows]
        else:
            notes.append(f"{part} rows were drawn at random, not per class, because {reason}")
    keep, out = train_test_split(rows, test_size=n_out, random_state=seed, shuffle=True, stratify=stratify)
    return np.sort(keep), np.sort(out)


def hold_out_test(dataset: Dataset, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(the other rows, the test rows, notes): the test part exactly as ``prepare`` holds it out."""
    _check(test_fraction, "test_fraction")
    _check(seed, "seed")
    notes: list[str] = []
    n_test = math.ceil(dataset.n_samples * test_fraction)
    if n_test >= dataset.n_samples:
        raise StudioError(
            f"data set '{dataset.name}' has {dataset.n_samples} rows: too few to hold out "
            f"{test_fraction:g} of them for testing and still train"
        )
    rest, test_index = _hold_out(
        dataset, np.arange(dataset.n_samples), n_test, seed, "test", notes, "training and validation"
    )
    return rest, test_index, notes


def prepare(
    dataset: Dataset, validation_fraction: float, seed: int, test_fraction: float = 0.0
) -> PreparedData:
    """Split ``dataset`` reproducibly from ``seed``; fit the scaling statistics on the training part.

    The test part (``test_fraction`` of all rows) is drawn first, then the
    validation part (``validation_fraction`` of all rows) from the rest, so a
    test fraction of 0 gives the same split as before there was one.
    Classification splits are stratified, so every part keeps the class
    proportions; when a class is too small for that, the split is plain random
    and a note says why. A fraction of 0 gives empty arrays for that part.
    """
    _check(validation_fraction, "validation_fraction")
    _check(test_fraction, "test_fraction")
    _check(seed, "seed")
    n = dataset.n_samples
    notes = list(dataset.notes)
    indices = np.arange(n)
    # Same rounding as scikit-learn's train_test_split: the held-out parts are rounded up.
    n_val = math.ceil(n * validation_fraction)
    n_test = math.ceil(n * test_fraction)
    if n == 0:
        raise StudioError(f"data set '{dataset.name}' has no rows")
    if n_val + n_test >= n:
        held = f"{validation_fraction:g} of them for validation"
        if test_fraction:
            held += f" and {test_fraction:g} for testing"
        raise StudioError(
            f"data set '{dataset.name}' has {n} row{'s' if n != 1 else ''}: too few to hold out "
            f"{held} and still train"
        )

    rest, test_index = _hold_out(dataset, indices, n_test, seed, "test", notes, "training and validation")
    train_index, val_index = _hold_out(dataset, rest, n_val, seed, "validation", notes, "training")
    if dataset.task.is_classification and len(notes) > len(dataset.notes):
        missing = sorted(set(range(dataset.n_classes)) - set(dataset.y[train_index].tolist()))
        if missing:
            names = ", ".join(f"'{dataset.class_names[k]}'" for k in missing)
            notes.append(f"the training part has no rows of class {names}")

    return prepared_parts(dataset, train_index, val_index, test_index, tuple(notes))


def prepared_parts(
    dataset: Dataset,
    train_index: np.ndarray,
    val_index: np.ndarray,
    test_index: np.ndarray,
    notes: tuple[str, ...],
) -> PreparedData:
    """The parts given by their row indices, scaled by the training part's statistics."""
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
        x_test=dataset.x[test_index],
        y_test=dataset.y[test_index],
        test_index=test_index,
        notes=notes,
    )
