"""Real data sets bundled with scikit-learn (read from its package, never downloaded).

Loaders are cached: a ``Dataset`` is immutable (its arrays are read-only).

Contract: scikit-learn's bundled files only, never the network; no Qt, no
TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from sklearn import datasets as skd

from ffnn_studio.core.spec import Task
from ffnn_studio.data.dataset import Dataset


def _from_bunch(name: str, bunch: Any, task: Task) -> Dataset:
    classification = task.is_classification
    return Dataset(
        name=name,
        x=np.asarray(bunch.data, dtype=np.float32),
        y=np.asarray(bunch.target, dtype=np.int32 if classification else np.float32),
        task=task,
        feature_names=tuple(str(f) for f in bunch.feature_names),
        class_names=tuple(str(c) for c in bunch.target_names) if classification else (),
    )


@cache
def iris() -> Dataset:
    """150 iris flowers, 4 measurements in cm, 3 species."""
    return _from_bunch("iris", skd.load_iris(), Task.MULTICLASS)


@cache
def wine() -> Dataset:
    """178 wines, 13 chemical measurements, 3 cultivars."""
    return _from_bunch("wine", skd.load_wine(), Task.MULTICLASS)


@cache
def breast_cancer() -> Dataset:
    """569 tumours, 30 features; class 0 is "malignant", class 1 "benign"."""
    return _from_bunch("breast_cancer", skd.load_breast_cancer(), Task.BINARY)


@cache
def digits() -> Dataset:
    """1,797 8×8 images of handwritten digits, pixel intensities 0–16, classes "0"–"9"."""
    return _from_bunch("digits", skd.load_digits(), Task.MULTICLASS)


@cache
def diabetes() -> Dataset:
    """442 patients, 10 raw (unscaled) features, disease progression after one year."""
    # scaled=False: the studio scales inside the model, and raw values read better.
    return _from_bunch("diabetes", skd.load_diabetes(scaled=False), Task.REGRESSION)


LOADERS: dict[str, Callable[[], Dataset]] = {
    "iris": iris,
    "wine": wine,
    "breast_cancer": breast_cancer,
    "digits": digits,
    "diabetes": diabetes,
}
