"""The window's menus: examples by title, every dock in View, the Help menu."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QLabel, QTableWidget, QTextBrowser

from ffnn_studio.core.examples import list_examples, load_example
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from ffnn_studio.ui.menus import (
    component_versions,
    license_text,
    quick_start_path,
    shortcut_text,
)
from tests.ui.window_fixtures import fake_controller, sample_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_window(qtbot, errors):
    def make() -> MainWindow:
        window = MainWindow(ProjectDocument(sample_project()), controller=fake_controller())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def test_open_example_lists_the_projects_titles(qtbot, make_window) -> None:
    window = make_window()
    actions = [a for a in window.examples_menu.actions() if a.objectName().startswith("example:")]
    assert len(actions) == len(list_examples())
    for action in actions:
        name = action.objectName().removeprefix("example:")
        assert action.text() == load_example(name).name
    assert "Two spirals" in [a.text() for a in actions]
    spirals = next(a for a in actions if a.text() == "Two spirals")
    spirals.trigger()
    assert window.document.project.name == "Two spirals"


# ------------------------------------------------------------------ View


def view_actions(window: MainWindow) -> list:
    return window.view_menu.actions()


def test_view_lists_every_dock_and_tool_bar(qtbot, make_window) -> None:
    window = make_window()
    actions = view_actions(window)
    docks = window.findChildren(QDockWidget)
    assert {d.objectName() for d in docks} >= {"insightsDock", "dataDock", "trainingDock"}
    for dock in docks:
        assert dock.toggleViewAction() in actions, dock.objectName()
    assert window.run_toolbar.toggleViewAction() in actions
    insights = window.insights_dock.toggleViewAction()
    assert insights.text() == "Inside the Network"
    insights.trigger()
    assert window.insights_dock.isHidden()
    insights.trigger()
    assert not window.insights_dock.isHidden()


def test_a_dock_closed_before_a_restart_is_shown_again_from_view(qtbot, make_window) -> None:
    window = make_window()
    window.insights_dock.close()
    assert window.close()  # saves the layout
    again = make_window()
    assert again.insights_dock.isHidden()
    action = next(
        a for a in view_actions(again) if a is again.insights_dock.toggleViewAction()
    )
    assert not action.isChecked()
    action.trigger()
    assert again.insights_dock.isVisible()


def test_restore_default_layout_shows_every_panel(qtbot, make_window) -> None:
    window = make_window()
    for dock in (window.insights_dock, window.palette_dock, window.data_dock):
        dock.close()
    window.run_toolbar.hide()
    restore = window.findChild(QAction, "restoreLayoutAction")
    assert restore in view_actions(window)
    restore.trigger()
    assert all(d.isVisible() for d in window.findChildren(QDockWidget))
    assert window.run_toolbar.isVisible()
    assert window.dockWidgetArea(window.insights_dock) == Qt.DockWidgetArea.RightDockWidgetArea


# ------------------------------------------------------------------ Help


def help_names(window: MainWindow) -> list[str]:
    return [a.objectName() for a in window.help_menu.actions() if not a.isSeparator()]


def test_help_menu_order(qtbot, make_window) -> None:
    window = make_window()
    assert help_names(window) == [
        "quickStartAction",
        "shortcutsAction",
        "licenseAction",
        "aboutAction",
    ]


def test_f1_opens_the_quick_start_from_the_readme(qtbot, make_window) -> None:
    window = make_window()
    quick = window.findChild(QAction, "quickStartAction")
    assert QKeySequence(Qt.Key.Key_F1) in quick.shortcuts()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(QDialog, "quickStartDialog")
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QTextBrowser, "quickStartText").toPlainText()
    assert "Using the window" in text and "Look inside" in text and "Reset weights" in text
    quick.trigger()  # shown again, not made twice
    assert len(window.findChildren(QDialog, "quickStartDialog")) == 1


def test_the_quick_start_is_the_readmes_using_the_window() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    found = re.search(r"^## Using the window\n\n(.*?)\n(?=## )", readme, re.S | re.M)
    assert found, "README.md has no '## Using the window' section"
    assert quick_start_path().read_text("utf-8").strip() == found.group(1).strip(), (
        "resources/help/quick-start.md (Help ▸ Quick Start) must be README's "
        "'Using the window' section: copy the section into it"
    )


def test_the_shortcuts_dialog_lists_every_shortcut_of_the_window(qtbot, make_window) -> None:
    window = make_window()
    # An action added later shows up too: the list is read from the actions.
    extra = QAction("Zoom &Everything", window)
    extra.setObjectName("zoomEverything")
    extra.setShortcut(QKeySequence("Ctrl+Alt+Z"))
    window.addAction(extra)
    window.findChild(QAction, "shortcutsAction").trigger()
    dialog = window.findChild(QDialog, "shortcutsDialog")
    assert dialog is not None and dialog.isVisible()
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    shown = {
        (table.item(r, 0).text(), table.item(r, 1).text(), table.item(r, 2).text())
        for r in range(table.rowCount())
    }
    with_keys = [a for a in window.findChildren(QAction) if shortcut_text(a)]
    assert table.rowCount() == len(with_keys) == len(shown)
    commands = {row[0]: row for row in shown}
    native = QKeySequence.SequenceFormat.NativeText
    assert commands["Zoom Everything"][1] == QKeySequence("Ctrl+Alt+Z").toString(native)
    assert QKeySequence("F1").toString(native) in commands["Quick Start…"][1].split(", ")
    assert commands["Quick Start…"][2] == "Help"
    assert commands["Save"][2] == "File"
    # Keys as typed; the dedicated "Save" key some keyboards have is left out.
    assert commands["Save"][1] == QKeySequence("Ctrl+S").toString(native)
    for name in ("trainAction", "pauseAction", "stopAction", "undoAction", "newAction"):
        action = window.findChild(QAction, name)
        row = next(r for r in shown if r[0] == action.text().replace("&", ""))
        assert row[1] == shortcut_text(action) and row[1], name


def test_about_names_the_versions_and_links_the_license(qtbot, make_window) -> None:
    window = make_window()
    window.about_action.trigger()
    dialog = window.findChild(QDialog, "aboutDialog")
    assert dialog is not None and dialog.isVisible()
    label = dialog.findChild(QLabel, "aboutText")
    text = label.text()
    for name, version in component_versions():
        assert name in text and version in text
    assert importlib.metadata.version("keras") in text
    assert PySide6.__version__ in text and qVersion() in text and platform.python_version() in text
    assert 'href="license"' in text and "MIT License" in text
    label.linkActivated.emit("license")
    licence = window.findChild(QDialog, "licenseDialog")
    assert licence is not None and licence.isVisible()
    body = licence.findChild(QTextBrowser, "licenseText").toPlainText()
    assert body.startswith("MIT License") and "FFNN Studio developers" in body


def test_the_license_ships_and_is_declared() -> None:
    assert license_text() == (ROOT / "LICENSE").read_text("utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["license"] == "MIT"
    assert project["project"]["license-files"] == ["LICENSE"]
    # The SPDX license expression needs setuptools 77.
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])


def test_about_does_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "from ffnn_studio.ui.app import ensure_application\n"
        "from ffnn_studio.ui.main_window import MainWindow\n"
        "from PySide6.QtCore import QSettings\n"
        "import tempfile\n"
        "d = tempfile.mkdtemp()\n"
        "QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, d)\n"
        "app = ensure_application()\n"
        "w = MainWindow(interactive=False)\n"
        "w.show_about()\n"
        "from PySide6.QtWidgets import QApplication, QDialog, QLabel\n"
        "text = w.findChild(QDialog, 'aboutDialog').findChild(QLabel, 'aboutText').text()\n"
        "assert 'TensorFlow' in text, text\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False"]
