"""Run ▸ Keep Compiled Programs Between Launches and Run ▸ Clear Compiled Programs."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QMenu

from ffnn_studio.config import COMPILE_CACHE_ENV, COMPILE_CACHE_KEY
from ffnn_studio.engine.compile_cache import entries
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow, studio_settings
from tests.ui.window_fixtures import fake_controller, sample_project


def window(qtbot) -> MainWindow:
    w = MainWindow(ProjectDocument(sample_project()), controller=fake_controller())
    qtbot.addWidget(w)
    return w


def run_menu_names(w: MainWindow) -> list[str]:
    return [a.objectName() for a in w.findChild(QMenu, "runMenu").actions()]


def test_the_setting_is_on_by_default_and_in_the_run_menu(qtbot, monkeypatch) -> None:
    monkeypatch.delenv(COMPILE_CACHE_ENV, raising=False)
    w = window(qtbot)
    action = w.compile_cache.keep_action
    assert action.isCheckable() and action.isChecked()
    assert {"compileCacheAction", "clearCompileCacheAction"} <= set(run_menu_names(w))
    assert COMPILE_CACHE_ENV not in os.environ


def test_turned_off_it_is_remembered_and_applied_before_the_engine_loads(qtbot, monkeypatch) -> None:
    monkeypatch.delenv(COMPILE_CACHE_ENV, raising=False)
    w = window(qtbot)
    w.compile_cache.keep_action.setChecked(False)
    assert studio_settings().value(COMPILE_CACHE_KEY, type=bool) is False
    assert "next time" in w.statusBar().currentMessage()
    assert COMPILE_CACHE_ENV not in os.environ  # this process's TensorFlow has read its flag
    again = window(qtbot)  # the next launch
    assert not again.compile_cache.keep_action.isChecked()
    assert os.environ[COMPILE_CACHE_ENV] == "0"


def test_clear_deletes_the_kept_programs(qtbot, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "xla"  # not the suite's own cache, which earlier tests filled
    monkeypatch.setattr("ffnn_studio.engine.compile_cache.cache_dir", lambda: folder)
    folder.mkdir()
    (folder / "xla_compile_cache__1__2__XLA_CPU_JIT.pb").write_bytes(b"\x0a\x03abc" * 1000)
    w = window(qtbot)
    w.compile_cache.clear_action.trigger()
    assert entries(folder) == []
    assert "(5 kB freed)" in w.statusBar().currentMessage()
