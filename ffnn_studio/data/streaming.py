"""A CSV file read in blocks, for data larger than memory: one scan for the statistics, then batches.

The first pass (``scan_csv``) reads the file block by block (pandas
``read_csv(chunksize=)``) and keeps only running figures: the row count, each
numeric feature's sum and sum of squares, each text feature's categories and
the target's classes (or, for a numeric target with many values, regression).
``batches`` then reads the file again once an epoch and yields encoded
batches; rows are shuffled within each block, and each row's part (training
or validation) is drawn from the seed and its block, so every epoch splits
the same way. Memory is bounded by the block size, whatever the file's size.

Contract: pandas and numpy only; no TensorFlow, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import Task

#: Rows read at once (≈ tens of MB for a few dozen columns).
BLOCK_ROWS = 65_536
#: More categories than this in a text column is not a category: say so.
MAX_CATEGORIES = 256
#: A numeric target with at most this many distinct integer values is a class label.
MAX_INTEGER_CLASSES = 20


@dataclass
class StreamPlan:
    """What the first pass found: columns, encodings, statistics and size."""

    path: str
    target: str
    numeric: list[str]
    categories: dict[str, list[str]]
    task: Task
    classes: list[str]
    rows: int
    mean: np.ndarray
    variance: np.ndarray
    delimiter: str = ","
    feature_names: list[str] = field(default_factory=list)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.task is not Task.REGRESSION else 0

    def encode(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(features float32, targets) of a block; one-hot for the text columns."""
        parts = [frame[self.numeric].to_numpy(np.float32)] if self.numeric else []
        for column, values in self.categories.items():
            codes = pd.Categorical(frame[column].astype(str), categories=values).codes
            parts.append(np.eye(len(values), dtype=np.float32)[codes] * (codes >= 0)[:, None])
        x = np.concatenate(parts, axis=1) if parts else np.zeros((len(frame), 0), np.float32)
        target = frame[self.target]
        if self.task is Task.REGRESSION:
            y = target.to_numpy(np.float32)
        else:
            y = pd.Categorical(_labels(target), categories=self.classes).codes.astype(np.int32)
        return x, y


def _labels(column: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(column):
        column = column.astype("int64")
    return column.astype(str)


def _blocks(path: str, rows: int, delimiter: str) -> Iterator[pd.DataFrame]:
    try:
        yield from pd.read_csv(path, chunksize=rows, sep=delimiter)
    except FileNotFoundError:
        raise StudioError(f"{path}: no such file") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise StudioError(f"{path}: not a readable CSV file ({exc})") from None


def scan_csv(path: str | Path, target: str, *, block_rows: int = BLOCK_ROWS) -> StreamPlan:
    """The first streaming pass over a CSV file: its columns, encodings, statistics and row count."""
    path = str(path)
    delimiter = ";" if Path(path).suffix.lower() == ".ssv" else ","
    numeric: list[str] | None = None
    text: list[str] = []
    cats: dict[str, set[str]] = {}
    classes: set[str] = set()
    integer_target = True
    numeric_target = True
    rows = 0
    s1 = s2 = None
    for block in _blocks(path, block_rows, delimiter):
        if numeric is None:
            if target not in block.columns:
                raise StudioError(
                    f"{path}: there is no column {target!r}; the columns are {', '.join(map(str, block.columns))}"
                )
            features = [c for c in block.columns if c != target]
            numeric = [c for c in features if pd.api.types.is_numeric_dtype(block[c])]
            text = [c for c in features if c not in numeric]
            cats = {c: set() for c in text}
        if block.isna().to_numpy().any():
            bad = block.columns[block.isna().any()].tolist()
            raise StudioError(f"{path}: missing values in column {bad[0]!r} (streaming needs complete rows)")
        for c in text:
            cats[c].update(block[c].astype(str).unique())
            if len(cats[c]) > MAX_CATEGORIES:
                raise StudioError(f"{path}: column {c!r} has more than {MAX_CATEGORIES} distinct text values")
        for c in numeric:
            if not pd.api.types.is_numeric_dtype(block[c]):
                raise StudioError(f"{path}: column {c!r} has text values after row {rows} (e.g. {block[c].iloc[0]!r})")
        y = block[target]
        if numeric_target and pd.api.types.is_numeric_dtype(y):
            integer_target = integer_target and bool(np.all(np.mod(y.to_numpy(np.float64), 1) == 0))
        else:
            numeric_target = False
        if len(classes) <= MAX_CATEGORIES:
            classes.update(_labels(y).unique() if integer_target or not numeric_target else [])
        x = block[numeric].to_numpy(np.float64)
        s1 = x.sum(axis=0) if s1 is None else s1 + x.sum(axis=0)
        s2 = (x * x).sum(axis=0) if s2 is None else s2 + (x * x).sum(axis=0)
        rows += len(block)
    if not rows or numeric is None:
        raise StudioError(f"{path}: the file has no data rows")
    if numeric_target and (not integer_target or len(classes) > MAX_INTEGER_CLASSES):
        task, labels = Task.REGRESSION, []
    else:
        if len(classes) > MAX_CATEGORIES:
            raise StudioError(f"{path}: the target {target!r} has more than {MAX_CATEGORIES} classes")
        labels = sorted(classes, key=lambda v: (len(v), v) if numeric_target else v)
        if len(labels) < 2:
            raise StudioError(f"{path}: the target {target!r} has only one value")
        task = Task.BINARY if len(labels) == 2 else Task.MULTICLASS
    mean = s1 / rows
    variance = np.maximum(s2 / rows - mean * mean, 0.0)
    vocab = {c: sorted(v) for c, v in cats.items()}
    # One-hot columns: the share of rows per category is their mean; scaling them is harmless.
    names = list(numeric) + [f"{c}={v}" for c, values in vocab.items() for v in values]
    plan = StreamPlan(path, target, list(numeric), vocab, task, labels, rows, mean, variance, delimiter, names)
    n_hot = len(names) - len(numeric)
    plan.mean = np.concatenate([mean, np.zeros(n_hot)]).astype(np.float32)
    plan.variance = np.concatenate([variance, np.ones(n_hot)]).astype(np.float32)
    return plan


def validation_mask(n: int, seed: int, block: int, fraction: float) -> np.ndarray:
    """Which rows of block ``block`` are validation rows: the same in every epoch."""
    return np.random.default_rng((seed, block, 1)).random(n) < fraction


def batches(
    plan: StreamPlan,
    batch_size: int,
    *,
    part: str,
    seed: int,
    epoch: int,
    validation_fraction: float,
    block_rows: int = BLOCK_ROWS,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One pass over the file's training or validation rows (``part``), in batches."""
    carry_x: np.ndarray | None = None
    carry_y: np.ndarray | None = None
    for b, block in enumerate(_blocks(plan.path, block_rows, plan.delimiter)):
        x, y = plan.encode(block)
        val = validation_mask(len(x), seed, b, validation_fraction)
        keep = val if part == "validation" else ~val
        x, y = x[keep], y[keep]
        if part == "train":
            order = np.random.default_rng((seed, epoch, b)).permutation(len(x))
            x, y = x[order], y[order]
        if carry_x is not None:
            x, y = np.concatenate([carry_x, x]), np.concatenate([carry_y, y])
        full = (len(x) // batch_size) * batch_size
        for i in range(0, full, batch_size):
            yield x[i : i + batch_size], y[i : i + batch_size]
        carry_x, carry_y = x[full:], y[full:]
    if carry_x is not None and len(carry_x):
        yield carry_x, carry_y


def expected_rows(plan: StreamPlan, validation_fraction: float) -> tuple[int, int]:
    """About how many rows are training and validation rows (for progress and reports)."""
    val = math.floor(plan.rows * validation_fraction)
    return plan.rows - val, val
