"""Property-based tests of CSV import: generated tables read back as written, and
damaged files end in ``StudioError`` or a data set, never in another exception.

Tables have numeric and categorical features, a class or numeric target, one
of the four delimiters and an optional header; damage is truncation, random
bytes, stray quotes, missing or extra fields, odd cells (huge, non-finite,
very long, markers of missing values) and other encodings. Examples are
bounded so that the file runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import CsvDataSource, Task
from ffnn_studio.data import Dataset, preview_csv, read_csv_dataset

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_numbers = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_words = st.sampled_from(["red", "green", "blue", "élan", "x y"])


@dataclass(frozen=True)
class Table:
    """A CSV table as generated: its text and what reading it must give."""

    text: str
    delimiter: str
    numeric: list[list[float]]
    categories: list[str] | None
    target: list[str] | list[float]
    task: Task


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n = draw(st.integers(4, 30))
    k = draw(st.integers(1, 4))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    numeric = [[draw(_numbers) for _ in range(k)] for _ in range(n)]
    categories = [draw(_words) for _ in range(n)] if draw(st.booleans()) else None
    task = draw(st.sampled_from(list(Task)))
    if task is Task.REGRESSION:
        # Not whole numbers, so the target is not taken for class labels.
        target: list = [draw(st.integers(-1000, 1000)) + 0.5 for _ in range(n)]
    else:
        labels = ["no", "yes"] if task is Task.BINARY else ["cat", "dog", "eel", "fox"]
        target = [labels[0], labels[1], *(draw(st.sampled_from(labels)) for _ in range(n - 2))]
        if task is Task.MULTICLASS:
            target[2] = labels[2]
    header = [f"f{j + 1}" for j in range(k)] + (["colour"] if categories else []) + ["y"]
    lines = [delimiter.join(header)]
    for i in range(n):
        cells = [repr(v) for v in numeric[i]] + ([categories[i]] if categories else [])
        cells.append(str(target[i]))
        lines.append(delimiter.join(cells))
    return Table("\n".join(lines) + "\n", delimiter, numeric, categories, target, task)


@contextlib.contextmanager
def _written(text: str | bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="csv-properties-") as folder:
        path = Path(folder) / "t.csv"
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        yield path


@EXAMPLES
@given(tables())
def test_generated_tables_read_back_as_written(table: Table) -> None:
    with _written(table.text) as path:
        data = read_csv_dataset(CsvDataSource(path=str(path), target="y"))
        preview = preview_csv(path)
    n, k = len(table.numeric), len(table.numeric[0])
    assert data.task is table.task
    assert data.n_samples == n
    np.testing.assert_allclose(data.x[:, :k], np.array(table.numeric, np.float32), rtol=1e-6)
    if table.categories:
        one_hot = data.x[:, k:]
        assert one_hot.shape[1] == len(set(table.categories))
        assert (one_hot.sum(axis=1) == 1).all()
    if table.task is Task.REGRESSION:
        np.testing.assert_allclose(data.y, np.array(table.target, np.float32))
    else:
        assert data.class_names == tuple(sorted(set(table.target)))
        assert [data.class_names[i] for i in data.y] == table.target
    assert preview.delimiter == table.delimiter
    assert preview.has_header


def _read_ends_well(path: Path) -> None:
    """Preview and import give a result or a StudioError; a data set is finite and whole."""
    try:
        preview_csv(path)
    except StudioError as exc:
        assert str(exc)
    try:
        data = read_csv_dataset(CsvDataSource(path=str(path), target="y", missing="mean"))
    except StudioError as exc:
        assert str(exc)
        return
    assert isinstance(data, Dataset)
    assert len(data.x) == len(data.y)
    assert np.isfinite(data.x).all()
    assert np.isfinite(data.y.astype(np.float64)).all()


_odd_cells = st.sampled_from(
    [
        "",
        "?",
        "NA",
        "nan",
        "inf",
        "-inf",
        "1e400",
        "-1e400",
        "1e-400",
        "3.5e38",
        "9" * 400,
        "9" * 5000,
        "0x1F",
        "1,5",
        "1 000",
        '"',
        '"unterminated',
        '""',
        "a\nb",
        "\x00",
        "\ud800",
        "€",
    ]
)


@st.composite
def damaged_tables(draw: st.DrawFn) -> bytes:
    """A valid table with one to three kinds of damage, as bytes."""
    table = draw(tables())
    rows = [line.split(table.delimiter) for line in table.text.splitlines()]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(rows) - 1))
        how = draw(st.sampled_from(["cell", "drop_field", "extra_field", "blank", "duplicate_header"]))
        if how == "cell":
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(_odd_cells | st.text(max_size=6))
        elif how == "drop_field" and len(rows[i]) > 1:
            del rows[i][draw(st.integers(0, len(rows[i]) - 1))]
        elif how == "extra_field":
            rows[i].append(draw(_odd_cells))
        elif how == "blank":
            rows[i] = [""]
        else:
            rows[0] = [rows[0][0]] * len(rows[0])
    text = "\n".join(table.delimiter.join(r) for r in rows) + "\n"
    raw = bytearray(text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])), "replace"))
    how = draw(st.sampled_from(["none", "truncate", "overwrite", "insert"]))
    if how == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif how == "overwrite":
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    elif how == "insert":
        at = draw(st.integers(0, len(raw)))
        raw[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(raw)


@EXAMPLES
@given(damaged_tables())
def test_damaged_tables_read_or_fail_cleanly(raw: bytes) -> None:
    with _written(raw) as path:
        _read_ends_well(path)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_read_or_fail_cleanly(raw: bytes) -> None:
    with _written(raw) as path:
        _read_ends_well(path)


def test_cell_beyond_float_range_is_refused_by_name() -> None:
    with (
        _written("a,y\n1,no\n1e400,yes\n2,no\n3,yes\n") as path,
        pytest.raises(StudioError, match=r"column 'a' has 1 value too large.*line 3"),
    ):
        read_csv_dataset(CsvDataSource(path=str(path), target="y"))
