"""Exporting from the window: the trained model, a Python script, the run history, the plots.

``ExportDialog`` exports a training session's model in the background
(``BackgroundTask``) and shows the export's reload check: the written file is
loaded back with its format's own runtime and its predictions are compared
with the live model's. ``ExportPlotsDialog`` saves the four live plots at
once. The File menu's actions that open them are in ``actions``.

Contract: owns the export dialogs; runs every export as a
``ui.run.background`` task, never on the GUI thread. Imports the engine's
export module (TensorFlow and the runtimes load only when a task runs) and,
inside the task, the code generator.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.naming import slugify
from ffnn_studio.core.spec import DenseLayer, Project
from ffnn_studio.engine.export import formats as export_engine
from ffnn_studio.engine.export.formats import FORMATS, MAX_CHECK_ROWS, ExportResult
from ffnn_studio.ui.live.plots import PLOT_KEYS, LivePlots
from ffnn_studio.ui.run.background import BackgroundTask, TaskState

log = logging.getLogger(__name__)

OK_STYLE = "color: #1e8449;"
ERROR_STYLE = "color: #c0392b;"
NOTE_STYLE = "color: gray;"
#: The custom-objects note: dark text on pale amber, legible on light and dark themes.
IMPORT_NOTE_STYLE = (
    "background-color: #fff4d6; color: #5c4400; border: 1px solid #e6c36a; "
    "border-radius: 3px; padding: 4px;"
)
IMPORT_NOTE = (
    "Loading this file needs `import ffnn_studio.engine.activations` (the step "
    "activation is a custom "
    "Keras object); SavedModel, TFLite and ONNX need nothing."
)
EXPORT_BUSY = "An export is running: training can start again when it is done."
_PROGRESS_STEPS = 1000
#: The plot image formats "Export Plots…" offers: (suffix, label).
PLOT_FORMATS: tuple[tuple[str, str], ...] = ((".png", "PNG images"), (".svg", "SVG images"))


def _named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def _show(label: QLabel, text: str, style: str = "") -> None:
    label.setText(text)
    label.setStyleSheet(style)
    label.setAccessibleDescription(text)
    label.setVisible(bool(text))


def _wrapping_label(name: str, accessible: str, style: str = "") -> QLabel:
    label = QLabel()
    _named(label, name, accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(style)
    # Take the row's whole width: a wrapped label's own size hint is narrow.
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.hide()
    return label


def fit_height(widget: QWidget) -> None:
    """Resize ``widget`` to its layout's height for its current width (wrapped labels included)."""
    layout = widget.layout()
    if layout is None:
        return
    layout.invalidate()
    layout.activate()
    width = widget.width()
    if layout.hasHeightForWidth():
        height = layout.totalHeightForWidth(width)
    else:
        height = layout.totalSizeHint().height()
    height = max(height, layout.totalMinimumSize().height())
    if height != widget.height():
        widget.resize(width, height)


def short_format_name(fmt: str) -> str:
    """``Keras (.keras)`` → ``Keras``: the label without its parenthesised hint."""
    return FORMATS[fmt].label.split(" (")[0]


def path_for_format(path: str, fmt: str) -> str:
    """``path`` with the extension of format ``fmt`` in place of a known export extension."""
    if not path.strip():
        return path
    p = Path(path)
    known = {ext for f in FORMATS.values() for ext in f.extensions}
    if p.suffix.lower() in known:
        p = p.with_suffix("")
    return str(p) + FORMATS[fmt].extension


def uses_step_units(project: Project) -> bool:
    """True if a hidden layer of ``project`` uses the studio's custom step activation."""
    return any(
        isinstance(layer, DenseLayer) and layer.activation == "step"
        for layer in project.network.layers
    )


def check_rows(session: Any) -> int:
    """How many rows the export's check runs on (validation rows first, then training)."""
    data = getattr(session, "data", None)
    if data is None:
        return 0
    return min(MAX_CHECK_ROWS, len(data.x_val) + len(data.x_train))


def format_diff(diff: float | None) -> str:
    return "—" if diff is None else f"{diff:.2g}"


@dataclass(frozen=True)
class ExportOutcome:
    """What the background export hands back: the result and its check, as the sidecar says."""

    result: ExportResult
    check: dict[str, Any] = field(default_factory=dict)


class _LatestMessage:
    """The export's latest progress message, written by the worker, read by the GUI."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._text = ""

    def set(self, text: str) -> None:
        with self._lock:
            self._text = text

    def get(self) -> str:
        with self._lock:
            return self._text


# ---------------------------------------------------------------------- the model


class ExportDialog(QDialog):
    """Export a session's trained model; shows the reload check's result.

    The export runs on a worker thread. While it runs the dialog cannot be
    closed and ``busy`` is True (the window keeps training off meanwhile:
    the weights must not change under the export).
    """

    #: True when an export starts, False when it ends.
    busyChanged = Signal(bool)
    #: An export ended with a result (``ExportOutcome``; its check may have failed).
    exported = Signal(object)
    #: An export raised (the message shown).
    exportFailed = Signal(str)

    def __init__(
        self,
        session: Any,
        *,
        default_dir: Path | None = None,
        parent: QWidget | None = None,
        loaded_from: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        #: The file the session's weights were opened from, when it has not trained here.
        self.loaded_from = loaded_from
        self.setAccessibleName("Export model")
        self.setWindowTitle("Export Model")
        self.session = session
        self.project: Project = session.project
        self.uses_step = uses_step_units(self.project)
        self.default_dir = default_dir if default_dir is not None else Path.cwd()
        self.task: BackgroundTask | None = None
        self.outcome: ExportOutcome | None = None
        self.error: str | None = None
        self._message = _LatestMessage()
        self._confirmed_path: str | None = None
        self._format_from_path = False
        self._build()
        self.set_format("keras")
        self.path_edit.setText(
            str(self.default_dir / (slugify(self.project.name) + FORMATS["keras"].extension))
        )
        self.resize(600, self.sizeHint().height())
        self._fit_height()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        epochs = int(getattr(self.session, "epochs_completed", 0))
        rows = check_rows(self.session)
        if self.loaded_from is not None:
            done = f"opened from {html.escape(self.loaded_from)}, not trained here"
        else:
            done = f"trained {epochs} epoch{'' if epochs == 1 else 's'}"
        self.summary_label = QLabel(f"<b>{self.project.name or 'Untitled'}</b> · {done}")
        _named(self.summary_label, "exportSummaryLabel", "Model to export")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)

        self.format_combo = QComboBox()
        _named(self.format_combo, "exportFormatCombo", "Export format")
        for name, fmt in FORMATS.items():
            self.format_combo.addItem(fmt.label, name)
            self.format_combo.setItemData(
                self.format_combo.count() - 1, fmt.description, Qt.ItemDataRole.ToolTipRole
            )
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.description_label = _wrapping_label(
            "exportFormatDescription", "Format description", NOTE_STYLE
        )

        self.path_edit = QLineEdit()
        _named(self.path_edit, "exportPathEdit", "Export to")
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.browse_button = QPushButton("&Browse…")
        _named(self.browse_button, "exportBrowseButton", "Browse for the export file")
        self.browse_button.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        self.import_note = _wrapping_label(
            "exportImportNote", "Custom objects note", IMPORT_NOTE_STYLE
        )
        self.import_note.setText("Note: " + IMPORT_NOTE)
        self.check_note = QLabel(
            f"After writing, the file is loaded back with its format's own runtime and "
            f"its predictions on {rows} rows of the data are compared with the model's."
        )
        _named(self.check_note, "exportCheckNote", "About the check")
        self.check_note.setWordWrap(True)
        self.check_note.setStyleSheet(NOTE_STYLE)

        # A grid, not a QFormLayout: the form layout sizes word-wrapped rows for a
        # narrower width than it then gives them, leaving gaps around the text.
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        format_label = QLabel("&Format:")
        format_label.setBuddy(self.format_combo)
        save_label = QLabel("&Save to:")
        save_label.setBuddy(self.path_edit)
        combo_row = QHBoxLayout()
        combo_row.setContentsMargins(0, 0, 0, 0)
        combo_row.addWidget(self.format_combo)
        combo_row.addStretch(1)
        form.addWidget(format_label, 0, 0)
        form.addLayout(combo_row, 0, 1)
        form.addWidget(self.description_label, 1, 1)
        form.addWidget(save_label, 2, 0)
        form.addLayout(path_row, 2, 1)
        form.addWidget(self.import_note, 3, 1)

        self.progress_bar = QProgressBar()
        _named(self.progress_bar, "exportProgress", "Export progress")
        self.progress_bar.setRange(0, _PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.status_label = _wrapping_label("exportStatusLabel", "Export status")

        self.result_frame = QFrame()
        _named(self.result_frame, "exportResultFrame", "Export result")
        self.result_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.result_label = _wrapping_label("exportResultLabel", "Reload check result")
        font = QFont(self.result_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.result_label.setFont(font)
        self.detail_label = _wrapping_label("exportDetailLabel", "Export details")
        result_layout = QVBoxLayout(self.result_frame)
        result_layout.addWidget(self.result_label)
        result_layout.addWidget(self.detail_label)
        self.result_frame.hide()

        self.buttons = QDialogButtonBox()
        _named(self.buttons, "exportButtons", "Export dialog buttons")
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        _named(self.export_button, "exportButton", "Export")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        _named(self.close_button, "exportCloseButton", "Close")
        self.export_button.setDefault(True)
        # Accepting would close the dialog; Export starts the work instead.
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addLayout(form)
        layout.addWidget(self.check_note)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_frame)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------------ state

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def selected_format(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, fmt: str) -> None:
        index = self.format_combo.findData(fmt)
        if index < 0:
            raise ValueError(f"unknown export format {fmt!r}")
        if index == self.format_combo.currentIndex():
            self._on_format_changed(index)
        else:
            self.format_combo.setCurrentIndex(index)

    def output_path(self) -> str:
        return self.path_edit.text().strip()

    def set_output_path(self, path: str | os.PathLike[str]) -> None:
        self.path_edit.setText(os.fspath(path))
        self._confirmed_path = None

    def import_note_shown(self) -> bool:
        return not self.import_note.isHidden()

    @Slot(int)
    def _on_format_changed(self, _index: int) -> None:
        fmt = self.selected_format()
        info = FORMATS[fmt]
        _show(self.description_label, info.description, NOTE_STYLE)
        self.import_note.setVisible(self.uses_step and fmt in ("keras", "h5"))
        self.import_note.setAccessibleDescription(
            IMPORT_NOTE if self.import_note_shown() else ""
        )
        current = self.output_path()
        if current and not self._format_from_path:
            self.path_edit.setText(path_for_format(current, fmt))
            self._confirmed_path = None
        # A result or error of the previous choice would read as this format's.
        self._clear_result()
        self.browse_button.setToolTip(
            "Choose a folder name for the SavedModel" if info.is_folder else "Choose the file"
        )
        self._fit_height()

    @Slot(str)
    def _on_path_edited(self, text: str) -> None:
        self._confirmed_path = None
        # An extension that names a format chooses it, as on the command line.
        suffix = Path(text.strip()).suffix.lower()
        fmt = next((n for n, f in FORMATS.items() if suffix and suffix in f.extensions), None)
        if fmt is not None and fmt != self.selected_format():
            self._format_from_path = True
            try:
                self.set_format(fmt)
            finally:
                self._format_from_path = False

    def _clear_result(self) -> None:
        if self.busy:
            return
        self.error = None
        for label in (self.result_label, self.detail_label):
            _show(label, "")
        self.result_frame.hide()

    # ------------------------------------------------------------------ choosing the path

    @Slot()
    def browse(self) -> None:
        fmt = self.selected_format()
        info = FORMATS[fmt]
        start = self.output_path() or str(self.default_dir / slugify(self.project.name))
        if info.is_folder:
            title = "Export SavedModel: Choose a Folder Name"
            filters = "SavedModel folder (*)"
        else:
            title = f"Export Model as {short_format_name(fmt)}"
            patterns = " ".join(f"*{ext}" for ext in info.extensions)
            filters = f"{short_format_name(fmt)} files ({patterns})"
        chosen, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        if not chosen:
            return
        confirmed = chosen
        if not info.is_folder and Path(chosen).suffix.lower() not in info.extensions:
            chosen += info.extension
        self.path_edit.setText(chosen)
        # The file dialog asked about replacing the name it returned.
        self._confirmed_path = chosen if chosen == confirmed else None

    def _target(self) -> Path | None:
        """The export target from the path field, or None (with the reason shown)."""
        text = self.output_path()
        if not text:
            self._show_error("Choose where to save the model.")
            return None
        fmt = self.selected_format()
        info = FORMATS[fmt]
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.default_dir / path
        if not info.is_folder and not path.suffix and not path.is_dir():
            path = path.with_name(path.name + info.extension)
        try:
            export_engine.format_for_path(path, fmt)
        except StudioError as exc:
            self._show_error(str(exc))
            return None
        self.path_edit.setText(str(path))
        return path

    def _may_replace(self, path: Path) -> bool:
        if not path.exists() or self._confirmed_path == str(path):
            return True
        kind = "folder" if path.is_dir() else "file"
        answer = QMessageBox.question(
            self,
            "Replace?",
            f"The {kind} {path.name} already exists in {path.parent}. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ the export

    @Slot()
    def start_export(self) -> bool:
        """Start exporting to the chosen path and format; False if it cannot start."""
        if self.busy:
            return False
        if getattr(self.session, "running", False):
            self._show_error("Training is running; stop it before exporting.")
            return False
        target = self._target()
        if target is None or not self._may_replace(target):
            return False
        fmt = self.selected_format()
        session, message = self.session, self._message
        message.set(f"Preparing the {short_format_name(fmt)} export…")

        def work(state: TaskState) -> ExportOutcome:
            def progress(fraction: float, text: str) -> None:
                message.set(text)
                state.progress(fraction)

            result = export_engine.export_session(session, target, fmt, progress=progress)
            check: dict[str, Any] = {}
            if result.ok:
                try:
                    check = dict(export_engine.read_metadata(result.path).get("check") or {})
                except StudioError:
                    log.warning("could not read the metadata of %s", result.path, exc_info=True)
            return ExportOutcome(result, check)

        self.outcome, self.error = None, None
        self.export_button.setDefault(True)
        self.result_frame.hide()
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        _show(self.status_label, message.get())
        self._fit_height()
        task = BackgroundTask(work, self, name="ffnnExportTask")
        task.progressed.connect(self._on_progress)
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        task.finished.connect(self._on_task_finished)
        self.task = task
        task.start()
        self._set_inputs_enabled(False)
        self.busyChanged.emit(True)
        return True

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.format_combo,
            self.path_edit,
            self.browse_button,
            self.export_button,
            self.close_button,
        ):
            widget.setEnabled(enabled)

    @Slot(float)
    def _on_progress(self, fraction: float) -> None:
        self.progress_bar.setValue(round(fraction * _PROGRESS_STEPS))
        _show(self.status_label, self._message.get())

    @Slot(object)
    def _on_succeeded(self, outcome: ExportOutcome) -> None:
        self.outcome = outcome
        result = outcome.result
        self.progress_bar.setValue(_PROGRESS_STEPS)
        self.progress_bar.hide()
        _show(self.status_label, "")
        if result.ok:
            runtime = outcome.check.get("runtime") or f"the {short_format_name(result.format)} runtime"
            rows = outcome.check.get("rows") or check_rows(self.session)
            _show(
                self.result_label,
                f"Reloaded with {runtime}: max |difference| {format_diff(result.max_abs_diff)} "
                f"over {rows} rows ✓",
                OK_STYLE,
            )
            # Names and folder on lines of their own: a long path cannot wrap.
            sidecars = ", ".join(p.name for p in result.extra_files)
            lines = [
                f"Wrote {result.path.name} in {result.seconds:.1f} s"
                + (f", with its metadata in {sidecars}." if sidecars else "."),
                f"Folder: {result.path.parent}",
            ]
            if result.needs_import:
                lines.append(
                    "To load it: import ffnn_studio.engine.activations, "
                    "then keras.models.load_model."
                )
            _show(self.detail_label, "\n".join(lines))
            full = [f"Model: {result.path}"] + [f"Metadata: {p}" for p in result.extra_files]
            self.detail_label.setToolTip("\n".join(full))
            self.detail_label.setAccessibleDescription("\n".join([*lines, *full]))
            # Done: Enter now closes the dialog rather than exporting again.
            self.close_button.setDefault(True)
        else:
            _show(self.result_label, "✗ The reload check failed: nothing was written.", ERROR_STYLE)
            _show(self.detail_label, result.message, ERROR_STYLE)
            self.detail_label.setToolTip("")
        self.result_frame.show()
        self._fit_height()
        self.exported.emit(outcome)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, StudioError):
            text = str(exc)
        else:
            log.error("export failed", exc_info=(type(exc), exc, exc.__traceback__))
            text = f"{type(exc).__name__}: {exc}"
        self.error = text
        self.progress_bar.hide()
        _show(self.status_label, "")
        _show(self.result_label, "✗ Export failed", ERROR_STYLE)
        _show(self.detail_label, text, ERROR_STYLE)
        self.detail_label.setToolTip("")
        self.result_frame.show()
        self._fit_height()
        self.exportFailed.emit(text)

    @Slot()
    def _on_task_finished(self) -> None:
        self._set_inputs_enabled(True)
        self.busyChanged.emit(False)

    def _show_error(self, text: str) -> None:
        self.error = text
        self.progress_bar.hide()
        _show(self.status_label, "")
        _show(self.result_label, "✗ Cannot export", ERROR_STYLE)
        _show(self.detail_label, text, ERROR_STYLE)
        self.detail_label.setToolTip("")
        self.result_frame.show()
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow or shrink to the content's height at the current width.

        Word-wrapped labels appear and change here; a dialog sized once would
        clip them.
        """
        fit_height(self)

    # ------------------------------------------------------------------ closing

    def reject(self) -> None:
        if self.busy:
            # The export cannot be interrupted half-way; it is over in seconds.
            _show(self.status_label, "The export is still running; please wait.")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)


# ---------------------------------------------------------------------- the plots


class ExportPlotsDialog(QDialog):
    """Save the four live plots at once, as PNG or SVG images, into one folder."""

    def __init__(
        self,
        plots: LivePlots,
        *,
        folder: Path,
        prefix: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportPlotsDialog")
        self.setAccessibleName("Export plots")
        self.setWindowTitle("Export Plots")
        self.plots = plots
        self.written: list[Path] = []

        self.folder_edit = QLineEdit(str(folder))
        _named(self.folder_edit, "plotsFolderEdit", "Folder for the plot images")
        self.browse_button = QPushButton("&Browse…")
        _named(self.browse_button, "plotsBrowseButton", "Browse for the folder")
        self.browse_button.clicked.connect(self.browse)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)

        self.prefix_edit = QLineEdit(prefix)
        _named(self.prefix_edit, "plotsPrefixEdit", "File name prefix")
        self.prefix_edit.setPlaceholderText("none")
        self.format_combo = QComboBox()
        _named(self.format_combo, "plotsFormatCombo", "Image format")
        for suffix, label in PLOT_FORMATS:
            self.format_combo.addItem(f"{label} ({suffix})", suffix)

        self.files_label = _wrapping_label("plotsFilesLabel", "Files to be written", NOTE_STYLE)
        self.error_label = _wrapping_label("plotsErrorLabel", "Export problem", ERROR_STYLE)
        for signal in (
            self.folder_edit.textChanged,
            self.prefix_edit.textChanged,
            self.format_combo.currentIndexChanged,
        ):
            signal.connect(self._update_files)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.folder_edit)
        form.addRow(folder_label, folder_row)
        form.addRow("File name &prefix:", self.prefix_edit)
        form.addRow("F&ormat:", self.format_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        _named(self.buttons, "plotsButtons", "Export plots buttons")
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        _named(self.save_button, "plotsSaveButton", "Save the plots")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.files_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self._update_files()

    def suffix(self) -> str:
        return str(self.format_combo.currentData())

    def set_suffix(self, suffix: str) -> None:
        index = self.format_combo.findData(suffix)
        if index < 0:
            raise ValueError(f"plots export as {', '.join(s for s, _ in PLOT_FORMATS)}, not {suffix!r}")
        self.format_combo.setCurrentIndex(index)

    def folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def targets(self) -> dict[str, Path]:
        """Plot key → the file it is written to."""
        prefix = self.prefix_edit.text().strip()
        stem = f"{prefix}-" if prefix else ""
        return {key: self.folder() / f"{stem}{key}{self.suffix()}" for key in PLOT_KEYS}

    @Slot()
    def _update_files(self) -> None:
        targets = self.targets()
        names = ", ".join(p.name for p in targets.values())
        existing = sum(p.exists() for p in targets.values())
        text = f"Writes {names}."
        if existing:
            text += f" {existing} of them exist{'s' if existing == 1 else ''} already and will be replaced."
        _show(self.files_label, text, NOTE_STYLE)
        _show(self.error_label, "", ERROR_STYLE)
        fit_height(self)

    @Slot()
    def browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export Plots Into", str(self.folder()))
        if chosen:
            self.folder_edit.setText(chosen)

    def export(self) -> list[Path]:
        """Write the four plots; ``StudioError`` names what could not be written."""
        folder = self.folder()
        if not self.folder_edit.text().strip():
            raise StudioError("choose a folder for the plot images")
        if not folder.is_dir():
            raise StudioError(f"folder {folder} does not exist")
        written: list[Path] = []
        for key, path in self.targets().items():
            try:
                written.append(self.plots.export(key, path))
            except Exception as exc:  # pyqtgraph's exporters raise whatever the OS or Qt did
                raise StudioError(f"could not write {path}: {exc}") from exc
        return written

    def accept(self) -> None:
        try:
            self.written = self.export()
        except StudioError as exc:
            _show(self.error_label, str(exc), ERROR_STYLE)
            fit_height(self)
            return
        super().accept()
