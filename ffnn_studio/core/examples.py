"""The example projects that ship in ``ffnn_studio.resources/examples``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ffnn_studio.core.project_file import EXTENSION

DEFAULT_EXAMPLE = "spirals"


def resources_dir() -> Path:
    """The bundled resources: the installed package, or ``resources/`` in a source checkout."""
    try:
        return Path(str(resources.files("ffnn_studio.resources")))
    except ModuleNotFoundError:
        # Importing the package straight from a checkout that was installed
        # non-editable: the wheel maps resources/ to ffnn_studio.resources,
        # the source tree keeps it beside the package.
        return Path(__file__).resolve().parents[2] / "resources"


def examples_dir() -> Path:
    return resources_dir() / "examples"


def example_paths() -> list[Path]:
    """Every bundled example project, sorted by name."""
    return sorted(examples_dir().glob(f"*{EXTENSION}"))


def example_path(name: str) -> Path:
    return examples_dir() / f"{name}{EXTENSION}"


def default_project_path() -> Path:
    """The built-in default project the window opens with."""
    return example_path(DEFAULT_EXAMPLE)
