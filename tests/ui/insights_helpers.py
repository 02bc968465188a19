"""Helpers shared by the tests of the insight views (boundary, diagram, health, runs)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QWidget

from ffnn_studio.core.examples import example_path
from ffnn_studio.core.project_file import load_project
from ffnn_studio.core.spec import Project
from tests.ui.fake_controller import FakeRunController

#: Screenshots also go here so a person can look at them after the run.
SHOTS_DIR = Path("/tmp/ffnn-shots")


class FakeController(FakeRunController):
    """The ``TrainingController`` signals and properties the views use, driven by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[Project, Any, Any, bool]] = []
        self.stops = 0
        self.companions: list[FakeController] = []

    def start(self, project: Project, base_dir: Any, epochs: Any = None, continue_run: bool = False) -> bool:
        if self.busy:
            return False
        self.starts.append((project, base_dir, epochs, continue_run))
        self.state = "preparing"
        self.stateChanged.emit("preparing")
        return True

    def stop(self) -> None:
        self.stops += 1

    def companion(self) -> FakeController:
        """Another fake controller (a comparison trains its variants there)."""
        other = FakeController()
        other.setParent(self)
        self.companions.append(other)
        return other


class SnapshotSession:
    """A stand-in session holding fixed weights."""

    def __init__(self, project: Project, weights: list[tuple[np.ndarray, np.ndarray | None]]) -> None:
        self.project = project
        self.weights = weights
        self.snapshots = 0

    def weights_snapshot(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        self.snapshots += 1
        return [(k.copy(), None if b is None else b.copy()) for k, b in self.weights]


def spirals_project(epochs: int = 6) -> Project:
    project = load_project(example_path("spirals"))
    return replace(project, training=replace(project.training, epochs=epochs))


def save_shot(widget: QWidget, tmp_path: Path, name: str) -> Path:
    """Render ``widget`` to ``tmp_path/name.png`` and to ``/tmp/ffnn-shots``; return the first."""
    widget.repaint()
    pixmap = widget.grab()
    assert not pixmap.isNull()
    target = tmp_path / f"{name}.png"
    assert pixmap.save(str(target))
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    pixmap.save(str(SHOTS_DIR / f"{name}.png"))
    return target


def train(qtbot: Any, controller: Any, project: Project, *, timeout_ms: int = 120_000) -> Any:
    """Start ``project`` on ``controller`` and wait for its ``finished`` report."""
    with qtbot.waitSignal(controller.finished, timeout=timeout_ms) as blocker:
        assert controller.start(project, None)
    return blocker.args[0]
