"""Turn a project's data source into a ``Dataset``.

Contract: the one dispatch from a ``DataSource`` to a loader; no Qt, no
TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from ffnn_studio.core.catalog import DATASETS, DatasetEntry
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import BuiltinDataSource, CsvDataSource, DataSource
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.data.synthetic import GENERATORS


def list_datasets() -> list[DatasetEntry]:
    """The built-in data sets, in catalog order."""
    return list(DATASETS.values())


def _checked_params(entry: DatasetEntry, params: dict[str, float | int]) -> dict[str, float | int]:
    """The entry's defaults overlaid with ``params``, each checked against its range."""
    known = {p.name for p in entry.params}
    for name in params:
        if name not in known:
            takes = ", ".join(p.name for p in entry.params) or "no parameters"
            raise StudioError(
                f"data set '{entry.name}' has no parameter '{name}'; it takes {takes}"
            )
    values: dict[str, float | int] = {}
    for param in entry.params:
        value = params.get(param.name, param.default)
        problem = param.check(value)
        if problem:
            raise StudioError(f"data set '{entry.name}': {param.name} {problem}")
        values[param.name] = int(value) if param.kind == "int" else float(value)
    return values


def load_builtin(source: BuiltinDataSource) -> Dataset:
    """Generate or load a built-in data set by catalog name."""
    entry = DATASETS.get(source.name)
    if entry is None:
        raise StudioError(
            f"there is no built-in data set '{source.name}'; choose one of: {', '.join(DATASETS)}"
        )
    values = _checked_params(entry, dict(source.params))
    if entry.name in GENERATORS:
        return GENERATORS[entry.name](
            int(values["n_samples"]), float(values["noise"]), int(values["seed"])
        )
    # Imported here: scikit-learn is slow to import and synthetic sets do not need it.
    from ffnn_studio.data.real import LOADERS

    return LOADERS[entry.name]()


def load_dataset(source: DataSource, base_dir: Path | None = None) -> Dataset:
    """Load the data a source describes; a relative CSV path is resolved against ``base_dir``."""
    if isinstance(source, BuiltinDataSource):
        return load_builtin(source)
    if isinstance(source, CsvDataSource):
        from ffnn_studio.data.csv_import import read_csv_dataset

        return read_csv_dataset(source, base_dir=base_dir)
    raise TypeError(f"unknown data source {source!r}")
