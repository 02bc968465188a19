"""The two shapes data takes: a loaded ``Dataset`` and its split ``PreparedData``.

Contract: plain numpy containers; no Qt, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ffnn_studio.core.spec import Task

if TYPE_CHECKING:  # the schema module imports pandas, which synthetic sets do without
    from ffnn_studio.data.schema import InputSchema


def _frozen(array: np.ndarray) -> np.ndarray:
    """The array, made read-only so a shared data set cannot be changed in place."""
    array.flags.writeable = False
    return array


# eq=False: the generated __eq__ would compare arrays element-wise and fail on ``bool()``.
@dataclass(frozen=True, eq=False)
class Dataset:
    """Raw data as loaded: unscaled features, categorical features already one-hot encoded."""

    name: str
    x: np.ndarray
    y: np.ndarray
    task: Task
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    notes: tuple[str, ...] = ()
    #: The raw columns the features were encoded from (CSV imports); None means
    #: every feature is a raw numeric column (see ``input_schema``).
    schema: InputSchema | None = None

    def __post_init__(self) -> None:
        x = np.ascontiguousarray(self.x, dtype=np.float32)
        y_dtype = np.int32 if self.task.is_classification else np.float32
        y = np.ascontiguousarray(self.y, dtype=y_dtype)
        # Programming errors, not user errors: the loaders guarantee these.
        if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"x must be (n, d) and y (n,), got {x.shape} and {y.shape}")
        if x.shape[1] != len(self.feature_names):
            raise ValueError(f"{x.shape[1]} feature columns but {len(self.feature_names)} names")
        if (
            self.task.is_classification
            and len(y)
            and not 0 <= y.min() <= y.max() < len(self.class_names)
        ):
            raise ValueError("class indices must lie in [0, len(class_names))")
        object.__setattr__(self, "x", _frozen(x))
        object.__setattr__(self, "y", _frozen(y))
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes; 0 for regression."""
        return len(self.class_names) if self.task.is_classification else 0

    @property
    def input_schema(self) -> InputSchema:
        """The raw columns new rows must have; numeric columns filled with their mean by default."""
        from ffnn_studio.data.schema import InputSchema

        if self.schema is not None:
            return self.schema
        fills = self.x.mean(axis=0) if self.n_samples else None
        return InputSchema.numeric(self.feature_names, fills)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """A data set split into training, validation and test parts, with the training part's statistics.

    Features stay raw: the model normalizes them itself with ``mean`` and
    ``variance`` (a Keras ``Normalization`` layer), so an exported model takes
    raw inputs.
    """

    dataset: Dataset
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    train_index: np.ndarray
    val_index: np.ndarray
    #: The data set's import notes followed by the split's (e.g. a stratification fallback).
    notes: tuple[str, ...] = ()
    #: Rows held out from training, validation and early stopping; scored after training.
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    test_index: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.test_index is None:  # built without a test part: empty ones of the right kind
            object.__setattr__(self, "x_test", self.x_train[:0])
            object.__setattr__(self, "y_test", self.y_train[:0])
            object.__setattr__(self, "test_index", self.train_index[:0])
        for name in (
            "x_test",
            "y_test",
            "test_index",
            "x_train",
            "y_train",
            "x_val",
            "y_val",
            "mean",
            "variance",
            "train_index",
            "val_index",
        ):
            _frozen(getattr(self, name))

    @property
    def task(self) -> Task:
        return self.dataset.task

    @property
    def n_features(self) -> int:
        return self.dataset.n_features

    @property
    def n_classes(self) -> int:
        return self.dataset.n_classes

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.dataset.feature_names

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.dataset.class_names

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.x_val.shape[0])

    @property
    def n_test(self) -> int:
        assert self.x_test is not None
        return int(self.x_test.shape[0])

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, row indices into the data set) of the part ``name``: "train", "validation" or "test"."""
        if name == "train":
            return self.x_train, self.y_train, self.train_index
        if name == "validation":
            return self.x_val, self.y_val, self.val_index
        if name == "test":
            assert self.x_test is not None and self.y_test is not None and self.test_index is not None
            return self.x_test, self.y_test, self.test_index
        raise ValueError(f"no part {name!r}; parts: train, validation, test")
