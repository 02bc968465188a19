"""The fields a person sets to try a network: one per data column, text columns gathered back."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.core.spec import CsvDataSource, Task
from ffnn_studio.data import Dataset, prepare
from ffnn_studio.data.csv_import import read_csv_dataset
from ffnn_studio.data.input_fields import (
    CategoricalField,
    NumericField,
    default_values,
    encode_inputs,
    input_fields,
    row_values,
)


def test_a_text_column_is_one_field_and_rows_round_trip(tmp_path) -> None:
    lines = ["size,color,weight,label"] + [
        f"{i},{c},{i * 0.5},{'a' if i % 2 else 'b'}"
        for i, c in enumerate(["red", "blue", "red", "green"] * 3)
    ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    prepared = prepare(read_csv_dataset(CsvDataSource("t.csv", "label"), tmp_path), 0.25, 0)
    fields = input_fields(prepared)
    assert [f.name for f in fields] == ["size", "color", "weight"]
    size, color, weight = fields
    assert isinstance(size, NumericField) and isinstance(color, CategoricalField)
    assert color.categories == ("blue", "green", "red") and color.most_common == "red"
    assert size.low == prepared.x_train[:, 0].min() and size.high == prepared.x_train[:, 0].max()
    assert isinstance(weight, NumericField) and weight.column == prepared.n_features - 1
    for row in prepared.x_train:
        values = row_values(fields, row)
        np.testing.assert_array_equal(encode_inputs(fields, values, prepared.n_features)[0], row)
    start = default_values(fields)
    assert start["color"] == "red"
    assert start["size"] == pytest.approx(float(np.mean(prepared.x_train[:, 0])))


def test_a_numeric_feature_with_an_equals_sign_stays_numeric() -> None:
    x = np.column_stack([np.linspace(0, 1, 10), np.linspace(2, 5, 10)]).astype(np.float32)
    ds = Dataset("d", x, np.arange(10, dtype=np.float32), Task.REGRESSION, ("a=1", "a=2"), ())
    fields = input_fields(prepare(ds, 0.2, 0))
    assert all(isinstance(f, NumericField) for f in fields) and [f.name for f in fields] == [
        "a=1",
        "a=2",
    ]
