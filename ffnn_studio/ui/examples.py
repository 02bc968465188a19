"""The bundled example projects (``ffnn_studio.resources`` / ``examples``)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from ffnn_studio.core.project_file import EXTENSION, loads
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)

DEFAULT_EXAMPLE = "spirals" + EXTENSION


def examples_dir() -> Traversable | None:
    try:
        folder = resources.files("ffnn_studio.resources") / "examples"
    except ModuleNotFoundError:
        return None
    return folder if folder.is_dir() else None


def list_examples() -> list[str]:
    """File names of the bundled examples, sorted."""
    folder = examples_dir()
    if folder is None:
        return []
    return sorted(f.name for f in folder.iterdir() if f.name.endswith(EXTENSION))


def example_title(file_name: str) -> str:
    """``two_spirals.ffnn.json`` → ``two spirals``."""
    stem = file_name[: -len(EXTENSION)] if file_name.endswith(EXTENSION) else file_name
    return stem.replace("_", " ").replace("-", " ")


def load_example(file_name: str) -> Project:
    """Read a bundled example; raises ``StudioError`` if it is malformed, KeyError if absent."""
    folder = examples_dir()
    if folder is None or not (folder / file_name).is_file():
        raise KeyError(file_name)
    return loads((folder / file_name).read_text(encoding="utf-8"))


def builtin_default_project() -> Project:
    """The start-up project when no example file ships: two spirals, three ReLU layers."""
    return Project(
        name="Two spirals",
        description="Two interleaved spirals: a classic problem that needs several "
        "non-linear hidden layers.",
        network=NetworkSpec(
            (DenseLayer(32, "relu"), DenseLayer(32, "relu"), DenseLayer(16, "relu"))
        ),
        data=BuiltinDataSource("spirals"),
        training=TrainingSettings(
            loss="cross_entropy",
            optimizer=OptimizerSpec("adam", {"learning_rate": 0.01}),
            epochs=150,
            batch_size=32,
        ),
    )


def default_project() -> Project:
    """The bundled ``spirals.ffnn.json``, or the built-in equivalent without it."""
    try:
        return load_example(DEFAULT_EXAMPLE)
    except KeyError:
        return builtin_default_project()
