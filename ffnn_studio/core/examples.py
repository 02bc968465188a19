"""The example projects that ship in ``ffnn_studio.resources/examples``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ffnn_studio.core.project_file import EXTENSION

DEFAULT_EXAMPLE = "spirals"


def examples_dir() -> Path:
    return Path(str(resources.files("ffnn_studio.resources") / "examples"))


def example_paths() -> list[Path]:
    """Every bundled example project, sorted by name."""
    return sorted(examples_dir().glob(f"*{EXTENSION}"))


def example_path(name: str) -> Path:
    return examples_dir() / f"{name}{EXTENSION}"


def default_project_path() -> Path:
    """The built-in default project the window opens with."""
    return example_path(DEFAULT_EXAMPLE)
