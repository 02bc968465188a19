"""File ▸ Export: the model (with its reload check), the Python script, the run history, the plots."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    NetworkSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.engine.export import formats as export_engine
from ffnn_studio.engine.export.formats import ExportResult
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.exports.actions import probes_path
from ffnn_studio.ui.exports.export_dialog import (
    IMPORT_NOTE,
    ExportDialog,
    path_for_format,
)
from ffnn_studio.ui.main_window import MainWindow
from ffnn_studio.ui.run.bridge import TrainingController
from tests.ui.window_fixtures import (
    fake_controller,
)

SHOTS = Path("/tmp/ffnn-shots")
EXPORT_TIMEOUT_MS = 120_000
TRAIN_TIMEOUT_MS = 120_000


def tiny_project(activation: str = "relu", epochs: int = 2) -> Project:
    return Project(
        name="Tiny XOR",
        network=NetworkSpec((DenseLayer(8, activation), DenseLayer(4, "tanh"))),
        data=BuiltinDataSource("xor", {"n_samples": 200}),
        training=TrainingSettings(epochs=epochs, batch_size=32),
    )


@pytest.fixture
def infos(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda parent, title, text, *a: shown.append(text))
    )
    return shown


@pytest.fixture
def discard_changes(monkeypatch) -> None:
    """"Save changes?" on closing an edited window: Discard, without a modal box."""
    monkeypatch.setattr(
        QMessageBox,
        "question",
        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard),
    )


@pytest.fixture
def make_window(qtbot, errors, infos, discard_changes):
    def make(
        project: Project | None = None, controller: TrainingController | None = None
    ) -> MainWindow:
        doc = ProjectDocument(project if project is not None else tiny_project())
        window = MainWindow(doc, controller=controller or fake_controller())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def trained_window(qtbot, make_window):
    """A window whose controller really trained ``project`` (TensorFlow) for 2 epochs."""

    def make(project: Project | None = None) -> MainWindow:
        window = make_window(project or tiny_project(), controller=TrainingController())
        with qtbot.waitSignal(window.controller.finished, timeout=TRAIN_TIMEOUT_MS) as blocker:
            assert window.train()
        assert blocker.args[0].reason == "completed", blocker.args[0].message
        return window

    return make


def save_dialog_returns(monkeypatch, path: Path | str) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def open_export_dialog(window: MainWindow) -> ExportDialog:
    window.export_actions.model_action.trigger()
    dialog = window.export_actions.model_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def export_ended(qtbot, dialog: ExportDialog):
    """Waits for the end of the export started inside the ``with`` block."""
    return qtbot.waitSignal(
        dialog.busyChanged, timeout=EXPORT_TIMEOUT_MS, check_params_cb=lambda busy: not busy
    )


def run_export(qtbot, dialog: ExportDialog) -> None:
    with export_ended(qtbot, dialog):
        assert dialog.start_export()
        assert dialog.busy
    assert not dialog.busy


# ------------------------------------------------------------------ menu and enabled state


def test_export_actions_are_in_the_file_menu_with_standard_keys(qtbot, make_window) -> None:
    window = make_window()
    file_menu = window.menuBar().findChild(type(window.recent_menu), "fileMenu")
    names = [a.objectName() for a in file_menu.actions()]
    for name in ("exportModelAction", "exportScriptAction", "exportHistoryAction", "exportPlotsAction"):
        assert name in names
    assert names.index("saveAsAction") < names.index("exportModelAction") < names.index("quitAction")
    actions = window.export_actions
    assert actions.model_action.shortcut().toString() == "Ctrl+E"
    assert actions.model_action.text().endswith("…")
    # Nothing trained yet: only the script can be exported, and the tips say why.
    assert not actions.model_action.isEnabled()
    assert "Train the network first" in actions.model_action.statusTip()
    assert not actions.history_action.isEnabled()
    assert not actions.plots_action.isEnabled()
    assert actions.script_action.isEnabled()


def test_export_actions_follow_a_real_run(qtbot, make_window) -> None:
    window = make_window(tiny_project(), controller=TrainingController())
    actions = window.export_actions
    seen_while_running: list[bool] = []
    window.controller.started.connect(
        lambda _info: seen_while_running.append(actions.model_action.isEnabled())
    )
    with qtbot.waitSignal(window.controller.finished, timeout=TRAIN_TIMEOUT_MS):
        assert window.train()
        # Preparing the run: no export of a model that is about to change.
        assert not actions.model_action.isEnabled()
        assert "Stop training" in actions.model_action.statusTip()
    assert seen_while_running == [False]
    assert actions.model_action.isEnabled()
    assert actions.history_action.isEnabled()
    assert actions.plots_action.isEnabled()
    assert actions.script_action.isEnabled()


# ------------------------------------------------------------------ the model


def test_export_onnx_through_the_dialog_shows_the_check(qtbot, trained_window, tmp_path) -> None:
    window = trained_window()
    dialog = open_export_dialog(window)
    for fmt in ("keras", "h5", "onnx"):
        dialog.set_format(fmt)
        assert not dialog.import_note_shown()  # no step units in this network
    target = tmp_path / "tiny.onnx"
    dialog.set_output_path(tmp_path / "tiny.keras")
    dialog.set_format("onnx")
    assert dialog.output_path() == str(target)  # the extension follows the format

    train_action = window.controls.train_action
    with export_ended(qtbot, dialog):
        assert dialog.start_export()
        # No training (and no second export) while the export reads the weights.
        assert dialog.busy and window.export_actions.busy
        assert not train_action.isEnabled()
        assert not window.controls.reset_action.isEnabled()
        assert not window.export_actions.model_action.isEnabled()
        assert not window.train()
        assert window.controller.state == "idle"
        assert not dialog.close_button.isEnabled()
        assert dialog.progress_bar.isVisible() and dialog.status_label.text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / "export_dialog_running.png"))
    assert not dialog.busy

    assert dialog.outcome is not None
    result = dialog.outcome.result
    assert result.ok, result.message
    assert result.max_abs_diff is not None and result.max_abs_diff < 1e-4
    assert target.is_file()
    sidecar = export_engine.metadata_path(target)
    assert sidecar.is_file()
    text = dialog.result_label.text()
    assert text.startswith("Reloaded with onnxruntime: max |difference| ")
    assert "over " in text and text.endswith("rows ✓")
    assert dialog.result_label.isVisible()
    assert sidecar.name in dialog.detail_label.text()
    assert str(sidecar) in dialog.detail_label.toolTip()
    assert not dialog.progress_bar.isVisible()
    assert train_action.isEnabled() and window.export_actions.model_action.isEnabled()
    assert "Exported the model" in window.statusBar().currentMessage()

    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "export_dialog.png"))
    dialog.close()
    assert not dialog.isVisible()


def test_keras_export_of_a_step_network_notes_the_import(qtbot, trained_window, tmp_path) -> None:
    window = trained_window(tiny_project("step"))
    dialog = open_export_dialog(window)
    dialog.set_format("keras")
    assert dialog.import_note_shown()
    assert IMPORT_NOTE in dialog.import_note.text()
    dialog.set_format("savedmodel")
    assert not dialog.import_note_shown()
    dialog.set_format("h5")
    assert dialog.import_note_shown()
    dialog.set_format("keras")

    target = tmp_path / "step.keras"
    dialog.set_output_path(target)
    run_export(qtbot, dialog)
    result = dialog.outcome.result
    assert result.ok and result.needs_import
    assert target.is_file()
    assert "keras.models.load_model" in dialog.result_label.text()
    assert "import ffnn_studio.engine.activations" in dialog.detail_label.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "export_dialog_keras_step.png"))


def test_a_failing_export_shows_the_message_and_the_window_stays_usable(
    qtbot, trained_window, tmp_path, monkeypatch
) -> None:
    window = trained_window()
    dialog = open_export_dialog(window)
    dialog.set_format("onnx")
    dialog.set_output_path(tmp_path / "model.onnx")

    def refuse(session, path, fmt=None, **kwargs):
        raise StudioError(f"could not write {path}: No space left on device")

    monkeypatch.setattr(export_engine, "export_session", refuse)
    run_export(qtbot, dialog)
    assert "Export failed" in dialog.result_label.text()
    assert "No space left on device" in dialog.detail_label.text()
    assert dialog.error is not None and dialog.outcome is None
    assert "Export failed" in window.statusBar().currentMessage()
    assert not (tmp_path / "model.onnx").exists()
    assert dialog.export_button.isEnabled() and dialog.close_button.isEnabled()

    # A check that fails is shown in red with the export's message.
    def mismatch(session, path, fmt=None, **kwargs):
        return ExportResult(
            Path(path), "onnx", 0.5, False, "Export to ONNX (.onnx) failed: predictions differ."
        )

    monkeypatch.setattr(export_engine, "export_session", mismatch)
    run_export(qtbot, dialog)
    assert "nothing was written" in dialog.result_label.text()
    assert "predictions differ" in dialog.detail_label.text()
    assert "c0392b" in dialog.detail_label.styleSheet()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "export_dialog_failed.png"))

    # The window goes on: the dialog closes, training runs again.
    dialog.close()
    assert window.export_actions.model_action.isEnabled()
    with qtbot.waitSignal(window.controller.finished, timeout=TRAIN_TIMEOUT_MS):
        assert window.train()


def test_export_refuses_a_path_that_does_not_fit_the_format(qtbot, trained_window, tmp_path) -> None:
    window = trained_window()
    dialog = open_export_dialog(window)
    dialog.set_format("keras")
    dialog.set_output_path(tmp_path / "model.onnx")
    assert not dialog.start_export()
    assert not dialog.busy
    assert "ONNX" in dialog.detail_label.text()
    dialog.set_output_path("")
    assert not dialog.start_export()
    assert "Choose where" in dialog.detail_label.text()


def test_browse_appends_the_extension(qtbot, trained_window, tmp_path, monkeypatch) -> None:
    window = trained_window()
    dialog = open_export_dialog(window)
    dialog.set_format("tflite")
    save_dialog_returns(monkeypatch, tmp_path / "phone")
    dialog.browse_button.click()
    assert dialog.output_path() == str(tmp_path / "phone.tflite")


def test_path_for_format() -> None:
    assert path_for_format("/a/m.keras", "onnx") == "/a/m.onnx"
    assert path_for_format("/a/m.onnx", "savedmodel") == "/a/m"
    assert path_for_format("/a/m", "h5") == "/a/m.h5"
    assert path_for_format("/a/m.v2", "keras") == "/a/m.v2.keras"
    assert path_for_format("", "keras") == ""


# ------------------------------------------------------------------ the script


def test_script_export_writes_a_script_that_compiles(
    qtbot, make_window, monkeypatch, tmp_path, infos
) -> None:
    window = make_window()
    assert window.export_actions.script_action.isEnabled()
    save_dialog_returns(monkeypatch, tmp_path / "train_xor")
    window.export_actions.script_action.trigger()
    script = tmp_path / "train_xor.py"
    assert script.is_file()
    compile(script.read_text(encoding="utf-8"), str(script), "exec")
    assert len(infos) == 1 and str(script) in infos[0]
    assert str(script) in window.statusBar().currentMessage()


def test_script_export_of_a_csv_project_points_at_the_csv(
    qtbot, make_window, monkeypatch, tmp_path, errors
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40))
    (folder / "points.csv").write_text("a,b,label\n" + rows + "\n", encoding="utf-8")
    project = Project(
        name="Points",
        network=NetworkSpec((DenseLayer(4, "relu"),)),
        data=CsvDataSource(path="points.csv", target="label"),
    )
    window = make_window(project)
    window.document.save(folder / "points.ffnn.json")
    out = tmp_path / "elsewhere"
    out.mkdir()
    save_dialog_returns(monkeypatch, out / "points.py")
    written = window.export_actions.export_script()
    assert not errors
    assert written == out / "points.py"
    text = written.read_text(encoding="utf-8")
    compile(text, str(written), "exec")
    assert str((folder / "points.csv").resolve()) in text


def test_script_export_error_shows_a_message(
    qtbot, make_window, monkeypatch, tmp_path, errors
) -> None:
    window = make_window()

    def fail(project, path, csv_path=None):
        raise StudioError(f"could not write {path}: Permission denied")

    monkeypatch.setattr("ffnn_studio.engine.codegen.script.write_script", fail)
    save_dialog_returns(monkeypatch, tmp_path / "x.py")
    assert window.export_actions.export_script() is None
    assert errors and "Permission denied" in errors[-1]
    assert window.isVisible()


def test_script_export_follows_the_project_problems(qtbot, make_window) -> None:
    window = make_window(Project(name="Empty", network=NetworkSpec(())))
    action = window.export_actions.script_action
    assert window.document.problems()
    assert not action.isEnabled()
    assert "Fix the project's problems" in action.statusTip()
    # Adding a Dense layer makes the project valid: the script can be exported.
    assert window.palette_view.append(0)
    assert not window.document.problems()
    assert action.isEnabled()


# ------------------------------------------------------------------ history and plots


def test_history_export_writes_one_row_per_epoch(qtbot, trained_window, monkeypatch, tmp_path) -> None:
    window = trained_window()
    save_dialog_returns(monkeypatch, tmp_path / "run")
    window.export_actions.history_action.trigger()
    history = tmp_path / "run.csv"
    with history.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["1", "2"]
    probes = probes_path(history)
    assert probes == tmp_path / "run.probes.csv"
    with probes.open(encoding="utf-8") as fh:
        probe_rows = list(csv.reader(fh))
    assert probe_rows[0][:2] == ["step", "epoch"] and len(probe_rows) >= 2
    assert "run.csv" in window.statusBar().currentMessage()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_plots_writes_four_files(qtbot, make_window, tmp_path, suffix) -> None:
    window = make_window()  # the fake session reports epochs and probes
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    actions = window.export_actions
    assert actions.plots_action.isEnabled()
    actions.plots_action.trigger()
    dialog = actions.plots_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.folder_edit.setText(str(tmp_path))
    dialog.prefix_edit.setText("xor")
    dialog.set_suffix(suffix)
    assert "xor-loss" + suffix in dialog.files_label.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "export_plots_dialog.png"))
    dialog.save_button.click()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(f"xor-{k}{suffix}" for k in ("loss", "metric", "weights", "gradients"))
    assert all((tmp_path / f).stat().st_size > 0 for f in files)
    assert not dialog.isVisible()
    assert "Saved 4 plots" in window.statusBar().currentMessage()


def test_export_plots_into_a_missing_folder_says_so(qtbot, make_window, tmp_path) -> None:
    window = make_window()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    dialog = window.export_actions.export_plots()
    dialog.folder_edit.setText(str(tmp_path / "nope"))
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "does not exist" in dialog.error_label.text()


def test_a_typed_extension_chooses_the_format_and_a_new_format_clears_the_result(
    qtbot, trained_window, tmp_path
) -> None:
    window = trained_window()
    dialog = open_export_dialog(window)
    dialog.set_format("keras")
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, str(tmp_path / "model.onnx"))
    assert dialog.selected_format() == "onnx"
    assert dialog.output_path() == str(tmp_path / "model.onnx")  # kept as typed
    qtbot.keyClicks(dialog.path_edit, "x")  # ".onnxx" names no format: the choice stays
    assert dialog.selected_format() == "onnx"
    dialog.set_output_path("")
    assert not dialog.start_export()
    assert dialog.result_frame.isVisibleTo(dialog) and "Choose where" in dialog.detail_label.text()
    dialog.set_format("tflite")
    assert not dialog.result_frame.isVisibleTo(dialog)
    assert dialog.detail_label.text() == "" and dialog.error is None
