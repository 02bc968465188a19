"""CSV import: a preview for the import dialog, task inference, and the full typed read.

Rules, in the words the messages use:

- Files are UTF-8 text (a byte-order mark is fine) of at most ``MAX_CSV_BYTES``
  (200 MB). Delimiter (``,`` ``;`` tab ``|``), decimal mark and header row are
  detected; a file without a header gets columns "column 1", "column 2", ….
- Line numbers are 1-based physical lines of the file (the header is line 1).
- Missing values: empty cells and the markers NA, N/A, n/a, NaN, null, None, ?
  (pandas' defaults plus "?").
- A column is numeric when every value present is a number and categorical
  when most are text. A mostly numeric column with a few text values is an
  error that names them: one-hot encoding a column of numbers because of a
  typo would silently make a different data set.
- Categorical features are one-hot encoded ("color=red"); categorical targets
  are label-encoded with the class names sorted.
- ``missing="drop"`` drops every row with a missing value in a chosen column.
  ``missing="mean"`` fills a numeric feature's missing values with its mean
  and gives a categorical feature's missing values their own category
  "(missing)". Rows without a target value are dropped under both policies.

Contract: owns reading a CSV file into a ``Dataset``; every problem a user
can fix is a ``StudioError``. pandas and numpy; no Qt, no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ffnn_studio.core.errors import StudioError, clip
from ffnn_studio.core.spec import CsvDataSource, Task
from ffnn_studio.data.csv_format import (
    EXTRA_NA_VALUES,
    ImportCancelled,
    ImportTracker,
    Layout,
    check_size,
    delimiter_name,
    detect_layout,
    is_data_file,
    resolve_path,
    scan_records,
    utf8_error,
)
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.data.schema import InputSchema, RawColumn

__all__ = [
    "MAX_CATEGORIES",
    "MAX_CLASSES",
    "MISSING_CATEGORY",
    "CsvPreview",
    "ImportCancelled",
    "infer_task",
    "preview_csv",
    "read_csv_dataset",
]

ColumnKind = Literal["numeric", "categorical"]

#: A categorical feature with more distinct values is refused (one column per value).
MAX_CATEGORIES = 100
#: A classification target with more classes is refused.
MAX_CLASSES = 200
#: A column of whole numbers with at most this many distinct values is read as classes.
MAX_INTEGER_CLASSES = 10
#: The category that missing values of a categorical feature get under the "mean" policy.
MISSING_CATEGORY = "(missing)"
CHUNK_ROWS = 50_000
_SHOWN_LINES = 5


@dataclass(frozen=True, eq=False)
class CsvPreview:
    """The start of a CSV file as the import dialog shows it."""

    path: Path
    delimiter: str
    decimal: str
    has_header: bool
    columns: tuple[str, ...]
    #: The first rows, missing values as NaN.
    rows: pd.DataFrame
    #: Per column, in ``columns`` order: "numeric" or "categorical", judged on the preview rows.
    kinds: tuple[ColumnKind, ...]
    #: Per column: missing values among the preview rows.
    missing: tuple[int, ...]
    size_bytes: int
    #: True when the file has more rows than ``rows`` holds.
    truncated: bool
    #: Problems the full import would refuse, seen in the preview rows (e.g. text in a numeric column).
    problems: tuple[str, ...] = ()

    def kind_of(self, column: str) -> ColumnKind:
        return self.kinds[self.columns.index(column)]

    def task_for(self, column: str) -> Task:
        """The task inferred if ``column`` (judged on the preview rows) were the target."""
        return infer_task(self.rows[column])

    @property
    def suggested_target(self) -> str:
        """The last column: where most data sets keep the target."""
        return self.columns[-1]


@dataclass
class _Column:
    """One column's values, typed."""

    name: str
    kind: ColumnKind
    #: float64 for numeric columns, stripped ``str`` objects for categorical ones.
    values: np.ndarray
    missing: np.ndarray


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _quote_list(values: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(f"'{v}'" for v in values[:limit])
    return shown + (f", … ({len(values):,} in all)" if len(values) > limit else "")


class _Lines:
    """Maps row positions to file line numbers for messages."""

    def __init__(self, starts: np.ndarray | None) -> None:
        self._starts = starts

    def of(self, row: int) -> str:
        if self._starts is None:
            return f"data row {row + 1}"
        return f"line {int(self._starts[row])}"

    def some(self, rows: np.ndarray) -> str:
        """The first few rows' line numbers: "lines 4, 9, 17, …"."""
        if self._starts is None:
            word, numbers = "data row", [int(r) + 1 for r in rows[:_SHOWN_LINES]]
        else:
            word, numbers = "line", [int(self._starts[r]) for r in rows[:_SHOWN_LINES]]
        text = f"{word}{'s' if len(rows) > 1 else ''} {', '.join(map(str, numbers))}"
        return text + (", …" if len(rows) > _SHOWN_LINES else "")


def _number_text(value: float) -> str:
    """A class name for a number: "3" for 3.0, "0.5" for 0.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return _number_text(value)
    return str(value)


def _numeric_candidate(value: object, text: str) -> object:
    """What ``pd.to_numeric`` should see for one distinct value."""
    if isinstance(value, (bool, np.bool_)):
        # Python bools would read as 1 and 0; "True"/"False" are categories.
        return None
    # Numbers from chunks pandas parsed as numeric keep their full precision.
    return value if isinstance(value, (int, float, np.number)) else text


def _typed(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """(numbers with NaN elsewhere, missing mask, mask of present values that are not numbers,
    the values as stripped text with None where missing, or None for a numeric dtype)."""
    missing = series.isna().to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, missing, np.zeros_like(missing), None
    # Work on the distinct values: text columns repeat a few values many times.
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    texts = [_as_text(u) for u in uniques]
    candidates = [_numeric_candidate(u, t) for u, t in zip(uniques, texts, strict=True)]
    numbers = pd.to_numeric(pd.Series(candidates, dtype=object), errors="coerce")
    # Code -1 (a missing marker) picks the appended last entry.
    numbers_ext = np.append(numbers.to_numpy(dtype=np.float64, na_value=np.nan), np.nan)
    blank_ext = np.append(np.array([t == "" for t in texts], dtype=bool), True)
    texts_ext = np.array([*texts, None], dtype=object)
    values = numbers_ext[codes]
    missing = blank_ext[codes]
    text_values = texts_ext[codes]
    text_values[missing] = None
    return values, missing, ~missing & np.isnan(values), text_values


def _analyse(
    name: str,
    series: pd.Series,
    lines: _Lines,
    problems: list[str] | None = None,
) -> _Column:
    """Type a column; raise (or, with ``problems``, record) text in a numeric column."""
    values, missing, not_number, texts = _typed(series)
    n_text = int(not_number.sum())
    n_present = int((~missing).sum())
    if n_text == 0:
        with np.errstate(over="ignore", invalid="ignore"):  # the message below says it
            bad = ~missing & ~np.isfinite(values.astype(np.float32))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            message = (
                f"column '{name}' has {_plural(int(bad.sum()), 'value')} too large for the studio "
                f"(beyond ±3.4e38 or infinite), e.g. {values[row]:g} on {lines.of(row)}"
            )
            if problems is None:
                raise StudioError(message)
            problems.append(message)
        return _Column(name, "numeric", values, missing)
    if 2 * n_text < n_present:
        assert texts is not None
        rows = np.flatnonzero(not_number)
        examples = ", ".join(f"'{texts[r]}' on {lines.of(int(r))}" for r in rows[:3])
        message = (
            f"column '{name}' has {_plural(n_text, 'non-numeric value')} among its numbers, "
            f"e.g. {examples}. Correct them, or empty those cells to make them missing values."
        )
        if problems is None:
            raise StudioError(message)
        problems.append(message)
        return _Column(name, "numeric", values, missing | not_number)
    assert texts is not None
    return _Column(name, "categorical", texts, missing)


def _task_of(column: _Column) -> Task:
    present = column.values[~column.missing]
    if len(present) == 0:
        raise StudioError(f"column '{column.name}' has no values")
    if column.kind == "categorical":
        return Task.BINARY if len(set(present.tolist())) <= 2 else Task.MULTICLASS
    distinct = np.unique(present)
    whole = bool(np.all(np.isfinite(distinct)) and np.all(distinct == np.round(distinct)))
    if whole and len(distinct) <= max(2, min(MAX_INTEGER_CLASSES, len(present) // 2)):
        return Task.BINARY if len(distinct) <= 2 else Task.MULTICLASS
    return Task.REGRESSION


def infer_task(series: pd.Series | Sequence[object] | np.ndarray) -> Task:
    """The task a target column suggests.

    Text → classification; whole numbers with few distinct values (at most 10,
    and at most half the rows) → classification; other numbers → regression.
    Two classes make it binary.
    """
    s = series if isinstance(series, pd.Series) else pd.Series(list(series), dtype=object)
    problems: list[str] = []
    column = _analyse(str(s.name) if s.name is not None else "target", s, _Lines(None), problems)
    return _task_of(column)


def _encode_target(
    column: _Column, task: Task, keep: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The target as class indices (with sorted class names) or as floats."""
    values = column.values[keep]
    name = column.name
    if not task.is_classification:
        if column.kind == "categorical":
            raise StudioError(
                f"target column '{name}' holds text (e.g. '{values[0]}'), not numbers; "
                "regression needs a numeric target: choose a classification task"
            )
        if len(values) and np.all(values == values[0]):
            raise StudioError(
                f"target column '{name}' has the same value ({values[0]:g}) on every row: "
                "there is nothing to learn"
            )
        return values.astype(np.float32), ()
    classes, y = np.unique(values, return_inverse=True)
    if column.kind == "categorical":
        names = tuple(str(c) for c in classes)
    else:
        names = tuple(_number_text(float(c)) for c in classes)
    if len(names) == 1:
        raise StudioError(
            f"target column '{name}' has a single class ('{names[0]}') in all "
            f"{_plural(len(values), 'row')}; a classifier needs at least two classes"
        )
    if len(names) > MAX_CLASSES:
        raise StudioError(
            f"target column '{name}' has {len(names):,} distinct values: too many classes "
            f"(at most {MAX_CLASSES}); choose the regression task if it holds quantities"
        )
    if task is Task.BINARY and len(names) != 2:
        raise StudioError(
            f"the task is binary, but target column '{name}' has {len(names)} classes "
            f"({_quote_list(names)}); choose multi-class classification"
        )
    return y.astype(np.int32), names


def _columns_text(columns: Sequence[str], quote: bool, limit: int = 12) -> str:
    """The columns as a message lists them: a few names, or only their count."""
    if not quote:
        return f"{_plural(len(columns), 'column')} (names not shown: not a .csv or .tsv file)"
    return _quote_list([clip(c, 40) for c in columns], limit)


def _choose_columns(
    source: CsvDataSource, columns: tuple[str, ...], quote: bool = True
) -> tuple[str, list[str]]:
    available = _columns_text(columns, quote)
    target = source.target.strip()
    if not target:
        raise StudioError(f"no target column chosen; the columns are: {available}")
    if target not in columns:
        raise StudioError(
            f"target column '{clip(target, 60)}' not found; the columns are: {available}"
        )
    if source.features is None:
        features = [c for c in columns if c != target]
    else:
        features = list(dict.fromkeys(source.features))
        unknown = [f for f in features if f not in columns]
        if unknown:
            raise StudioError(
                f"feature column{'s' if len(unknown) > 1 else ''} "
                f"{_quote_list([clip(u, 40) for u in unknown], 5)} not found; "
                f"the columns are: {available}"
            )
        if target in features:
            raise StudioError(f"column '{target}' is the target; it cannot also be a feature")
    if not features:
        raise StudioError(
            f"no usable feature column: the file has only the target column '{target}'"
            if source.features is None
            else "no usable feature column: no feature columns chosen"
        )
    return target, features


def _read_columns(
    path: Path,
    layout: Layout,
    wanted: list[str],
    progress: ImportTracker,
    start: float,
    stop: float,
    as_text: bool = False,
) -> dict[str, pd.Series]:
    """Read ``wanted`` columns of every row with pandas, in chunks."""
    size = path.stat().st_size or 1
    positions = sorted(layout.columns.index(c) for c in wanted)
    parts: dict[str, list[pd.Series]] = {c: [] for c in wanted}
    try:
        with path.open("rb") as handle:
            reader = pd.read_csv(
                handle,
                sep=layout.delimiter,
                decimal=layout.decimal,
                header=0 if layout.has_header else None,
                names=list(layout.columns),
                usecols=positions,
                dtype=str if as_text else None,
                na_values=list(EXTRA_NA_VALUES),
                keep_default_na=True,
                quotechar='"',
                skip_blank_lines=True,
                encoding="utf-8-sig",
                engine="c",
                chunksize=CHUNK_ROWS,
            )
            with reader:
                for chunk in reader:
                    for c in wanted:
                        parts[c].append(chunk[c])
                    progress.update(start + (stop - start) * handle.tell() / size)
    except UnicodeDecodeError:
        raise utf8_error(path) from None
    except pd.errors.ParserError as e:
        raise StudioError(f"cannot read {path.name}: {e}") from None
    return {
        c: pd.concat(p, ignore_index=True) if len(p) > 1 else p[0].reset_index(drop=True)
        for c, p in parts.items()
    }


def _one_hot(column: _Column, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """One-hot columns of a categorical feature over ``rows``, and their names."""
    values = column.values[rows]
    missing = column.missing[rows]
    categories = sorted(set(values[~missing].tolist()))
    if len(categories) > MAX_CATEGORIES:
        raise StudioError(
            f"column '{column.name}' has {len(categories):,} distinct text values: too many to "
            f"one-hot encode as a feature (at most {MAX_CATEGORIES}); leave it out of the features"
        )
    if missing.any():
        categories.append(MISSING_CATEGORY)
        values = values.copy()
        values[missing] = MISSING_CATEGORY
    index = {c: k for k, c in enumerate(categories)}
    codes = np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    matrix = np.zeros((len(values), len(categories)), dtype=np.float32)
    matrix[np.arange(len(values)), codes] = 1.0
    return matrix, [f"{column.name}={c}" for c in categories]


def read_csv_dataset(
    source: CsvDataSource,
    base_dir: Path | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Dataset:
    """Read a CSV file into a ``Dataset`` following ``source``'s column choices.

    ``progress(fraction)`` is called as the reading advances (0 to 1);
    ``cancelled()`` is polled and, once it returns True, the import stops by
    raising ``ImportCancelled``. Problems of the file raise ``StudioError``.
    """
    path = resolve_path(source.path, base_dir)
    if source.missing not in ("drop", "mean"):
        raise StudioError(f"'{source.missing}' is not a missing-value policy; use 'drop' or 'mean'")
    task: Task | None = None
    if source.task is not None:
        try:
            task = Task(source.task)
        except ValueError:
            choices = ", ".join(t.value for t in Task)
            raise StudioError(f"'{source.task}' is not a task; use one of: {choices}") from None
    tracker = ImportTracker(progress, cancelled)
    tracker.update(0.0)
    check_size(path)
    # CsvDataSource may gain a has_header field; until then the header is detected.
    layout = detect_layout(path, source.delimiter, getattr(source, "has_header", None))
    try:
        return _read(path, layout, source, task, tracker)
    except StudioError as e:
        if e.where is None:
            e.where = path.name
        raise


def _read(
    path: Path, layout: Layout, source: CsvDataSource, task: Task | None, tracker: ImportTracker
) -> Dataset:
    if layout.duplicates:
        raise StudioError(layout.duplicates)
    target, features = _choose_columns(source, layout.columns, is_data_file(path))
    starts = scan_records(path, layout, tracker, span=(0.0, 0.45))
    raw = _read_columns(path, layout, [target, *features], tracker, 0.45, 0.95)
    n_rows = len(raw[target])
    # The two passes agree on what a row is; should they ever not, messages
    # fall back to counting data rows instead of naming lines.
    lines = _Lines(starts if len(starts) == n_rows else None)

    columns: dict[str, _Column] = {}
    for name, series in raw.items():
        column = _analyse(name, series, lines)
        if (
            column.kind == "categorical"
            and not isinstance(series.dtype, pd.StringDtype)
            and not all(isinstance(v, str) for v in series.dropna().to_numpy(dtype=object))
        ):
            # pandas read some chunks of this column as numbers: read its exact text again.
            text = _read_columns(path, layout, [name], tracker, 0.95, 0.95, as_text=True)[name]
            column = _analyse(name, text, lines)
        columns[name] = column
    tracker.update(0.96)

    notes: list[str] = []
    if layout.delimiter != ",":
        notes.append(f"columns are separated by {delimiter_name(layout.delimiter)}")
    if layout.decimal != ".":
        notes.append("numbers are written with decimal commas")
    if not layout.has_header:
        notes.append(
            f"the file has no header row; its columns are named 'column 1' to "
            f"'column {len(layout.columns)}'"
        )

    usable = []
    for name in features:
        if columns[name].missing.all():
            notes.append(f"column '{name}' is empty and was left out")
        else:
            usable.append(name)
    if not usable:
        raise StudioError(
            "no usable feature column: every feature column is empty "
            f"({', '.join(repr(f) for f in features)})"
        )

    target_column = columns[target]
    keep = ~target_column.missing
    if not keep.any():
        raise StudioError(f"target column '{target}' has no values")
    no_target = np.flatnonzero(~keep)
    if len(no_target):
        notes.append(
            f"dropped {_plural(len(no_target), 'row')} without a target value "
            f"({lines.some(no_target)})"
        )
    task = task or _task_of(target_column)

    feature_missing = np.zeros(n_rows, dtype=bool)
    for name in usable:
        feature_missing |= columns[name].missing
    if source.missing == "drop":
        dropped = np.flatnonzero(keep & feature_missing)
        keep &= ~feature_missing
        if len(dropped):
            notes.append(
                f"dropped {_plural(len(dropped), 'row')} with missing values "
                f"({lines.some(dropped)})"
            )
        if not keep.any():
            raise StudioError(
                "no rows left: every row has a missing value in a chosen column; "
                "choose the missing-value policy 'mean', or fewer feature columns"
            )

    y, class_names = _encode_target(target_column, task, keep)
    rows = np.flatnonzero(keep)
    blocks: list[np.ndarray] = []
    feature_names: list[str] = []
    filled: list[str] = []
    raw_columns: list[RawColumn] = []
    for name in usable:
        column = columns[name]
        if column.kind == "numeric":
            values = column.values[rows]
            missing = column.missing[rows]
            if missing.all():
                raise StudioError(
                    f"column '{name}' has no values in the rows that have a target value"
                )
            mean = float(np.mean(values[~missing]))
            raw_columns.append(RawColumn(name, "numeric", fill=mean))
            if missing.any():
                values = np.where(missing, mean, values)
                filled.append(f"'{name}' ({int(missing.sum())} with the mean {mean:.6g})")
            blocks.append(values.astype(np.float32)[:, None])
            feature_names.append(name)
        else:
            matrix, names = _one_hot(column, rows)
            categories = tuple(n[len(name) + 1 :] for n in names)
            raw_columns.append(RawColumn(name, "categorical", categories))
            n_missing = int(column.missing[rows].sum())
            if n_missing:
                filled.append(f"'{name}' ({n_missing} as the category '{MISSING_CATEGORY}')")
            blocks.append(matrix)
            feature_names.extend(names)
    if filled:
        notes.append("filled missing values: " + ", ".join(filled))
    tracker.update(1.0)
    return Dataset(
        name=path.stem,
        x=np.hstack(blocks),
        y=y,
        task=task,
        feature_names=tuple(feature_names),
        class_names=class_names,
        notes=tuple(notes),
        schema=InputSchema(tuple(raw_columns), source.missing),
    )


def preview_csv(
    path: str | Path,
    delimiter: str | None = None,
    max_rows: int = 50,
    has_header: bool | None = None,
) -> CsvPreview:
    """The first ``max_rows`` rows of a CSV file, with the detected layout and column kinds.

    ``delimiter`` and ``has_header`` override the detection (the dialog's choices).
    """
    path = resolve_path(path)
    size = check_size(path)
    layout = detect_layout(path, delimiter, has_header)
    try:
        starts = scan_records(path, layout, max_records=max_rows + 1)
    except StudioError as e:
        if e.where is None:
            e.where = path.name
        raise
    truncated = len(starts) > max_rows
    starts = starts[:max_rows]
    try:
        rows = pd.read_csv(
            path,
            sep=layout.delimiter,
            decimal=layout.decimal,
            header=0 if layout.has_header else None,
            names=list(layout.columns),
            nrows=max_rows,
            na_values=list(EXTRA_NA_VALUES),
            keep_default_na=True,
            quotechar='"',
            skip_blank_lines=True,
            encoding="utf-8-sig",
            engine="c",
        )
    except UnicodeDecodeError:
        raise utf8_error(path) from None
    except pd.errors.ParserError as e:
        raise StudioError(f"cannot read {path.name}: {e}") from None
    lines = _Lines(starts if len(starts) == len(rows) else None)
    problems: list[str] = [layout.duplicates] if layout.duplicates else []
    analysed = [_analyse(c, rows[c], lines, problems) for c in layout.columns]
    return CsvPreview(
        path=path,
        delimiter=layout.delimiter,
        decimal=layout.decimal,
        has_header=layout.has_header,
        columns=layout.columns,
        rows=rows,
        kinds=tuple(c.kind for c in analysed),
        missing=tuple(int(c.missing.sum()) for c in analysed),
        size_bytes=size,
        truncated=truncated,
        problems=tuple(problems),
    )
