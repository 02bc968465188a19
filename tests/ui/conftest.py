"""Fixtures for every window test: settings kept away from the user's, shared documents.

Every test under ``tests/ui`` gets ``isolated_settings`` (autouse), so no test
reads or writes the user's real settings, whether or not it thinks of it. The
pyqtgraph workarounds the application applies at start-up
(``ui.app.ensure_application``) are applied here too, since pytest-qt makes
its own QApplication. Helpers that are not fixtures (fake sessions,
controllers, sample projects) live in ``window_fixtures`` and
``insights_helpers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.widgets.pyqtgraph_fixes import apply_pyqtgraph_fixes
from tests.ui.window_fixtures import sample_project


@pytest.fixture(autouse=True, scope="session")
def pyqtgraph_fixes() -> None:
    apply_pyqtgraph_fixes()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point every QSettings file of every scope and format at a fresh temporary folder."""
    folder = tmp_path_factory.mktemp("settings")
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    return folder


@pytest.fixture
def document(qtbot: Any) -> ProjectDocument:
    return ProjectDocument(sample_project())


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every error dialog's message, instead of a modal box."""
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text, *a: shown.append(text))
    )
    return shown


@pytest.fixture
def real_controller(qtbot: Any) -> Iterator[Any]:
    """A real ``TrainingController`` (worker thread, TensorFlow), shut down after the test."""
    pytest.importorskip("ffnn_studio.engine.training.session")
    from ffnn_studio.ui.run.bridge import TrainingController

    controller = TrainingController()
    yield controller
    controller.shutdown()
