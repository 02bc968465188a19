"""The window's Experiments, View and Help menus: every dock and tool bar, the default layout, the
keyboard shortcuts, the quick start, the license and About."""

from __future__ import annotations

import html
import importlib.metadata
import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QLayout,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

import ffnn_studio
from ffnn_studio.config import APP_NAME
from ffnn_studio.core.examples import resources_dir

LICENSE_NAME = "MIT License"
LICENSE_URL = "https://spdx.org/licenses/MIT.html"
#: Distributions that provide ``import tensorflow`` (the first one installed is named).
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")


# ------------------------------------------------------------------ Experiments


def experiments_menu(window: QMainWindow) -> QMenu:
    """Experiments: runs about the project's settings (searches, studies); created once, shared."""
    menu = window.findChild(QMenu, "experimentsMenu")
    if menu is None:
        menu = window.menuBar().addMenu("E&xperiments")
        menu.setObjectName("experimentsMenu")
    return menu


# ------------------------------------------------------------------ View


def build_view_menu(window: QMainWindow, version: int) -> QMenu:
    """View: a check item for every dock and tool bar, and *Restore Default Layout*.

    Called before the saved layout is restored, so the state taken here is the
    default one; a dock closed in an earlier session is shown again from here.
    """
    menu = window.menuBar().addMenu("&View")
    menu.setObjectName("viewMenu")
    for dock in window.findChildren(QDockWidget):
        menu.addAction(dock.toggleViewAction())
    bars = window.findChildren(QToolBar)
    if bars:
        menu.addSeparator()
        for bar in bars:
            menu.addAction(bar.toggleViewAction())
    default_state = QByteArray(window.saveState(version))
    menu.addSeparator()
    restore = QAction("Restore &Default Layout", window)
    restore.setObjectName("restoreLayoutAction")
    restore.setStatusTip("Show every panel again, where it was when the studio was installed")
    restore.triggered.connect(lambda: restore_default_layout(window, default_state, version))
    menu.addAction(restore)
    return menu


def restore_default_layout(window: QMainWindow, state: QByteArray, version: int) -> None:
    window.restoreState(state, version)
    for widget in (*window.findChildren(QDockWidget), *window.findChildren(QToolBar)):
        widget.setVisible(True)


# ------------------------------------------------------------------ Help


def build_help_menu(window: QMainWindow, about_action: QAction) -> QMenu:
    """Help: Quick Start (F1), Keyboard Shortcuts, License, About."""
    menu = window.menuBar().addMenu("&Help")
    menu.setObjectName("helpMenu")
    quick = _action(window, "&Quick Start…", "quickStartAction", lambda: show_quick_start(window))
    quick.setShortcuts(
        QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents) or [QKeySequence("F1")]
    )
    quick.setStatusTip("How to build, train, look inside and export, in one page")
    shortcuts = _action(
        window, "&Keyboard Shortcuts…", "shortcutsAction", lambda: show_shortcuts(window)
    )
    shortcuts.setStatusTip("Every keyboard shortcut of the window")
    license_action = _action(window, "&License…", "licenseAction", lambda: show_license(window))
    license_action.setStatusTip(f"FFNN Studio is free software under the {LICENSE_NAME}")
    menu.addAction(quick)
    menu.addAction(shortcuts)
    menu.addSeparator()
    menu.addAction(license_action)
    menu.addAction(about_action)
    return menu


def _action(window: QMainWindow, text: str, name: str, slot) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def _dialog(window: QWidget, name: str, title: str) -> tuple[QDialog, bool]:
    """The window's dialog called ``name`` (made once, then shown again); True if new."""
    existing = window.findChild(QDialog, name)
    if existing is not None:
        return existing, False
    dialog = QDialog(window)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setAccessibleName(title)
    QVBoxLayout(dialog)
    return dialog, True


def _close_button(dialog: QDialog) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.setObjectName(f"{dialog.objectName()}Buttons")
    buttons.rejected.connect(dialog.reject)
    dialog.layout().addWidget(buttons)


def _present(dialog: QDialog) -> QDialog:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def _browser(name: str, accessible: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setObjectName(name)
    browser.setAccessibleName(accessible)
    browser.setOpenExternalLinks(True)
    return browser


# ------------------------------------------------------------------ quick start


def quick_start_path() -> Path:
    """The quick start: the README's "Using the window" (a test keeps them equal)."""
    return resources_dir() / "help" / "quick-start.md"


def show_quick_start(window: QWidget) -> QDialog:
    dialog, new = _dialog(window, "quickStartDialog", "Quick Start")
    if new:
        browser = _browser("quickStartText", "Quick start")
        try:
            text = quick_start_path().read_text("utf-8")
        except OSError:
            text = "The quick start is missing from this installation; see the README."
        browser.setMarkdown("## Using the window\n\n" + text)
        dialog.layout().addWidget(browser)
        _close_button(dialog)
        dialog.resize(640, 560)
    return _present(dialog)


# ------------------------------------------------------------------ shortcuts


def _plain(text: str) -> str:
    """A menu text without its mnemonic marks: ``Save &As…`` → ``Save As…``."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _menu_places(window: QMainWindow) -> dict[int, str]:
    """id(action) → the menu path that holds it (``File ▸ Open Recent``)."""
    places: dict[int, str] = {}

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {_plain(sub.title())}")
            elif not action.isSeparator():
                places.setdefault(id(action), path)

    for top in window.menuBar().actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub, _plain(sub.title()))
    return places


def _owner_name(action: QAction) -> str:
    """Where an action outside the menus works: its widget's accessible name."""
    parent = action.parent()
    while isinstance(parent, QWidget):
        if parent.accessibleName():
            return parent.accessibleName()
        parent = parent.parentWidget()
    return "Window"


#: Keys from Qt.Key.Key_Help on are the dedicated keys of some keyboards (Help,
#: Undo, Save, Open...): standard bindings Qt adds that most keyboards lack.
_FIRST_SPECIAL_KEY = Qt.Key.Key_Help.value


def shortcut_text(action: QAction) -> str:
    """The action's shortcuts as a person types them (``Ctrl+S``), dedicated keys left out."""
    native = QKeySequence.SequenceFormat.NativeText
    typed = [
        k for k in action.shortcuts() if not k.isEmpty() and k[0].key().value < _FIRST_SPECIAL_KEY
    ]
    return ", ".join(k.toString(native) for k in typed)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """``(command, keys, where)`` for every action of the window that has a shortcut.

    Read from the window's actions each time, so the list is never out of date.
    """
    places = _menu_places(window)
    rows = []
    seen: set[int] = set()
    for action in window.findChildren(QAction):
        keys_text = shortcut_text(action)
        if not keys_text or id(action) in seen:
            continue
        seen.add(id(action))
        text = _plain(action.text()) or action.toolTip() or action.objectName()
        rows.append((text, keys_text, places.get(id(action)) or _owner_name(action)))
    return sorted(rows, key=lambda row: (row[2] == "Window", row[2], row[0].casefold()))


def show_shortcuts(window: QMainWindow) -> QDialog:
    dialog, new = _dialog(window, "shortcutsDialog", "Keyboard Shortcuts")
    if new:
        table = QTableWidget(0, 3)
        table.setObjectName("shortcutsTable")
        table.setAccessibleName("Keyboard shortcuts")
        table.setHorizontalHeaderLabels(["Command", "Shortcut", "Where"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        dialog.layout().addWidget(table)
        _close_button(dialog)
        dialog.resize(560, 480)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = shortcut_rows(window)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeColumnsToContents()
    return _present(dialog)


# ------------------------------------------------------------------ license and About


def license_text() -> str:
    """The LICENSE file: from the source tree, else from the installed distribution."""
    source = Path(ffnn_studio.__file__).resolve().parents[1] / "LICENSE"
    if source.is_file():
        return source.read_text("utf-8")
    try:
        dist = importlib.metadata.distribution("ffnn-studio")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for name in ("licenses/LICENSE", "LICENSE"):
            text = dist.read_text(name)
            if text:
                return text
    return f"{APP_NAME} is released under the {LICENSE_NAME}: {LICENSE_URL}\n"


def show_license(window: QWidget) -> QDialog:
    dialog, new = _dialog(window, "licenseDialog", f"{APP_NAME} License")
    if new:
        browser = _browser("licenseText", "License text")
        browser.setPlainText(license_text())
        dialog.layout().addWidget(browser)
        _close_button(dialog)
        dialog.resize(600, 460)
    return _present(dialog)


def _distribution_version(*names: str) -> str:
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def component_versions() -> list[tuple[str, str]]:
    """``(component, version)`` of the studio and what it runs on.

    TensorFlow's and Keras's versions come from their installed metadata, so
    About does not import TensorFlow (seconds, and never on the GUI thread).
    """
    import pyqtgraph

    return [
        (APP_NAME, ffnn_studio.__version__),
        ("TensorFlow", _distribution_version(*TENSORFLOW_DISTRIBUTIONS)),
        ("Keras", _distribution_version("keras")),
        ("PySide6", pyside_version),
        ("Qt", qVersion()),
        ("pyqtgraph", pyqtgraph.__version__),
        ("Python", platform.python_version()),
        *_device_rows(),
    ]


def _device_rows() -> list[tuple[str, str]]:
    from ffnn_studio.ui.devices_text import devices_about_rows

    return devices_about_rows()


def about_html() -> str:
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>&nbsp;&nbsp;{html.escape(version)}</td></tr>"
        for name, version in component_versions()
    )
    return (
        f"<h3>{APP_NAME} {html.escape(ffnn_studio.__version__)}</h3>"
        "<p>Build, train, inspect and export feed-forward neural networks.</p>"
        "<p>Drag layers into the stack, pick activations, an optimizer, dropout and "
        "L1/L2 regularization, press Train and watch loss, accuracy, weight norms and "
        "gradient norms move live.</p>"
        f"<table>{rows}</table>"
        f'<p>Free software under the <a href="license">{LICENSE_NAME}</a> '
        f'(<a href="{LICENSE_URL}">{LICENSE_URL}</a>).</p>'
    )


def show_about(window: QWidget) -> QDialog:
    dialog, new = _dialog(window, "aboutDialog", f"About {APP_NAME}")
    if new:
        label = QLabel(about_html())
        label.setObjectName("aboutText")
        label.setAccessibleName(f"About {APP_NAME}")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.linkActivated.connect(lambda link: _open_link(window, link))
        label.setMinimumWidth(440)
        dialog.layout().addWidget(label)
        _close_button(dialog)
        # A word-wrapped label's height follows its width: fit the text.
        dialog.layout().setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
    return _present(dialog)


def _open_link(window: QWidget, link: str) -> None:
    if link == "license":
        show_license(window)
        return
    QDesktopServices.openUrl(QUrl(link))
