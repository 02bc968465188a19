"""The inputs a person sets to try a trained network: one per column of the data, not per feature.

A data set's features are the model's inputs; a text column of a CSV file
became several one-hot features named ``column=value`` (``csv_import``). To
try the network a person picks the column's value, so consecutive one-hot
features of one column are gathered into one categorical field, and every
other feature is a numeric field with its training range.

``encode_inputs`` is the one place that turns the fields' values into the
model's input row: where the encoding moves into the model itself, only it
changes.

Contract: numpy on ``PreparedData``; no Qt, no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ffnn_studio.data.dataset import PreparedData


@dataclass(frozen=True)
class NumericField:
    """A numeric feature: its column, training range and mean."""

    name: str
    column: int
    low: float
    high: float
    mean: float


@dataclass(frozen=True)
class CategoricalField:
    """A text column, one-hot encoded in the consecutive feature columns ``columns``."""

    name: str
    columns: tuple[int, ...]
    categories: tuple[str, ...]
    #: The category most training rows have.
    most_common: str


InputField = NumericField | CategoricalField
FieldValue = float | str


def _one_hot_groups(names: Sequence[str], x: np.ndarray) -> list[tuple[str, list[int], list[str]]]:
    """Runs of consecutive ``column=value`` features whose rows each hold exactly one 1."""
    groups: list[tuple[str, list[int], list[str]]] = []
    for i, name in enumerate(names):
        column, eq, value = name.partition("=")
        if eq and groups and groups[-1][0] == column and groups[-1][1][-1] == i - 1:
            groups[-1][1].append(i)
            groups[-1][2].append(value)
        elif eq:
            groups.append((column, [i], [value]))
    out = []
    for column, cols, values in groups:
        block = x[:, cols]
        if len(cols) >= 2 and np.isin(block, (0.0, 1.0)).all() and (block.sum(axis=1) == 1).all():
            out.append((column, cols, values))
    return out


def input_fields(prepared: PreparedData) -> tuple[InputField, ...]:
    """The fields of ``prepared``'s features in column order, ranges from the training part."""
    x = np.asarray(prepared.x_train, dtype=np.float64)
    if len(x) == 0:
        x = np.asarray(prepared.dataset.x, dtype=np.float64)
    names = prepared.feature_names
    groups = {cols[0]: (column, cols, values) for column, cols, values in _one_hot_groups(names, x)}
    fields: list[InputField] = []
    i = 0
    while i < len(names):
        if i in groups:
            column, cols, values = groups[i]
            counts = x[:, cols].sum(axis=0)
            fields.append(
                CategoricalField(column, tuple(cols), tuple(values), values[int(np.argmax(counts))])
            )
            i = cols[-1] + 1
            continue
        values = x[:, i][np.isfinite(x[:, i])]
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
        mean = float(values.mean()) if values.size else 0.0
        fields.append(NumericField(names[i], i, low, high, mean))
        i += 1
    return tuple(fields)


def default_values(fields: Sequence[InputField]) -> dict[str, FieldValue]:
    """A starting point: numeric fields at their training mean, text columns at their commonest value."""
    return {f.name: (f.mean if isinstance(f, NumericField) else f.most_common) for f in fields}


def encode_inputs(
    fields: Sequence[InputField], values: Mapping[str, FieldValue], width: int
) -> np.ndarray:
    """The model's input row (1, ``width``) for the fields' values (a text value one-hot encoded)."""
    row = np.zeros((1, width), dtype=np.float32)
    for field in fields:
        value = values[field.name]
        if isinstance(field, NumericField):
            row[0, field.column] = float(value)
        else:
            row[0, field.columns[field.categories.index(str(value))]] = 1.0
    return row


def row_values(fields: Sequence[InputField], x_row: np.ndarray) -> dict[str, FieldValue]:
    """The fields' values of a real row of features (the inverse of ``encode_inputs``)."""
    x = np.asarray(x_row, dtype=np.float64).ravel()
    out: dict[str, FieldValue] = {}
    for field in fields:
        if isinstance(field, NumericField):
            out[field.name] = float(x[field.column])
        else:
            out[field.name] = field.categories[int(np.argmax(x[list(field.columns)]))]
    return out
