"""Names derived from a project: its name following its data, and the one slug rule.

A project keeps the name it came with from an example ("Two spirals") or a
new project's "Untitled"; when its data changes, such a name would go on
naming the export header, the default file names and the generated script
after data it no longer describes. ``follow_data`` renames the project after
the new data unless its name (or description) is one the person gave it.

``slugify`` is the one rule for names made from a project's name: the export
dialog's suggested file names, the generated script's default output and the
Keras model's name (the builder's and the generated script's alike), so one
project has one name everywhere.

Contract: pure Python, no Qt, no TensorFlow.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import PurePath

from ffnn_studio.core.catalog import DATASETS
from ffnn_studio.core.spec import CsvDataSource, DataSource, Project

#: The name of a project nobody has named.
DEFAULT_NAME = Project().name


def data_title(data: DataSource) -> str:
    """A project name for ``data``: "Wine" for ``wine.csv``, "Wine quality" for ``wine_quality.csv``."""
    if isinstance(data, CsvDataSource):
        words = " ".join(
            PurePath(data.path.replace("\\", "/")).stem.replace("_", " ").replace("-", " ").split()
        )
        return words[:1].upper() + words[1:] if words else DEFAULT_NAME
    return data.describe()


def data_description(data: DataSource) -> str:
    """A one-line description of a project made from ``data``."""
    if isinstance(data, CsvDataSource):
        name = PurePath(data.path.replace("\\", "/")).name
        return f"Trained on {name}, predicting '{data.target}'."
    entry = DATASETS.get(data.name)
    return entry.help if entry is not None else ""


@lru_cache(maxsize=1)
def _example_texts() -> tuple[frozenset[str], frozenset[str]]:
    """The names and descriptions of the bundled examples (read once)."""
    from ffnn_studio.core.errors import StudioError
    from ffnn_studio.core.examples import example_paths
    from ffnn_studio.core.project_file import load_project

    names: set[str] = set()
    descriptions: set[str] = set()
    for path in example_paths():
        try:
            project = load_project(path)
        except (StudioError, OSError):
            continue  # a broken example names nothing
        names.add(project.name)
        descriptions.add(project.description)
    return frozenset(names), frozenset(descriptions)


def follow_data(project: Project, data: DataSource) -> Project:
    """``project`` with ``data``, renamed after it unless the person named it.

    A name is the person's own unless it is the default, an example's, or the
    one the previous data gives; likewise the description.
    """
    example_names, example_descriptions = _example_texts()
    old = project.data
    new = replace(project, data=data)
    if data == old:
        return new
    if project.name.strip() in {"", DEFAULT_NAME, data_title(old), *example_names}:
        new = replace(new, name=data_title(data))
    if project.description.strip() in {"", data_description(old), *example_descriptions}:
        new = replace(new, description=data_description(data))
    return new


def slugify(text: str, fallback: str = "model") -> str:
    """A lower-case, file-name-safe and Keras-safe form: ``Two spirals`` → ``two_spirals``.

    Runs of anything but letters, digits, ``_`` and ``-`` become one ``_``;
    ``fallback`` stands in when nothing is left.
    """
    slug = re.sub(r"[^\w-]+", "_", text.strip()).strip("_-").lower()
    return slug or fallback
