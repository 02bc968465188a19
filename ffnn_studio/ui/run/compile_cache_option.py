"""Run ▸ Keep Compiled Programs Between Launches, and Run ▸ Clear Compiled Programs.

The setting (``COMPILE_CACHE_KEY``, on by default) is applied before the engine
loads, by setting ``COMPILE_CACHE_ENV`` for ``engine.compile_cache.configure``:
TensorFlow reads its cache flag once, so a change takes effect at the next
launch, and the action's status tip says so. Clearing deletes the kept
programs at once (TensorFlow compiles again when it needs them).

Contract: imports Qt, ``config`` and ``engine.compile_cache`` (Qt-free, no
TensorFlow); the window adds the actions to its Run menu.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from ffnn_studio.config import COMPILE_CACHE_ENV, COMPILE_CACHE_KEY, SETTINGS_DEFAULTS
from ffnn_studio.engine import compile_cache

NEXT_LAUNCH = "Takes effect the next time FFNN Studio starts."


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{round(n / 1e3)} kB"


class CompileCacheActions(QObject):
    """The two actions, and the setting applied to this process before the engine loads."""

    def __init__(self, window: QMainWindow, settings: QSettings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        on = self.enabled_in_settings()
        if not on:
            os.environ[COMPILE_CACHE_ENV] = "0"
        self.keep_action = QAction("&Keep Compiled Programs Between Launches", window)
        self.keep_action.setObjectName("compileCacheAction")
        self.keep_action.setCheckable(True)
        self.keep_action.setChecked(on)
        self.keep_action.setStatusTip(
            "Keep each network's compiled training program on disk, so that training it again "
            f"after a restart does not compile it again. {NEXT_LAUNCH}"
        )
        self.keep_action.toggled.connect(self._on_toggled)
        self.clear_action = QAction("C&lear Compiled Programs", window)
        self.clear_action.setObjectName("clearCompileCacheAction")
        self.clear_action.setStatusTip("Delete the compiled training programs kept on disk")
        self.clear_action.triggered.connect(self.clear)

    def enabled_in_settings(self) -> bool:
        value = self._settings.value(COMPILE_CACHE_KEY, SETTINGS_DEFAULTS[COMPILE_CACHE_KEY], type=bool)
        return bool(value)

    def _on_toggled(self, on: bool) -> None:
        self._settings.setValue(COMPILE_CACHE_KEY, on)
        word = "Keeping" if on else "Not keeping"
        self._window.statusBar().showMessage(f"{word} compiled programs between launches. {NEXT_LAUNCH}", 8000)

    def clear(self) -> int:
        """Delete the kept programs; says in the status bar how much was freed."""
        freed = compile_cache.clear()
        self._window.statusBar().showMessage(
            f"Cleared the compiled programs ({_size(freed)} freed).", 6000
        )
        return freed
