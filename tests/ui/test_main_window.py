"""The main window: files, dirty flag, recent files, errors, run rules, layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox, QWidget

from ffnn_studio.config import RECENT_FILES_KEY
from ffnn_studio.core.project_file import load_project, save_project
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.document.commands import (
    EditLayerCommand,
    EditTrainingCommand,
    InsertLayerCommand,
)
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow, studio_settings
from ffnn_studio.ui.run.bridge import TrainingController
from tests.ui.window_fixtures import (
    FakeSession,
    HoldingSession,
    fake_controller,
    layer_kinds,
    sample_project,
)

SAVE = QMessageBox.StandardButton.Save
DISCARD = QMessageBox.StandardButton.Discard
CANCEL = QMessageBox.StandardButton.Cancel


class Questions:
    """Answers queued for "Save changes?" (Discard once the queue is empty), and a count."""

    def __init__(self) -> None:
        self.answers: list[QMessageBox.StandardButton] = []
        self.asked = 0

    def ask(self, parent, title, text, *args) -> QMessageBox.StandardButton:
        assert title == "Save changes?"
        self.asked += 1
        return self.answers.pop(0) if self.answers else DISCARD


@pytest.fixture
def questions(monkeypatch) -> Questions:
    q = Questions()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(q.ask))
    return q


@pytest.fixture
def make_window(qtbot, errors, questions):
    def make(project: Project | None = None, controller: TrainingController | None = None) -> MainWindow:
        doc = ProjectDocument(project if project is not None else sample_project())
        window = MainWindow(doc, controller=controller or fake_controller())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def save_dialog_returns(monkeypatch, path: Path | str) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def edit(window: MainWindow) -> None:
    doc = window.document
    doc.push(EditLayerCommand(doc, 0, "units", doc.project.network.layers[0].units + 1))


# ------------------------------------------------------------------ title and dirty flag


def test_title_shows_name_and_dirty_marker(qtbot, make_window) -> None:
    window = make_window()
    assert window.windowTitle() == "Sample[*] — FFNN Studio"
    assert not window.isWindowModified()
    edit(window)
    assert window.isWindowModified()
    window.undo_action.trigger()
    assert not window.isWindowModified()
    window.redo_action.trigger()
    assert window.isWindowModified()


def test_undo_redo_actions_and_standard_keys(qtbot, make_window) -> None:
    window = make_window()
    edit(window)
    assert window.undo_action.isEnabled() and "units" in window.undo_action.text()
    shortcuts = {s.toString() for s in window.redo_action.shortcuts()}
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= shortcuts
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.save_as_action.shortcut().toString() == "Ctrl+Shift+S"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert {s.toString() for s in window.controls.train_action.shortcuts()} >= {"F5", "Ctrl+R"}


# ------------------------------------------------------------------ save / open


def test_save_as_and_reopen_gives_an_equal_project(qtbot, make_window, monkeypatch, tmp_path) -> None:
    window = make_window()
    edit(window)
    save_dialog_returns(monkeypatch, tmp_path / "mine")
    window.save_as_action.trigger()
    target = tmp_path / "mine.ffnn.json"
    assert target.is_file() and not window.isWindowModified()
    assert window.windowTitle().startswith("mine[*]")
    assert load_project(target) == window.document.project

    saved = window.document.project
    window.new_action.trigger()
    assert window.document.project == Project()
    assert window.open_file(target)
    assert window.document.project == saved
    assert window.document.path == target


def test_save_without_path_asks_and_cancel_keeps_dirty(qtbot, make_window, monkeypatch) -> None:
    window = make_window()
    edit(window)
    save_dialog_returns(monkeypatch, "")
    assert not window.save()
    assert window.isWindowModified()


def test_open_a_malformed_file_shows_the_problem_and_keeps_the_window(
    qtbot, make_window, errors, tmp_path
) -> None:
    window = make_window()
    edit(window)
    before = window.document.project
    bad = tmp_path / "broken.ffnn.json"
    bad.write_text('{"format": "ffnn-studio-project", "schema_version": 1, "data": {}, '
                   '"network": {"layers": [{"kind": "dense", "units": "many", "activation": "relu"}]}, '
                   '"training": {"loss": "mse", "optimizer": {"name": "sgd"}}}')
    assert not window.load_path(bad)
    assert len(errors) == 1 and "broken.ffnn.json" in errors[0]
    assert window.document.project == before and window.isVisible()
    not_json = tmp_path / "junk.ffnn.json"
    not_json.write_text("{{{")
    assert not window.load_path(not_json)
    assert "not valid JSON" in errors[1]
    # Still usable: edits and undo work.
    assert window.palette_view.append(1)
    assert layer_kinds(window.document)[-1] == "dropout"
    window.undo_action.trigger()
    assert window.document.project == before


# ------------------------------------------------------------------ "save changes?"


def test_close_with_changes_cancel_keeps_the_window(qtbot, make_window, questions) -> None:
    window = make_window()
    edit(window)
    questions.answers.append(CANCEL)
    assert not window.close()
    assert questions.asked == 1
    assert window.isVisible() and window.isWindowModified()


def test_close_with_changes_discard_closes(qtbot, make_window, questions) -> None:
    window = make_window()
    edit(window)
    questions.answers.append(DISCARD)
    assert window.close()
    assert questions.asked == 1 and not window.isVisible()


def test_close_without_changes_asks_nothing(qtbot, make_window, questions) -> None:
    window = make_window()
    assert window.close()
    assert questions.asked == 0


def test_close_with_changes_save_writes_the_file(qtbot, make_window, questions, monkeypatch, tmp_path) -> None:
    window = make_window()
    edit(window)
    questions.answers.append(SAVE)
    save_dialog_returns(monkeypatch, tmp_path / "closing.ffnn.json")
    assert window.close()
    assert load_project(tmp_path / "closing.ffnn.json") == window.document.project


def test_new_and_open_ask_about_changes(qtbot, make_window, questions, tmp_path) -> None:
    window = make_window()
    edit(window)
    questions.answers.append(CANCEL)
    assert not window.new_project()
    assert window.document.project.network.layers[0].units == 9
    other = tmp_path / "other.ffnn.json"
    save_project(Project(name="Other"), other)
    questions.answers.append(DISCARD)
    assert window.open_file(other)
    assert window.document.project.name == "Other"
    assert questions.asked == 2
    # A clean document asks nothing.
    assert window.new_project()
    assert questions.asked == 2


# ------------------------------------------------------------------ recent files and settings


def test_recent_files_persist_and_reopen(qtbot, make_window, monkeypatch, tmp_path) -> None:
    paths = []
    for name in ("a", "b"):
        p = tmp_path / f"{name}.ffnn.json"
        save_project(Project(name=name.upper()), p)
        paths.append(p)
    window = make_window()
    for p in paths:
        assert window.open_file(p)
    assert window.recent_files() == [str(paths[1].resolve()), str(paths[0].resolve())]
    assert studio_settings().value(RECENT_FILES_KEY) == window.recent_files()

    actions = [a for a in window.recent_menu.actions() if a.objectName() == "recentFileAction"]
    assert [a.data() for a in actions] == window.recent_files()
    actions[1].trigger()
    assert window.document.project.name == "A"
    assert window.recent_files()[0] == str(paths[0].resolve())

    second = make_window()
    assert second.recent_files() == window.recent_files()
    second.findChild(type(actions[0]), "clearRecentAction").trigger()
    assert second.recent_files() == []


def test_settings_are_isolated(isolated_settings) -> None:
    assert Path(studio_settings().fileName()).is_relative_to(isolated_settings)
    assert QSettings().fileName() == "" or Path(QSettings().fileName()).is_relative_to(
        isolated_settings
    )


def test_window_geometry_persists(qtbot, make_window) -> None:
    window = make_window()
    # Within the offscreen screen (800×800): restoring clamps to the screen.
    window.resize(751, 633)
    qtbot.waitUntil(lambda: window.width() == 751)
    assert window.close()
    again = make_window()
    assert (again.width(), again.height()) == (751, 633)


# ------------------------------------------------------------------ widgets and layout


def test_widgets_have_object_and_accessible_names(qtbot, make_window) -> None:
    window = make_window()
    for name in (
        "layerPalette",
        "layerStack",
        "layerListView",
        "inputCard",
        "outputCard",
        "layerInspector",
        "trainingPanel",
        "dataPanel",
        "trainingControls",
        "livePlots",
        "unitsSpin",
        "activationCombo",
        "lossCombo",
        "optimizerCombo",
        "datasetCombo",
        "throughputLabel",
        "problemsLabel",
    ):
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
    docks = {d.objectName() for d in window.findChildren(QDockWidget)}
    assert docks == {
        "paletteDock",
        "layerStackDock",
        "inspectorDock",
        "trainingDock",
        "dataDock",
        "insightsDock",
    }


def test_every_editor_has_object_and_accessible_names(qtbot, make_window) -> None:
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QAbstractSpinBox,
        QCheckBox,
        QComboBox,
        QGroupBox,
        QHeaderView,
    )

    window = make_window()
    window.document.set_current_layer(0)
    panels = (
        window.palette_view,
        window.layer_stack,
        window.inspector,
        window.training_panel,
        window.data_panel,
    )
    kinds = (QAbstractSpinBox, QComboBox, QCheckBox, QAbstractItemView, QGroupBox)
    checked = 0
    for panel in panels:
        for widget in [panel, *panel.findChildren(QWidget)]:
            if not isinstance(widget, kinds) or widget.window() is not window:
                continue
            if isinstance(widget, QGroupBox) and not widget.isCheckable():
                continue  # a plain heading, not a control
            if isinstance(widget, QHeaderView):
                continue  # part of its table, which carries the names
            assert widget.objectName(), f"{type(widget).__name__} in {panel.objectName()}"
            assert widget.accessibleName(), widget.objectName()
            checked += 1
    assert checked >= 25


@pytest.mark.parametrize("size", [(1400, 900), (1100, 700)])
def test_layout_fits_the_window(qtbot, make_window, size, tmp_path) -> None:
    window = make_window()
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    window.grab().save(str(tmp_path / "shot.png"))
    # Every dock and the plots lie inside the window and keep a usable size.
    for widget in (window.plots, window.layer_stack, window.training_dock, window.inspector_dock):
        rect = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
        assert window.rect().contains(rect), widget.objectName()
    assert window.plots.width() >= 300
    assert window.layer_stack.list_view.height() >= 60


def test_status_bar_shows_problems(qtbot, make_window) -> None:
    window = make_window()
    assert "Ready" in window.problems_label.text()
    doc = window.document
    doc.push(EditLayerCommand(doc, 0, "activation", "softmax"))
    assert "1 problem" in window.problems_label.text()
    assert "output layer" in window.problems_label.toolTip()


def test_a_large_network_is_flagged_in_the_status_bar_and_at_train(qtbot, make_window, monkeypatch) -> None:
    """Above the soft size limit a network trains, with a warning where problems are said."""
    from ffnn_studio.core import validation

    monkeypatch.setattr(validation, "machine_memory_bytes", lambda: 8 * 1024**3)
    from dataclasses import replace

    from ffnn_studio.core.spec import DenseLayer, NetworkSpec

    small = sample_project()
    window = make_window(replace(small, network=NetworkSpec((DenseLayer(4096, "relu"),) * 2)))
    assert window.problems_label.text() == "✓ Ready to train"
    doc = window.document
    # A third 4096-wide layer: 33.6 M parameters, over an eighth of 8 GB to train.
    doc.push(InsertLayerCommand(doc, 2, DenseLayer(4096, "relu")))
    assert not doc.problems() and doc.size_warnings()
    assert "large network" in window.problems_label.text()
    assert "large" in window.problems_label.toolTip()
    assert window.train()
    assert "large" in window.statusBar().currentMessage()


# ------------------------------------------------------------------ training through the window


def test_train_to_completion_locks_editing_and_reports_speed(qtbot, make_window) -> None:
    window = make_window()
    states: list[str] = []
    window.controller.stateChanged.connect(states.append)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000) as blocker:
        window.controls.train_action.trigger()
        assert window.document.locked
        assert not window.inspector.units.isEnabled()
    assert blocker.args[0].reason == "completed"
    assert blocker.args[0].epochs_completed == 3
    assert "running" in states and states[-1] == "idle"
    assert window.throughput_label.text() == "1,234 samples/s"
    assert not window.document.locked and window.inspector.units.isEnabled()
    assert "finished" in window.statusBar().currentMessage()


def test_editing_during_a_run_is_refused(qtbot, make_window) -> None:
    window = make_window(controller=fake_controller(HoldingSession))
    with qtbot.waitSignal(window.controller.started, timeout=10_000):
        assert window.train()
    before = window.document.project
    assert not window.palette_view.append(0)
    assert window.document.project == before
    assert "Training is running" in window.statusBar().currentMessage()
    assert not window.undo_action.isEnabled()
    assert not window.new_action.isEnabled() and not window.open_action.isEnabled()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000) as blocker:
        window.controls.stop_action.trigger()
    assert blocker.args[0].reason == "stopped"
    assert window.new_action.isEnabled()
    assert window.palette_view.append(0)


def test_train_refuses_an_invalid_project(qtbot, make_window, errors) -> None:
    window = make_window(Project(name="Empty"))
    assert not window.train()
    assert "no Dense layer" in errors[0]
    assert window.controller.state == "idle"


def test_train_more_continues_the_session(qtbot, make_window) -> None:
    window = make_window()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.train()
    with qtbot.waitSignal(window.controller.started, timeout=10_000) as blocker:
        window.train(2)
    assert blocker.args[0].start_epoch == 3
    qtbot.waitUntil(lambda: window.controller.state == "idle", timeout=10_000)
    # A changed network starts a fresh session.
    doc = window.document
    doc.push(EditTrainingCommand(doc, "batch_size", 8))
    with qtbot.waitSignal(window.controller.started, timeout=10_000) as blocker:
        window.train()
    assert blocker.args[0].start_epoch == 0
    qtbot.waitUntil(lambda: window.controller.state == "idle", timeout=10_000)


def test_close_during_a_run_stops_it_without_a_crash(qtbot, make_window) -> None:
    window = make_window(controller=fake_controller(HoldingSession))
    with qtbot.waitSignal(window.controller.started, timeout=10_000):
        window.train()
    assert window.controller.state == "running"
    assert window.close()
    assert window.controller.state == "idle"


def test_failed_start_shows_the_message(qtbot, make_window, errors) -> None:
    from ffnn_studio.core.errors import StudioError

    def broken(project, base_dir):
        raise StudioError("the CSV file is gone")

    controller = TrainingController(prepare_data=broken, session_factory=FakeSession, warm_up=lambda: None)
    window = make_window(controller=controller)
    with qtbot.waitSignal(controller.failed, timeout=10_000):
        window.train()
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert "the CSV file is gone" in errors[-1]
    assert not window.document.locked


def test_open_example_gives_an_unsaved_copy(qtbot, make_window) -> None:
    from ffnn_studio.core.examples import DEFAULT_EXAMPLE, load_example

    window = make_window()
    action = window.examples_menu.findChild(type(window.undo_action), f"example:{DEFAULT_EXAMPLE}")
    assert action is not None
    action.trigger()
    assert window.document.project == load_example(DEFAULT_EXAMPLE)
    assert window.document.path is None and not window.isWindowModified()
    assert window.windowTitle().startswith(load_example(DEFAULT_EXAMPLE).name)


def test_run_menu_holds_the_training_actions(qtbot, make_window) -> None:
    window = make_window()
    run_menu = next(m for m in window.menuBar().findChildren(type(window.recent_menu)) if m.objectName() == "runMenu")
    names = [a.objectName() for a in run_menu.actions() if a.objectName()]
    assert names == [
        "trainAction",
        "pauseAction",
        "stopAction",
        "resetAction",
        "compileCacheAction",
        "clearCompileCacheAction",
    ]
    assert window.document.project.network.layers  # the default sample trains as is


def test_keyboard_delete_in_the_window_deletes_only_in_the_stack(qtbot, make_window) -> None:
    window = make_window()
    window.activateWindow()
    window.inspector.units.setFocus()
    qtbot.keyClick(window.inspector.units, Qt.Key.Key_Delete)
    assert len(window.document.project.network.layers) == 3
    window.layer_stack.list_view.setFocus()
    qtbot.keyClick(window.layer_stack.list_view, Qt.Key.Key_Delete)
    assert layer_kinds(window.document) == ["dropout", "dense"]


# ------------------------------------------------------------------ real training (TensorFlow)


def small_spirals() -> Project:
    from dataclasses import replace

    from ffnn_studio.core.examples import default_project

    project = default_project()
    return replace(
        project,
        data=replace(project.data, params={**project.data.params, "n_samples": 200}),
        training=replace(project.training, epochs=2),
    )


def test_train_the_default_project_for_real(qtbot, make_window) -> None:
    window = make_window(small_spirals(), controller=TrainingController())
    epochs: list[int] = []
    window.controller.reported.connect(lambda report: epochs.extend(e.epoch for e in report.epochs))
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as blocker:
        assert window.train()
    report = blocker.args[0]
    assert report.reason == "completed", report.message
    assert epochs == [1, 2]
    assert "samples/s" in window.throughput_label.text()
    assert not window.document.locked


def test_stop_a_real_run_then_close_during_the_next(qtbot, make_window) -> None:
    from dataclasses import replace

    project = small_spirals()
    project = replace(project, training=replace(project.training, epochs=10_000))
    window = make_window(project, controller=TrainingController())
    controller = window.controller
    with qtbot.waitSignal(controller.reported, timeout=120_000, check_params_cb=lambda r: bool(r.epochs)):
        assert window.train()
    with qtbot.waitSignal(controller.finished, timeout=30_000) as blocker:
        window.controls.stop_action.trigger()
    assert blocker.args[0].reason == "stopped"
    done = blocker.args[0].epochs_completed
    assert 1 <= done < 10_000
    # Train again: it continues from the kept weights; close the window mid-run.
    with qtbot.waitSignal(controller.started, timeout=60_000) as started:
        assert window.train()
    assert started.args[0].start_epoch == done
    qtbot.waitUntil(lambda: controller.state == "running", timeout=60_000)
    assert window.close()
    assert controller.state == "idle"
