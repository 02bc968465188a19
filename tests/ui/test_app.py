"""``run_window``: the launch paths and the screenshot mode (with a fake training session)."""

from __future__ import annotations

from PySide6.QtGui import QImage

from ffnn_studio.core.examples import (
    DEFAULT_EXAMPLE,
    default_project,
    list_examples,
    load_example,
)
from ffnn_studio.core.spec import Project
from ffnn_studio.ui import app as app_module
from ffnn_studio.ui import main_window as main_window_module
from ffnn_studio.ui.run.bridge import TrainingController
from tests.ui.window_fixtures import FakeSession


class FailingSession(FakeSession):
    def run(self, epochs=None):
        from ffnn_studio.core.reports import RunFinished

        report = RunFinished("failed", "ValueError: boom", 0)
        self.sink.finished(report)
        return report


def use_fake_controller(monkeypatch, session_cls=FakeSession) -> list[TrainingController]:
    made: list[TrainingController] = []

    def factory(parent=None):
        c = TrainingController(
            parent, prepare_data=lambda p, b: None, session_factory=session_cls, warm_up=lambda: None
        )
        made.append(c)
        return c

    monkeypatch.setattr(main_window_module, "TrainingController", factory)
    return made


def test_default_project_is_the_bundled_spirals_example() -> None:
    assert DEFAULT_EXAMPLE in list_examples()
    project = default_project()
    assert project == load_example(DEFAULT_EXAMPLE)
    assert project.data.name == "spirals" and project.network.dense_layers


def test_every_bundled_example_loads() -> None:
    for name in list_examples():
        assert isinstance(load_example(name), Project), name


def test_screenshot_of_the_default_project(qtbot, tmp_path, monkeypatch) -> None:
    use_fake_controller(monkeypatch)
    png = tmp_path / "shot.png"
    assert app_module.run_window(None, str(png), None) == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1400, 900)
    from ffnn_studio.ui.main_window import studio_settings

    assert studio_settings().allKeys() == []  # closing saved no layout


def test_screenshot_after_training(qtbot, tmp_path, monkeypatch, capsys) -> None:
    made = use_fake_controller(monkeypatch)
    shown_devices: list[bool] = []
    monkeypatch.setattr(
        main_window_module.MainWindow, "_show_devices", lambda self: shown_devices.append(True)
    )
    png = tmp_path / "trained.png"
    assert app_module.run_window(None, str(png), 2) == 0
    assert png.is_file()
    assert made[0].session is not None and made[0].session.epochs_completed == 2
    # The status bar names the devices, as the interactive window's does after its warm-up.
    assert shown_devices


def test_screenshot_reports_a_failed_run(qtbot, tmp_path, monkeypatch, capsys) -> None:
    use_fake_controller(monkeypatch, FailingSession)
    png = tmp_path / "failed.png"
    assert app_module.run_window(None, str(png), 2) == 1
    assert "boom" in capsys.readouterr().err
    assert png.is_file()


def test_a_bad_path_falls_back_to_the_default(qtbot, tmp_path, monkeypatch, capsys) -> None:
    use_fake_controller(monkeypatch)
    png = tmp_path / "fallback.png"
    status = app_module.run_window(str(tmp_path / "missing.ffnn.json"), str(png), None)
    assert status == 2
    assert "project file not found" in capsys.readouterr().err
    assert png.is_file()


def test_a_project_path_opens_that_project(qtbot, tmp_path, monkeypatch) -> None:
    from ffnn_studio.core.project_file import save_project

    use_fake_controller(monkeypatch)
    windows = []
    monkeypatch.setattr(
        main_window_module.MainWindow, "close", lambda self: windows.append(self) or True
    )
    path = tmp_path / "p.ffnn.json"
    save_project(Project(name="Mine"), path)
    assert app_module.run_window(str(path), str(tmp_path / "p.png"), None) == 0
    assert windows[0].document.project.name == "Mine"
    assert windows[0].document.path == path
    windows[0].controller.shutdown()
    # A screenshot run leaves the user's settings alone (no recent file, no layout).
    from ffnn_studio.ui.main_window import studio_settings

    assert studio_settings().allKeys() == []


def test_the_window_does_not_import_tensorflow_or_scikit_learn(tmp_path) -> None:
    """The window shows before TensorFlow or scikit-learn load: neither is imported
    on the GUI thread while the window is built and shown (background loads may)."""
    import subprocess
    import sys

    code = (
        "import sys, threading, importlib.abc\n"
        "on_gui = []\n"
        "class Watch(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('tensorflow', 'keras', 'sklearn') and threading.current_thread() is threading.main_thread():\n"
        "            on_gui.append(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from PySide6.QtCore import QSettings\n"
        "from ffnn_studio.ui.app import ensure_application\n"
        "app = ensure_application(['x'])\n"
        f"QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {str(tmp_path)!r})\n"
        "from ffnn_studio.ui.document.document import ProjectDocument\n"
        "from ffnn_studio.core.examples import default_project\n"
        "from ffnn_studio.ui.main_window import MainWindow\n"
        "w = MainWindow(ProjectDocument(default_project()))\n"
        "w.show(); app.processEvents()\n"
        "print('HEAVY', sorted(set(on_gui)))\n"
        "w.controller.shutdown()\n"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_background_loading_freezes_the_heap_once_the_engine_is_warm(qtbot) -> None:
    import gc

    controller = TrainingController(warm_up=lambda: None)
    try:
        gc.unfreeze()
        assert gc.get_freeze_count() == 0
        with qtbot.waitSignal(controller.warmedUp, timeout=10_000):
            app_module.load_engine_in_background(controller)
        # Objects alive now (the engine's, in the app) are out of later collections.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        controller.shutdown()


def test_screenshot_at_a_chosen_size(qtbot, tmp_path, monkeypatch) -> None:
    use_fake_controller(monkeypatch)
    png = tmp_path / "small.png"
    assert app_module.run_window(None, str(png), None, size=(1280, 800)) == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
