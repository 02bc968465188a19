"""The search window: runs in the background beside the window's run, cancels, reopens its
study with the project, sorts its trials and applies the best as one undoable edit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QMenu

from ffnn_studio.core.search_space import parse_space
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.ui.document.commands import ProjectEditCommand
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.run.search_runner import is_event
from ffnn_studio.ui.search.dialog import SearchDialog
from ffnn_studio.ui.search.plots import ParallelCoordinates
from tests.ui.window_fixtures import fake_controller

pytest.importorskip("optuna")

SEARCH_TIMEOUT_MS = 240_000


def tiny_project(epochs: int = 2) -> Project:
    return Project(
        name="Tiny",
        network=NetworkSpec((DenseLayer(8, "tanh"),)),
        data=BuiltinDataSource("xor", {"n_samples": 100}),
        training=TrainingSettings(optimizer=OptimizerSpec("adam", {"learning_rate": 0.01}), epochs=epochs, batch_size=32),
    )


def saved_document(tmp_path: Path, epochs: int = 2) -> ProjectDocument:
    doc = ProjectDocument(tiny_project(epochs))
    doc.save(tmp_path / "tiny.ffnn.json")
    return doc


def only(dialog: SearchDialog, **params: str) -> None:
    for row in range(dialog.space_table.rowCount()):
        dialog.space_table.cellWidget(row, 0).setChecked(False)
    for name, text in params.items():
        dialog.set_param(name, text)


@pytest.fixture
def window(qtbot, tmp_path):
    pytest.importorskip("ffnn_studio.engine.training.session")
    from ffnn_studio.ui.main_window import MainWindow

    # The window's own runs are fakes; a search's trials train real sessions of their own.
    w = MainWindow(saved_document(tmp_path), controller=fake_controller(), interactive=False)
    qtbot.addWidget(w)
    yield w
    w.close()


def test_the_search_runs_in_the_background_and_best_applies_as_one_undo(qtbot, window):
    menu = window.findChild(QMenu, "experimentsMenu")
    assert menu is not None and menu.title() == "E&xperiments"
    assert "searchAction" in [a.objectName() for a in menu.actions()]
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    run_before = window.controller.session
    assert run_before is not None
    dialog = window.show_search()
    only(dialog, units="4,16")
    dialog.sampler_combo.setCurrentIndex(dialog.sampler_combo.findData("grid"))
    dialog.trials_spin.setValue(2)
    project_before = window.document.project
    with qtbot.waitSignal(dialog.runner.searchFinished, timeout=SEARCH_TIMEOUT_MS) as done:
        assert dialog.start()
        assert window.searching and not dialog.run_button.isEnabled()
        assert not window.train()  # the window's run waits for the search
        assert dialog.cancel_button.isEnabled()
    result = done.args[0]
    assert result.ended == "budget" and result.ran == 2
    assert dialog.trials_model.rowCount() == 2
    assert not window.searching and dialog.run_button.isEnabled()
    assert window.controls.train_action.isEnabled()
    # The trials trained sessions of their own: the window's run (what Export writes) is untouched.
    assert window.controller.session is run_before
    assert window.document.project == project_before
    assert (Path(window.document.path).parent / "tiny.search.log").exists()

    best = dialog.best()
    assert best is not None and dialog.apply_button.isEnabled()
    stack = window.document.undo_stack
    depth = stack.count()
    assert dialog.apply_best()
    assert stack.count() == depth + 1
    assert [d.units for d in window.document.project.network.dense_layers] == [best.params["units"]]
    stack.undo()
    assert window.document.project == project_before


def test_closing_the_window_stops_a_running_search(qtbot, window):
    dialog = window.show_search()
    window.document.push(ProjectEditCommand(window.document, tiny_project(epochs=5000), "more epochs"))
    window.document.save()
    only(dialog, units="4,8")
    dialog.trials_spin.setValue(4)
    with qtbot.waitSignal(dialog.runner.event, timeout=SEARCH_TIMEOUT_MS,
                          check_params_cb=lambda e: is_event(e, "TrialEpoch")):
        assert dialog.start()
    window.close()
    assert dialog.runner.wait(0)  # the search's thread has ended: nothing trains after the window
    with qtbot.waitSignal(dialog.runner.searchFinished, timeout=SEARCH_TIMEOUT_MS) as done:
        pass
    assert done.args[0].ended == "cancelled"


def test_cancel_stops_the_running_trial_and_the_window_stays_usable(qtbot, tmp_path):
    doc = saved_document(tmp_path, epochs=2000)
    dialog = SearchDialog(doc)
    qtbot.addWidget(dialog)
    only(dialog, learning_rate="1e-3:1e-1:log")
    dialog.trials_spin.setValue(5)
    with qtbot.waitSignal(dialog.runner.event, timeout=SEARCH_TIMEOUT_MS,
                          check_params_cb=lambda e: is_event(e, "TrialEpoch")):
        assert dialog.start()
    assert "Trial 1/5" in dialog.status.text() and "epoch" in dialog.status.text()
    with qtbot.waitSignal(dialog.runner.searchFinished, timeout=SEARCH_TIMEOUT_MS) as done:
        dialog.cancel()
    result = done.args[0]
    assert result.ended == "cancelled" and result.ran == 1
    (trial,) = result.study.records
    assert trial.state == "failed" and trial.note == "cancelled" and trial.epochs < 2000
    assert "cancelled" in dialog.status.text()
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_a_study_reopens_with_its_project_and_sorts_its_trials(qtbot, tmp_path):
    doc = saved_document(tmp_path)
    first = SearchDialog(doc)
    qtbot.addWidget(first)
    only(first, units="4,8,16")
    first.sampler_combo.setCurrentIndex(first.sampler_combo.findData("random"))
    first.pruner_combo.setCurrentIndex(first.pruner_combo.findData("none"))
    first.trials_spin.setValue(3)
    with qtbot.waitSignal(first.runner.searchFinished, timeout=SEARCH_TIMEOUT_MS):
        first.start()

    reopened = ProjectDocument()
    reopened.open(tmp_path / "tiny.ffnn.json")
    again = SearchDialog(reopened)
    qtbot.addWidget(again)
    assert again.trials_model.rowCount() == 3
    assert again.sampler_combo.currentData() == "random" and again.pruner_combo.currentData() == "none"
    assert again.space() == parse_space(["units=4,8,16"])
    # Sorted by the objective (lowest validation loss first), the best trial leads.
    column = [again.trials_model.horizontalHeaderItem(c).text() for c in range(again.trials_model.columnCount())].index("Validation loss")
    again.trials_view.sortByColumn(column, again.trials_view.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    top = int(again.trials_proxy.index(0, 0).data())
    assert top == again.best().number
    assert "★ best" in again.trials_proxy.index(0, 1).data()
    # Run resumes the stored study: 3 more trials make 6.
    again.trials_spin.setValue(3)
    assert again.config().trials == 6


def test_a_search_of_an_unsaved_project_asks_to_save_it_first(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Save))
    saves: list[bool] = []
    dialog = SearchDialog(ProjectDocument(tiny_project()), save=lambda: saves.append(True) and False)
    qtbot.addWidget(dialog)
    assert "save the project first" in dialog.status.text().lower()
    assert not dialog.start()  # the save was cancelled: nothing runs, nothing is written
    assert asked and "kept beside its project file" in asked[0]
    assert saves == [True] and not dialog.runner.running


def test_bad_ranges_are_refused_with_the_parameter_named(qtbot, tmp_path):
    dialog = SearchDialog(saved_document(tmp_path))
    qtbot.addWidget(dialog)
    only(dialog, units="64:8")
    assert not dialog.start()
    assert "units: the low end 64 must be below the high end 8" in dialog.status.text()
    only(dialog)
    assert not dialog.start()
    assert "tick at least one parameter" in dialog.status.text()


def record(number, state, value, lr, units):
    return SimpleNamespace(number=number, state=state, value=value, params={"learning_rate": lr, "units": units},
                           history={}, epochs=3, duration_s=1.0, note="")


def test_parallel_coordinates_draw_a_line_per_finished_trial(qtbot):
    plot = ParallelCoordinates()
    qtbot.addWidget(plot)
    specs = {s.name: s for s in parse_space(["learning_rate=1e-4:1e-1:log", "units=4,8,16"])}
    records = [record(0, "complete", 0.5, 1e-3, 8), record(1, "pruned", 0.9, 1e-2, 4),
               record(2, "complete", 0.2, 1e-2, 16), record(3, "failed", None, 1e-1, 4)]
    plot.show_trials(records, specs, "Validation loss", best_number=2, maximize=False)
    assert plot.axis_names == ["learning_rate", "units", "Validation loss"]
    assert len(plot.lines) == 3  # the failed trial has no score to draw
    best = plot.lines[-1]
    x, y = best.getData()
    assert list(x) == [0, 1, 2]
    assert y[0] == pytest.approx(2 / 3)  # 1e-2 on a log axis from 1e-4 to 1e-1
    assert y[1] == 1.0 and y[2] == 0.0  # the largest choice; the lowest loss


def test_the_test_objectives_are_offered_only_with_a_test_part(qtbot, tmp_path):
    from ffnn_studio.ui.document.commands import EditTrainingCommand

    doc = saved_document(tmp_path)
    dialog = SearchDialog(doc, fake_controller())
    qtbot.addWidget(dialog)

    def offered() -> list[str]:
        return [dialog.objective_combo.itemData(i) for i in range(dialog.objective_combo.count())]

    assert offered() == ["val_loss", "val_metric"]
    assert doc.push(EditTrainingCommand(doc, "test_fraction", 0.2))
    assert offered() == ["val_loss", "val_metric", "test_loss", "test_metric"]
    assert dialog.objective_combo.itemText(3) == "Test accuracy"
    dialog.objective_combo.setCurrentIndex(2)
    doc.undo_stack.undo()
    assert offered() == ["val_loss", "val_metric"]
    assert dialog.objective_combo.currentData() == "val_loss"
