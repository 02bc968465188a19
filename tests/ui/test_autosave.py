"""Autosave and recovery: unsaved changes reach a recovery file, survive a killed
process, and the next start offers them back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from ffnn_studio.core.project_file import load_project, save_project
from ffnn_studio.ui.document.autosave import (
    AUTOSAVE_INTERVAL_MS,
    RECOVERY_SUFFIX,
    AutosaveService,
    orphaned_recoveries,
    read_recovery,
    recovery_folder,
)
from ffnn_studio.ui.document.commands import EditTrainingCommand
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from tests.ui.window_fixtures import sample_project

_CRASHING_WINDOW = """
import sys
from PySide6.QtCore import QSettings
from ffnn_studio.ui.app import ensure_application
from ffnn_studio.ui.document.commands import EditTrainingCommand
from ffnn_studio.ui.main_window import MainWindow

app = ensure_application(["ffnn-studio"])
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
window = MainWindow()
window.show()
assert window.load_path(sys.argv[1])
window.autosave.set_interval(100)
window.autosave.saved.connect(lambda path: print("AUTOSAVED", path, flush=True))
window.document.push(EditTrainingCommand(window.document, "epochs", 77))
app.exec()
"""


@pytest.fixture(name="data_home")
def data_home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user data folder (Qt's data locations follow XDG_DATA_HOME)."""
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    assert str(recovery_folder()).startswith(str(home))
    return home


def _window(qtbot) -> MainWindow:
    """A window that discards unsaved changes when the test closes it."""
    window = MainWindow(ProjectDocument(sample_project()))
    window.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    return window


def _answer_when_asked(qtbot, button_name: str) -> None:
    """Click ``button_name`` in the restore question once it is showing."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        box.findChild(QPushButton, button_name).click()

    QTimer.singleShot(0, click)


def test_edits_reach_the_recovery_file_and_a_save_removes_it(qtbot, data_home, tmp_path) -> None:
    assert AUTOSAVE_INTERVAL_MS == 60_000
    doc = ProjectDocument(sample_project())
    service = AutosaveService(doc, interval_ms=50)
    assert not service.active
    doc.push(EditTrainingCommand(doc, "epochs", 42))
    assert service.active
    with qtbot.waitSignal(service.saved, timeout=5000) as blocker:
        pass
    file = blocker.args[0]
    recovery = read_recovery(file)
    assert recovery.project.training.epochs == 42
    assert recovery.pid == os.getpid()
    assert recovery.original is None
    # This window is alive: its file is not offered.
    assert orphaned_recoveries(service.folder) == []
    doc.save(tmp_path / "p.ffnn.json")
    assert not file.exists()
    assert not service.active


def test_no_write_without_new_changes(qtbot, data_home) -> None:
    doc = ProjectDocument(sample_project())
    service = AutosaveService(doc, interval_ms=60_000)
    doc.push(EditTrainingCommand(doc, "epochs", 5))
    assert service.write_now()
    assert not service.write_now()  # nothing changed since
    doc.push(EditTrainingCommand(doc, "batch_size", 8))
    assert service.write_now()
    service.shutdown()
    assert not service.file.exists()


def test_a_write_failure_is_reported_not_raised(qtbot, data_home, tmp_path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    doc = ProjectDocument(sample_project())
    service = AutosaveService(doc, folder=blocked / "recovery")
    doc.push(EditTrainingCommand(doc, "epochs", 5))
    with qtbot.waitSignal(service.failed, timeout=2000) as blocker:
        assert service.write_now() is False
    assert "Autosave failed" in blocker.args[0]


def test_a_killed_window_s_changes_are_offered_and_restored(qtbot, data_home, tmp_path) -> None:
    original = tmp_path / "mine.ffnn.json"
    save_project(sample_project(), original)
    assert load_project(original).training.epochs == 3
    settings = tmp_path / "settings"
    settings.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(data_home),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CRASHING_WINDOW), str(original), str(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        # Blocks until the child's autosave wrote (or the child ended, failing below).
        line = child.stdout.readline()
        assert line.startswith("AUTOSAVED"), line
        written = Path(line.split(" ", 1)[1].strip())
        assert written.exists()
        # While the window lives, nobody else is offered its changes.
        assert orphaned_recoveries() == []
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert written.exists()  # a crash leaves the file behind

    window = _window(qtbot)
    _answer_when_asked(qtbot, "restoreButton")
    assert window.offer_recovery()
    doc = window.document
    assert doc.project.training.epochs == 77
    assert doc.path == original
    assert doc.dirty
    assert not written.exists()
    # One undo step leads back to what the file holds.
    doc.undo_stack.undo()
    assert doc.project.training.epochs == 3
    window.autosave.shutdown()


def test_discard_removes_and_later_keeps_the_recovery_file(qtbot, data_home, tmp_path) -> None:
    # A recovery file left by a window that is gone: written, then its lock released.
    doc = ProjectDocument(sample_project())
    doc.push(EditTrainingCommand(doc, "epochs", 9))
    service = AutosaveService(doc)
    assert service.write_now()
    service._lock.unlock()
    file = service.file

    window = _window(qtbot)
    _answer_when_asked(qtbot, "laterButton")
    assert not window.offer_recovery()
    assert file.exists() and not window.document.dirty

    _answer_when_asked(qtbot, "discardButton")
    assert not window.offer_recovery()
    assert not file.exists()
    assert window.document.project.training.epochs == sample_project().training.epochs
    assert not list(service.folder.glob(f"*{RECOVERY_SUFFIX}"))


def test_a_never_saved_project_restores_dirty_and_untitled(qtbot, data_home) -> None:
    doc = ProjectDocument(sample_project())
    doc.push(EditTrainingCommand(doc, "epochs", 11))
    service = AutosaveService(doc)
    assert service.write_now()
    service._lock.unlock()
    header = json.loads(service.file.read_text(encoding="utf-8"))
    assert header["original_path"] is None and header["pid"] == os.getpid()

    window = _window(qtbot)
    _answer_when_asked(qtbot, "restoreButton")
    assert window.offer_recovery()
    assert window.document.path is None
    assert window.document.dirty
    assert window.document.project.training.epochs == 11
    window.autosave.shutdown()


def test_a_clean_exit_leaves_no_recovery_file(qtbot, data_home) -> None:
    window = _window(qtbot)
    window.show()
    window.document.push(EditTrainingCommand(window.document, "epochs", 5))
    assert window.autosave.write_now()
    file = window.autosave.file
    assert file.exists()
    assert window.close()
    assert not file.exists()


def test_screenshot_mode_does_not_autosave(qtbot, data_home) -> None:
    window = MainWindow(ProjectDocument(sample_project()), interactive=False)
    qtbot.addWidget(window)
    assert window.autosave is None
    assert not window.offer_recovery()
