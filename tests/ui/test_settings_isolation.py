"""A window test that asks for nothing still cannot touch the user's real settings."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from ffnn_studio.config import RECENT_FILES_KEY
from ffnn_studio.ui.main_window import studio_settings


def _real_config_dirs() -> list[Path]:
    dirs = [Path.home() / ".config"]
    if os.environ.get("XDG_CONFIG_HOME"):
        dirs.append(Path(os.environ["XDG_CONFIG_HOME"]))
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    if location:
        dirs.append(Path(location))
    return dirs


def test_settings_written_by_a_test_land_in_a_temporary_folder() -> None:
    # No fixture is requested or imported here: the isolation comes from conftest.
    settings = studio_settings()
    settings.setValue(RECENT_FILES_KEY, ["/nowhere/x.ffnn.json"])
    settings.sync()
    written = Path(settings.fileName()).resolve()
    assert written.is_file()
    for real in _real_config_dirs():
        assert not written.is_relative_to(real.resolve()), written
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        other = QSettings(fmt, QSettings.Scope.UserScope, "FFNN Studio", "elsewhere")
        assert Path(other.fileName()).resolve().parent.parent == written.parent.parent


def test_each_test_starts_from_empty_settings() -> None:
    # The test above wrote a recent file; this one must not see it.
    assert studio_settings().value(RECENT_FILES_KEY) is None
