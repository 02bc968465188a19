"""The example projects that ship in ``ffnn_studio.resources/examples``.

Contract: reads the packaged example files; no Qt, no TensorFlow.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.project_file import EXTENSION, load_project
from ffnn_studio.core.spec import Project

#: File name of the built-in default project the window opens with.
DEFAULT_EXAMPLE = "spirals" + EXTENSION


def resources_dir() -> Path:
    """The bundled resources: ``resources/`` in a source checkout, else the installed package."""
    # The code of a checkout reads the checkout's resources, even when an
    # (editable) installation of another tree also provides the package.
    source = Path(__file__).resolve().parents[2]
    if (source / "pyproject.toml").is_file() and (source / "resources" / "__init__.py").is_file():
        return source / "resources"
    try:
        return Path(str(resources.files("ffnn_studio.resources")))
    except ModuleNotFoundError:
        # Importing the package straight from a checkout that was installed
        # non-editable: the wheel maps resources/ to ffnn_studio.resources,
        # the source tree keeps it beside the package.
        return Path(__file__).resolve().parents[2] / "resources"


def examples_dir() -> Path:
    return resources_dir() / "examples"


def list_examples() -> list[str]:
    """File names of the bundled examples, sorted."""
    return sorted(p.name for p in examples_dir().glob(f"*{EXTENSION}"))


def example_paths() -> list[Path]:
    """Every bundled example project, sorted by name."""
    return [examples_dir() / name for name in list_examples()]


def example_path(name: str) -> Path:
    """``spirals`` or ``spirals.ffnn.json`` → the bundled file's path."""
    return examples_dir() / (name if name.endswith(EXTENSION) else name + EXTENSION)


def example_title(file_name: str) -> str:
    """``two_spirals.ffnn.json`` → ``two spirals``."""
    stem = file_name[: -len(EXTENSION)] if file_name.endswith(EXTENSION) else file_name
    return stem.replace("_", " ").replace("-", " ")


def example_menu_entries() -> list[tuple[str, str]]:
    """``(title, file name)`` of every bundled example, sorted by title.

    The title is the project's own name ("Two spirals"); an example that does
    not load keeps its file's title, so a menu still lists it and opening it
    names the problem.
    """
    entries = []
    for name in list_examples():
        try:
            title = load_example(name).name.strip() or example_title(name)
        except StudioError:
            title = example_title(name)
        entries.append((title, name))
    return sorted(entries, key=lambda entry: (entry[0].casefold(), entry[1]))


def load_example(file_name: str) -> Project:
    """Read a bundled example (``StudioError`` if it is missing or malformed)."""
    return load_project(example_path(file_name))


def default_project_path() -> Path:
    return example_path(DEFAULT_EXAMPLE)


def default_project() -> Project:
    """The built-in default project the window opens with."""
    return load_example(DEFAULT_EXAMPLE)
