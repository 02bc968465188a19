"""The raw columns a model takes, and how a table of raw rows becomes its numeric features.

A CSV's text columns are one-hot encoded for training ("color=red",
categories sorted, "(missing)" last when a value was missing). ``InputSchema``
records that encoding (each raw column's kind, its categories, the value that
fills its missing cells) together with the missing-value policy, so new rows
are encoded exactly as the training rows were: by ``encode_frame`` here
(pandas), or by the Keras preprocessing layers the engine puts in front of an
exported model.

Contract: pure pandas/numpy; no Qt, no TensorFlow. Every problem of the
rows is a ``StudioError`` naming the column and the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ffnn_studio.core.errors import StudioError, clip

MISSING_CATEGORY = "(missing)"
_SHOWN = 5


@dataclass(frozen=True)
class RawColumn:
    """One column of the raw rows: a number, or text from a fixed set of categories."""

    name: str
    kind: Literal["numeric", "categorical"]
    #: The categories in one-hot order (categorical columns only).
    categories: tuple[str, ...] = ()
    #: The value a missing number gets under the "mean" policy (the training rows' mean).
    fill: float | None = None

    @property
    def feature_names(self) -> tuple[str, ...]:
        if self.kind == "numeric":
            return (self.name,)
        return tuple(f"{self.name}={c}" for c in self.categories)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "categorical":
            out["categories"] = list(self.categories)
        if self.fill is not None:
            out["fill"] = self.fill
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RawColumn:
        kind = data.get("kind")
        if kind not in ("numeric", "categorical") or not isinstance(data.get("name"), str):
            raise StudioError(f"not a column description: {clip(repr(data), 80)}")
        fill = data.get("fill")
        return cls(
            data["name"],
            kind,
            tuple(str(c) for c in data.get("categories", ())),
            None if fill is None else float(fill),
        )


@dataclass(frozen=True)
class InputSchema:
    """The raw columns, in order, and the missing-value policy of training."""

    columns: tuple[RawColumn, ...]
    missing: Literal["drop", "mean"] = "mean"

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(n for c in self.columns for n in c.feature_names)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_categories(self) -> bool:
        return any(c.kind == "categorical" for c in self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {"missing": self.missing, "columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputSchema:
        missing = data.get("missing", "mean")
        if missing not in ("drop", "mean"):
            raise StudioError(f"'{missing}' is not a missing-value policy; use 'drop' or 'mean'")
        return cls(tuple(RawColumn.from_dict(c) for c in data.get("columns", ())), missing)

    @classmethod
    def numeric(
        cls, names: Sequence[str], fills: Sequence[float] | None = None
    ) -> InputSchema:
        """A schema of numeric columns only (built-in data sets, plain Keras models)."""
        values = list(fills) if fills is not None else [None] * len(names)
        return cls(
            tuple(
                RawColumn(str(n), "numeric", fill=None if f is None else float(f))
                for n, f in zip(names, values, strict=True)
            )
        )

    def decode(self, x: np.ndarray) -> pd.DataFrame:
        """Encoded feature rows back as raw rows (one-hot blocks → their category)."""
        x = np.asarray(x)
        out: dict[str, Any] = {}
        at = 0
        for column in self.columns:
            if column.kind == "numeric":
                out[column.name] = x[:, at].astype(np.float64)
                at += 1
            else:
                k = len(column.categories)
                block = x[:, at : at + k]
                out[column.name] = np.asarray(column.categories, dtype=object)[block.argmax(1)]
                at += k
        return pd.DataFrame(out)


def _rows_text(rows: np.ndarray, first_row: int) -> str:
    shown = ", ".join(str(int(r) + first_row) for r in rows[:_SHOWN])
    more = ", …" if len(rows) > _SHOWN else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def check_columns(schema: InputSchema, columns: Sequence[str]) -> None:
    """Refuse a table that lacks some of the schema's columns, naming them."""
    present = {str(c).strip() for c in columns}
    missing = [c for c in schema.column_names if c not in present]
    if missing:
        names = ", ".join(f"'{clip(m, 40)}'" for m in missing[:10])
        more = f" ({len(missing)} in all)" if len(missing) > 10 else ""
        raise StudioError(
            f"the data lacks the model's column{'s' if len(missing) > 1 else ''} {names}{more}; "
            f"the model takes: {', '.join(repr(c) for c in schema.column_names)}"
        )


def _is_missing(values: pd.Series) -> np.ndarray:
    missing = values.isna().to_numpy(dtype=bool)
    text = values.astype(str).str.strip()
    return missing | (text == "").to_numpy(dtype=bool)


def clean_frame(
    schema: InputSchema, frame: pd.DataFrame, *, first_row: int = 1, decimal: str = "."
) -> tuple[pd.DataFrame, np.ndarray]:
    """The schema's columns as typed raw values (missing ones filled), and the rows kept.

    Numbers become float64, text stripped ``str``. Under the "mean" policy a
    missing number takes the column's ``fill`` and missing text the category
    "(missing)"; under "drop" a row with a missing value is not kept (its
    prediction stays empty). Text in a numeric column and a category the
    model never saw are errors naming the column and the row; ``first_row``
    is the number the frame's first row has in messages.
    """
    check_columns(schema, frame.columns)
    frame = frame.rename(columns=lambda c: str(c).strip())
    keep = np.ones(len(frame), dtype=bool)
    out: dict[str, Any] = {}
    for column in schema.columns:
        values = frame[column.name]
        missing = _is_missing(values)
        name = clip(column.name, 40)
        if column.kind == "numeric":
            if pd.api.types.is_numeric_dtype(values.dtype):
                numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                text = values.astype(str).str.strip()
                if decimal != ".":
                    text = text.str.replace(decimal, ".", regex=False)
                numbers = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
            bad = np.flatnonzero(~missing & ~np.isfinite(numbers))
            if len(bad):
                example = clip(str(values.iloc[bad[0]]), 30)
                raise StudioError(
                    f"column '{name}' must hold numbers, but has '{example}' on "
                    f"{_rows_text(bad, first_row)}"
                )
            if missing.any():
                if schema.missing == "drop" or column.fill is None:
                    keep &= ~missing
                else:
                    numbers = np.where(missing, column.fill, numbers)
            out[column.name] = numbers
        else:
            text = values.astype(object).where(~missing, None)
            text = text.map(lambda v: v.strip() if isinstance(v, str) else _number_text(v))
            if missing.any():
                if schema.missing == "drop":
                    keep &= ~missing
                    text = text.where(~missing, column.categories[0])
                elif MISSING_CATEGORY in column.categories:
                    text = text.where(~missing, MISSING_CATEGORY)
                else:
                    rows = np.flatnonzero(missing)
                    raise StudioError(
                        f"column '{name}' has no value on {_rows_text(rows, first_row)}, and the "
                        f"model never saw a missing '{name}' in training; fill those cells"
                    )
            unknown = np.flatnonzero(~text.isin(column.categories).to_numpy(dtype=bool))
            if len(unknown):
                value = clip(str(text.iloc[unknown[0]]), 30)
                known = ", ".join(f"'{clip(c, 20)}'" for c in column.categories[:10])
                raise StudioError(
                    f"column '{name}' has the value '{value}' on {_rows_text(unknown, first_row)}, "
                    f"a category the model never saw in training; it knows: {known}"
                )
            out[column.name] = text.to_numpy(dtype=object)
    return pd.DataFrame(out, index=frame.index), keep


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def encode_clean(schema: InputSchema, clean: pd.DataFrame) -> np.ndarray:
    """Typed raw values (from ``clean_frame``) as the model's float32 feature matrix."""
    blocks: list[np.ndarray] = []
    for column in schema.columns:
        values = clean[column.name].to_numpy()
        if column.kind == "numeric":
            blocks.append(values.astype(np.float32)[:, None])
        else:
            index = {c: k for k, c in enumerate(column.categories)}
            codes = np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
            block = np.zeros((len(values), len(column.categories)), dtype=np.float32)
            block[np.arange(len(values)), codes] = 1.0
            blocks.append(block)
    if not blocks:
        return np.zeros((len(clean), 0), dtype=np.float32)
    return np.hstack(blocks)


def encode_frame(
    schema: InputSchema, frame: pd.DataFrame, *, first_row: int = 1, decimal: str = "."
) -> tuple[np.ndarray, np.ndarray]:
    """Raw rows as the model's feature matrix, and the mask of rows kept (see ``clean_frame``)."""
    clean, keep = clean_frame(schema, frame, first_row=first_row, decimal=decimal)
    return encode_clean(schema, clean), keep
