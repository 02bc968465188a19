"""Data sets: built-in generators, bundled real sets, CSV import, splitting and scaling.

numpy, pandas and scikit-learn only: no Qt, no TensorFlow. The names below
are imported on first use, so ``import ffnn_studio.data.synthetic`` costs
numpy alone, not pandas and scikit-learn (≈ 1 s at start-up).

Contract: ``data`` imports the core, numpy, pandas and scikit-learn; never
Qt, TensorFlow or the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ffnn_studio.data.csv_format import MAX_CSV_BYTES, ImportCancelled
    from ffnn_studio.data.csv_import import (
        MISSING_CATEGORY,
        CsvPreview,
        infer_task,
        preview_csv,
        read_csv_dataset,
    )
    from ffnn_studio.data.dataset import Dataset, PreparedData
    from ffnn_studio.data.loading import list_datasets, load_builtin, load_dataset
    from ffnn_studio.data.splitting import prepare

_EXPORTS = {
    "MAX_CSV_BYTES": "csv_format",
    "ImportCancelled": "csv_format",
    "MISSING_CATEGORY": "csv_import",
    "CsvPreview": "csv_import",
    "infer_task": "csv_import",
    "preview_csv": "csv_import",
    "read_csv_dataset": "csv_import",
    "Dataset": "dataset",
    "PreparedData": "dataset",
    "list_datasets": "loading",
    "load_builtin": "loading",
    "load_dataset": "loading",
    "prepare": "splitting",
}

__all__ = [
    "MAX_CSV_BYTES",
    "MISSING_CATEGORY",
    "CsvPreview",
    "Dataset",
    "ImportCancelled",
    "PreparedData",
    "infer_task",
    "list_datasets",
    "load_builtin",
    "load_dataset",
    "prepare",
    "preview_csv",
    "read_csv_dataset",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
