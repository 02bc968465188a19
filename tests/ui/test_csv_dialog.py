"""The CSV import dialog, the missing-CSV question, and the background helper they run on.

Files come from tests/data/files (the data layer's fixtures); big files are
written to tmp_path. No test sleeps: background reads are awaited with
``qtbot.waitSignal``, and a read that must still be running when the test
presses Stop is a stand-in that blocks on an event the dialog's cancel opens.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

import ffnn_studio.data.csv_format as csv_format
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import BuiltinDataSource, CsvDataSource, Project, Task
from ffnn_studio.data.csv_import import ImportCancelled, read_csv_dataset
from ffnn_studio.ui.dataset import csv_dialog
from ffnn_studio.ui.dataset.csv_dialog import CsvImportDialog
from ffnn_studio.ui.dataset.csv_flow import (
    import_csv,
    locate_missing_csv,
    offer_to_locate_csv,
)
from ffnn_studio.ui.dataset.data_preview import DataPreview
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.run import background
from ffnn_studio.ui.run.background import BackgroundTask

FILES = Path(__file__).resolve().parents[1] / "data" / "files"
FLOWERS = FILES / "flowers.csv"
FLOWER_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")

#: What the dialog shows for each sample file: None when it previews, else a
#: phrase of the message that names the problem.
FILE_PROBLEMS = {
    "categorical.csv": None,
    "empty.csv": "is empty",
    "empty_feature.csv": None,
    "flowers.csv": None,
    "header_only.csv": "no data rows",
    "junk_numeric.csv": None,
    "latin1.csv": "not UTF-8",
    "missing.csv": None,
    "no_header.csv": None,
    "only_target.csv": None,
    "picture.csv": "not a text file",
    "ragged.csv": "line 5 has 5 fields",
    "regression.csv": None,
    "semicolon.csv": None,
    "single_class.csv": None,
}
#: Why OK stays disabled for files that preview but cannot be imported as they are.
BLOCKED = {
    "junk_numeric.csv": "Column 'age'",
    "only_target.csv": "at least one feature",
}


@pytest.fixture
def dialog(qtbot) -> CsvImportDialog:
    d = CsvImportDialog()
    qtbot.addWidget(d)
    d.show()
    return d


def open_file(qtbot, name: str) -> CsvImportDialog:
    d = CsvImportDialog()
    qtbot.addWidget(d)
    d.show()
    d.set_path(FILES / name)
    return d


def click_ok(qtbot, d: CsvImportDialog, outcome: str) -> None:
    """Press Import and wait until the background read ends with ``outcome``."""
    assert d.ok_button.isEnabled(), d.invalid_reason()
    with qtbot.waitSignal(d.loadFinished, timeout=10_000) as blocker:
        qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [outcome]


def gated_read(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Replace the dialog's full read by one that reports progress, then blocks.

    Returns (started, gate): ``started`` is set once the read runs; it goes on
    when ``gate`` opens, and then honours the cancel flag like the real read.
    """
    started, gate = threading.Event(), threading.Event()

    def read(source, base_dir=None, progress=None, cancelled=None):
        started.set()
        progress(0.3)
        assert gate.wait(10), "the test never opened the gate"
        if cancelled():
            raise ImportCancelled()
        return read_csv_dataset(source, base_dir, progress, cancelled)

    monkeypatch.setattr(csv_dialog, "read_csv_dataset", read)
    return started, gate


def at_30_percent(value: int) -> bool:
    return value == 300


def open_gate_on_cancel(task: BackgroundTask, gate: threading.Event) -> None:
    cancel = task.cancel

    def cancel_and_open() -> None:
        cancel()
        gate.set()

    task.cancel = cancel_and_open  # type: ignore[method-assign]


# ---------------------------------------------------------------------- every sample file


def test_every_sample_file_is_listed() -> None:
    assert sorted(p.name for p in FILES.iterdir()) == sorted(FILE_PROBLEMS)


@pytest.mark.parametrize("name", sorted(FILE_PROBLEMS))
def test_sample_file_previews_or_names_its_problem(qtbot, name: str) -> None:
    d = open_file(qtbot, name)
    problem = FILE_PROBLEMS[name]
    if problem is not None:
        assert d.preview is None
        assert d.preview_error_label.isVisible()
        assert problem in d.preview_error_label.text()
        assert d.table_model.rowCount() == 0
        assert not d.ok_button.isEnabled()
        assert d.reason_label.text() == "This file cannot be imported: see the message above."
        return
    assert d.preview is not None
    assert not d.preview_error_label.isVisible()
    assert d.table_model.rowCount() == len(d.preview.rows) > 0
    assert d.table_model.columnCount() == len(d.preview.columns)
    if name in BLOCKED:
        assert not d.ok_button.isEnabled()
        assert BLOCKED[name] in d.reason_label.text()
    else:
        assert d.ok_button.isEnabled(), d.invalid_reason()
        assert d.reason_label.text() == ""


# ---------------------------------------------------------------------- choices → source


def test_well_formed_file_returns_the_chosen_source_and_its_dataset(qtbot) -> None:
    d = open_file(qtbot, "flowers.csv")
    assert d.target() == "species"  # the suggested target: the last column
    assert d.features() == FLOWER_FEATURES
    assert d.task_combo.currentData() == "multiclass"
    assert "multi-class" in d.task_info.text() and "3 classes" in d.task_info.text()
    header = d.table_model.headerData(4, Qt.Orientation.Horizontal)
    assert header == "species\ntarget · categorical"
    assert d.table_model.headerData(0, Qt.Orientation.Horizontal) == "sepal_length\nnumeric"

    d.set_feature_checked("sepal_width", False)
    assert d.features() == ("sepal_length", "petal_length", "petal_width")
    click_ok(qtbot, d, "loaded")

    assert d.result() == QDialog.DialogCode.Accepted
    assert d.accepted_source == CsvDataSource(
        path=str(FLOWERS),
        target="species",
        features=("sepal_length", "petal_length", "petal_width"),
        task=Task.MULTICLASS,
        missing="drop",
        delimiter=None,
        has_header=None,
    )
    ds = d.dataset
    assert ds is not None
    assert ds.n_samples == 12
    assert ds.feature_names == ("sepal_length", "petal_length", "petal_width")
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert np.bincount(ds.y).tolist() == [4, 4, 4]


def test_feature_list_follows_the_target(qtbot) -> None:
    d = open_file(qtbot, "categorical.csv")
    assert d.target() == "label" and d.features() == ("color", "size")
    assert d.task() is Task.BINARY
    color = d.feature_list.item(0)
    assert "one-hot" in color.text()

    d.set_target("size")
    assert d.features() == ("color", "label")  # the old target becomes a feature
    assert d.task() is Task.REGRESSION  # inferred afresh from the new target
    target_item = d.feature_list.item(1)
    assert "the target" in target_item.text()
    assert not target_item.flags() & Qt.ItemFlag.ItemIsUserCheckable

    d.set_all_features(False)
    assert d.features() == ()
    assert not d.ok_button.isEnabled()
    assert d.reason_label.text() == "Choose at least one feature column."
    d.set_all_features(True)
    assert d.features() == ("color", "label")
    assert d.ok_button.isEnabled()


def test_task_override_and_the_choices_it_refuses(qtbot) -> None:
    d = open_file(qtbot, "flowers.csv")
    d.set_task(Task.BINARY)
    assert not d.ok_button.isEnabled()
    assert "3 classes" in d.reason_label.text()
    assert d.ok_button.toolTip() == d.reason_label.text()
    d.set_task(Task.REGRESSION)
    assert "numeric target" in d.reason_label.text()
    d.set_task(Task.MULTICLASS)
    assert d.ok_button.isEnabled()

    d.set_target("petal_width")
    assert d.task() is Task.REGRESSION
    d.set_task(Task.MULTICLASS)  # numbers as classes: allowed
    assert d.ok_button.isEnabled()
    assert "overrides" in d.task_info.text()
    assert d.source().task is Task.MULTICLASS


def test_semicolon_file_has_its_delimiter_detected(qtbot) -> None:
    d = open_file(qtbot, "semicolon.csv")
    assert d.preview.delimiter == ";"
    assert d.delimiter_combo.currentIndex() == 0
    assert d.delimiter_combo.currentText() == "Auto-detect (semicolon)"
    assert "decimal commas" in d.file_info.text()
    assert d.preview.columns == ("height", "weight", "price")
    assert d.source().delimiter is None  # detected again when the project is reopened

    d.delimiter_combo.setCurrentIndex(d.delimiter_combo.findData(";"))
    d.delimiter_combo.activated.emit(d.delimiter_combo.currentIndex())
    assert d.source().delimiter == ";"
    click_ok(qtbot, d, "loaded")
    assert d.dataset.x[0].tolist() == pytest.approx([1.5, 70.2])
    assert d.dataset.task is Task.REGRESSION


def test_a_wrong_delimiter_override_leaves_one_column(qtbot) -> None:
    d = open_file(qtbot, "flowers.csv")
    tab = d.delimiter_combo.findData("\t")
    d.delimiter_combo.setCurrentIndex(tab)
    d.delimiter_combo.activated.emit(tab)
    assert len(d.preview.columns) == 1
    assert not d.ok_button.isEnabled()
    d.delimiter_combo.setCurrentIndex(0)
    d.delimiter_combo.activated.emit(0)
    assert d.preview.columns[-1] == "species"
    assert d.ok_button.isEnabled()


def test_header_detection_can_be_overridden(qtbot) -> None:
    d = open_file(qtbot, "no_header.csv")
    assert not d.header_check.isChecked()
    assert d.preview.columns == ("column 1", "column 2", "column 3")
    assert d.source().has_header is None

    qtbot.mouseClick(d.header_check, Qt.MouseButton.LeftButton)
    assert d.header_check.isChecked()
    assert d.preview.columns == ("0.5", "1.2", "0")
    assert d.target() == "0"
    assert d.source().has_header is True
    assert d.table_model.rowCount() == 5


def test_missing_values_are_reported_and_the_policy_is_kept(qtbot) -> None:
    d = open_file(qtbot, "missing.csv")
    text = d.missing_info.text()
    assert "'income' 2" in text and "'age' 1" in text and "'bought' 1" in text
    assert "always dropped" in text
    assert d.table_model.data(d.table_model.index(1, 1)) == "(missing)"
    assert d.source().missing == "drop"

    d.missing_mean.setChecked(True)
    assert d.source().missing == "mean"
    click_ok(qtbot, d, "loaded")
    assert d.accepted_source.missing == "mean"
    assert d.dataset.n_samples == 7  # only the row without a target is dropped
    assert any("filled missing values" in note for note in d.dataset.notes)


def test_problem_columns_block_ok_until_left_out(qtbot) -> None:
    d = open_file(qtbot, "junk_numeric.csv")
    assert d.problems_label.isVisible()
    assert "column 'age'" in d.problems_label.text() and "line 5" in d.problems_label.text()
    assert not d.ok_button.isEnabled()

    d.set_feature_checked("age", False)
    assert d.ok_button.isEnabled()
    click_ok(qtbot, d, "loaded")
    assert d.dataset.feature_names == ("height",)


# ---------------------------------------------------------------------- the background read


def test_error_of_the_full_read_is_shown_and_the_dialog_stays_open(qtbot) -> None:
    d = open_file(qtbot, "single_class.csv")
    click_ok(qtbot, d, "failed")
    assert d.isVisible()
    assert d.result() != QDialog.DialogCode.Accepted
    assert d.dataset is None and d.accepted_source is None
    assert d.load_error_label.isVisible()
    assert "single class ('yes')" in d.load_error_label.text()
    assert not d.progress.isVisible()
    assert d.ok_button.isEnabled() and d.target_combo.isEnabled()

    d.set_path(FLOWERS)  # choosing something else clears the message
    assert not d.load_error_label.isVisible()


def test_stop_during_the_background_load_keeps_the_dialog_usable(qtbot, monkeypatch) -> None:
    started, gate = gated_read(monkeypatch)
    d = open_file(qtbot, "flowers.csv")
    with qtbot.waitSignal(d.progress.valueChanged, timeout=10_000, check_params_cb=at_30_percent):
        qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert started.is_set()
    assert d.loading
    assert d.progress.isVisible() and d.progress.value() == 300
    assert d.stop_button.isVisible()
    assert not d.ok_button.isEnabled() and not d.target_combo.isEnabled()
    open_gate_on_cancel(d.load_task, gate)

    with qtbot.waitSignal(d.loadFinished, timeout=10_000) as blocker:
        qtbot.mouseClick(d.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["cancelled"]
    assert d.dataset is None
    assert d.isVisible() and d.result() != QDialog.DialogCode.Accepted
    assert d.load_info.text() == "Loading stopped: nothing was imported."
    assert not d.progress.isVisible() and not d.stop_button.isVisible()
    assert d.ok_button.isEnabled() and d.target_combo.isEnabled()

    gate.set()  # the next read runs through
    click_ok(qtbot, d, "loaded")
    assert d.dataset is not None and d.dataset.n_samples == 12


def test_cancel_button_during_the_load_stops_the_read(qtbot, monkeypatch) -> None:
    _started, gate = gated_read(monkeypatch)
    d = open_file(qtbot, "flowers.csv")
    with qtbot.waitSignal(d.progress.valueChanged, timeout=10_000, check_params_cb=at_30_percent):
        qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    open_gate_on_cancel(d.load_task, gate)
    with qtbot.waitSignal(d.rejected):
        qtbot.mouseClick(d.cancel_button, Qt.MouseButton.LeftButton)
    assert background.running_count() == 0  # the read was waited for before closing
    assert gate.is_set() and not d.loading
    assert d.dataset is None and d.accepted_source is None
    assert not d.isVisible()


def test_progress_reaches_the_bar_for_a_larger_file(qtbot, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 40_000
    path = tmp_path / "larger.csv"
    values = np.column_stack([rng.normal(size=(n, 3)), rng.integers(0, 2, n)])
    np.savetxt(path, values, delimiter=",", header="a,b,c,y", comments="", fmt="%.5f")
    d = CsvImportDialog()
    qtbot.addWidget(d)
    d.set_path(path)
    assert d.preview.truncated
    assert d.file_info.text().endswith("showing the first 50 rows")
    seen: list[int] = []
    d.progress.valueChanged.connect(seen.append)
    click_ok(qtbot, d, "loaded")
    assert seen and max(seen) == 1000
    assert d.dataset.n_samples == n


def test_files_over_the_size_limit_are_refused_up_front(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(csv_format, "MAX_CSV_BYTES", 100)
    d = open_file(qtbot, "flowers.csv")
    assert d.preview is None
    text = d.preview_error_label.text()
    assert "at most 0.1 KB" in text and "flowers.csv is 0.4 KB" in text
    assert not d.ok_button.isEnabled()
    assert d.table_model.rowCount() == 0


# ---------------------------------------------------------------------- file chooser, editing


def test_browse_opens_a_csv_file_dialog(qtbot, dialog, monkeypatch) -> None:
    calls: list[tuple] = []

    def choose(parent, caption, start, file_filter):
        calls.append((caption, start, file_filter))
        return (str(FILES / "regression.csv"), file_filter)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(choose))
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason_label.text() == "Choose a CSV file."
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert "*.csv *.tsv *.txt" in calls[0][2]
    assert dialog.path_edit.text() == str(FILES / "regression.csv")
    assert dialog.target() == "price" and dialog.task() is Task.REGRESSION

    def cancel(parent, caption, start, file_filter):
        calls.append((caption, start, file_filter))
        return ("", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(cancel))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert calls[-1][1] == str(FILES)  # starts in the current file's folder
    assert dialog.target() == "price"  # a cancelled choice changes nothing


def test_typed_path_is_previewed(qtbot, dialog) -> None:
    dialog.path_edit.setText(str(FILES / "nowhere.csv"))
    dialog.path_edit.editingFinished.emit()
    assert "not found" in dialog.preview_error_label.text()
    dialog.path_edit.setText(str(FLOWERS))
    dialog.path_edit.editingFinished.emit()
    assert dialog.preview is not None and dialog.ok_button.isEnabled()


def test_editing_an_existing_source_starts_from_its_choices(qtbot) -> None:
    source = CsvDataSource(
        path=str(FLOWERS),
        target="petal_width",
        features=("sepal_length", "petal_length"),
        task=Task.REGRESSION,
        missing="mean",
        delimiter=",",
        has_header=True,
    )
    d = CsvImportDialog(None, source)
    qtbot.addWidget(d)
    assert d.target() == "petal_width"
    assert d.features() == ("sepal_length", "petal_length")
    assert d.task_combo.currentData() == "regression"
    assert d.missing_mean.isChecked()
    assert d.delimiter_combo.currentData() == ","
    assert d.source() == source


def test_widgets_have_names_for_tests_and_screen_readers(qtbot) -> None:
    d = open_file(qtbot, "flowers.csv")
    for widget in (
        d.path_edit,
        d.browse_button,
        d.delimiter_combo,
        d.header_check,
        d.table,
        d.target_combo,
        d.task_combo,
        d.feature_list,
        d.missing_drop,
        d.missing_mean,
        d.progress,
        d.stop_button,
        d.ok_button,
        d.reason_label,
        d.load_error_label,
    ):
        assert widget.objectName() and widget.accessibleName(), widget


# ---------------------------------------------------------------------- window hooks


def test_import_csv_pushes_one_undoable_edit(qtbot, monkeypatch) -> None:
    document = ProjectDocument(Project(data=BuiltinDataSource("spirals")))

    def run(self: CsvImportDialog) -> int:
        self.set_path(FILES / "regression.csv")
        with qtbot.waitSignal(self.loadFinished, timeout=10_000):
            self.accept()
        return self.result()

    monkeypatch.setattr(CsvImportDialog, "exec", run)
    preview = DataPreview()
    qtbot.addWidget(preview)
    # What the data panel does: the preview follows the document.
    document.changed.connect(lambda: preview.set_source(document.project.data, document.base_dir))
    result = import_csv(None, document, preview)
    assert result is not None
    source, dataset = result
    assert preview.dataset is dataset  # shown as read by the dialog ...
    assert not preview.loading  # ... and not read again when the edit arrived
    assert document.project.data == source
    assert source.target == "price" and source.task is Task.REGRESSION
    assert dataset.n_samples == 6
    assert document.project.training.loss == "mse"  # regression switches the loss
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.project.data == BuiltinDataSource("spirals")
    assert document.project.training.loss == "cross_entropy"


def test_import_csv_cancelled_changes_nothing(qtbot, monkeypatch) -> None:
    document = ProjectDocument(Project())
    monkeypatch.setattr(CsvImportDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert import_csv(None, document) is None
    assert document.undo_stack.count() == 0


def fake_message_box(monkeypatch, answers: list[str]) -> list[str]:
    """Make QMessageBox.exec click the buttons named in ``answers`` in turn; returns the texts."""
    shown: list[str] = []

    def exec_(box: QMessageBox) -> int:
        shown.append(box.text())
        wanted = answers.pop(0)
        for button in box.buttons():
            if button.text().replace("&", "") == wanted:
                button.click()
                return 0
        raise AssertionError(f"no button {wanted!r} in {[b.text() for b in box.buttons()]}")

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


def test_locate_missing_csv_returns_the_source_with_the_new_path(qtbot, monkeypatch) -> None:
    source = CsvDataSource(
        path="/gone/away/flowers.csv", target="species", features=FLOWER_FEATURES
    )
    shown = fake_message_box(monkeypatch, ["Locate…"])
    starts: list[str] = []

    def choose(parent, caption, start, file_filter):
        starts.append(start)
        return (str(FLOWERS), file_filter)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(choose))
    located = locate_missing_csv(None, source)
    assert shown == ["The CSV file “/gone/away/flowers.csv” was not found."]
    assert starts[0].endswith("flowers.csv")
    assert located == CsvDataSource(path=str(FLOWERS), target="species", features=FLOWER_FEATURES)


def test_locate_missing_csv_cancelled(qtbot, monkeypatch) -> None:
    source = CsvDataSource(path="/gone/flowers.csv", target="species")
    fake_message_box(monkeypatch, ["Cancel"])
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a: pytest.fail("no file dialog"))
    )
    assert locate_missing_csv(None, source) is None

    fake_message_box(monkeypatch, ["Locate…"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a: ("", "")))
    assert locate_missing_csv(None, source) is None


def test_locate_missing_csv_refuses_a_file_without_the_columns(qtbot, monkeypatch) -> None:
    source = CsvDataSource(path="/gone/flowers.csv", target="species")
    shown = fake_message_box(monkeypatch, ["Locate…", "Cancel"])
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileName",
        staticmethod(lambda *a: (str(FILES / "regression.csv"), "")),
    )
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: warnings.append(text))
    )
    assert locate_missing_csv(None, source) is None
    assert len(shown) == 2  # asked again after the wrong file
    assert warnings == [
        "regression.csv has no column 'species', which the project uses; its columns are "
        "'size', 'rooms', 'price'."
    ]


def test_offer_to_locate_csv_makes_an_undoable_edit(qtbot, monkeypatch, tmp_path) -> None:
    missing = CsvDataSource(
        path=str(tmp_path / "moved.csv"), target="species", task=Task.MULTICLASS
    )
    document = ProjectDocument(Project(data=missing))
    fake_message_box(monkeypatch, ["Locate…"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a: (str(FLOWERS), "")))
    assert offer_to_locate_csv(None, document)
    assert document.project.data.path == str(FLOWERS)
    assert document.dirty
    document.undo_stack.undo()
    assert document.project.data == missing

    present = ProjectDocument(Project(data=CsvDataSource(path=str(FLOWERS), target="species")))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: pytest.fail("asked for a present file"))
    assert not offer_to_locate_csv(None, present)
    assert not offer_to_locate_csv(None, ProjectDocument(Project()))


# ---------------------------------------------------------------------- background helper


def test_background_task_reports_result_error_and_cancel(qtbot) -> None:
    task = BackgroundTask(lambda state: (state.progress(1.0), 42)[1])
    progress: list[float] = []
    task.progressed.connect(progress.append)
    with qtbot.waitSignal(task.finished), qtbot.waitSignal(task.succeeded) as ok:
        task.start()
    assert ok.args == [42] and task.result == 42 and progress == [1.0]
    assert not task.running and task.done

    def fails(state):
        raise StudioError("column 'x' is bad")

    bad = BackgroundTask(fails)
    with qtbot.waitSignal(bad.failed) as failed:
        bad.start()
    assert isinstance(failed.args[0], StudioError) and str(failed.args[0]) == "column 'x' is bad"

    gate = threading.Event()

    def waits(state):
        assert gate.wait(10)
        return "late" if not state.cancelled() else "stopped"

    slow = BackgroundTask(waits)
    slow.succeeded.connect(lambda r: pytest.fail(f"result {r!r} after cancel"))
    slow.start()
    assert slow.running
    with qtbot.waitSignal(slow.cancelled_):
        slow.cancel()
        gate.set()
    assert slow.was_cancelled and slow.result is None
    qtbot.waitUntil(lambda: background.running_count() == 0)
    with pytest.raises(RuntimeError):
        slow.start()


# ---------------------------------------------------------------------- the whole column decides


def _wine_sorted_by_class(tmp_path: Path) -> Path:
    """scikit-learn's wine table as a CSV whose rows are sorted by class (59, 71 and 48 rows)."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.sort_values("target", kind="stable")
    path = tmp_path / "wine.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_class_sorted_file_imports_with_the_task_of_its_whole_target_column(qtbot, tmp_path: Path) -> None:
    d = CsvImportDialog()
    qtbot.addWidget(d)
    d.show()
    d.set_path(_wine_sorted_by_class(tmp_path))
    assert d.target() == "target" and d.preview.truncated
    # The preview's rows hold one class only: its guess is said to be a guess.
    assert "first 50 rows" in d.task_info.text()
    click_ok(qtbot, d, "loaded")
    assert d.dataset.task is Task.MULTICLASS and d.dataset.class_names == ("0", "1", "2")
    assert d.accepted_source.task is Task.MULTICLASS


def test_a_task_override_is_kept_for_a_class_sorted_file(qtbot, tmp_path: Path) -> None:
    d = CsvImportDialog()
    qtbot.addWidget(d)
    d.show()
    d.set_path(_wine_sorted_by_class(tmp_path))
    d.set_task(Task.REGRESSION)
    click_ok(qtbot, d, "loaded")
    assert d.dataset.task is Task.REGRESSION and d.accepted_source.task is Task.REGRESSION
