"""The CSV import dialog: preview, choices and the full read of a CSV file.

The dialog previews the start of the file (``preview_csv``: milliseconds even
for a 200 MB file), lets the person choose delimiter, header, target, feature
columns, task and missing-value policy, and on OK reads the whole file on a
worker thread (``read_csv_dataset``) with a progress bar and a Stop button.
Only a file that really imports closes the dialog: a ``StudioError`` from the
full read is shown inline and the dialog stays open with the choices intact.

Contract: owns the CSV import dialog; reads files only through
``data.csv_import`` (imported on first use), and the full read runs as a
background task. No engine.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import CsvDataSource, Task
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.ui.run.background import BackgroundTask, TaskState

if TYPE_CHECKING:
    from collections.abc import Callable

    from ffnn_studio.data.csv_import import CsvPreview

log = logging.getLogger(__name__)

FILE_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"
#: Rows the preview table shows (and the kinds and task are judged on).
PREVIEW_ROWS = 50
#: The delimiter combo's choices: shown name and the character (None: detect).
DELIMITERS: tuple[tuple[str, str | None], ...] = (
    ("Auto-detect", None),
    ("Comma ( , )", ","),
    ("Semicolon ( ; )", ";"),
    ("Tab", "\t"),
    ("Pipe ( | )", "|"),
)
_DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
TASK_LABELS: dict[Task, str] = {
    Task.BINARY: "Binary classification",
    Task.MULTICLASS: "Multi-class classification",
    Task.REGRESSION: "Regression",
}
ERROR_STYLE = "color: #c0392b;"
_PROGRESS_STEPS = 1000


def preview_csv(
    path: str | Path,
    delimiter: str | None = None,
    max_rows: int = 50,
    has_header: bool | None = None,
) -> CsvPreview:
    """``data.csv_import.preview_csv``, imported on first use: pandas takes ~0.6 s to import,
    which the window's start-up should not pay for a dialog it may never open."""
    from ffnn_studio.data.csv_import import preview_csv as preview

    return preview(path, delimiter, max_rows, has_header)


def read_csv_dataset(
    source: CsvDataSource,
    base_dir: Path | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Dataset:
    """``data.csv_import.read_csv_dataset``, imported on first use (see ``preview_csv``)."""
    from ffnn_studio.data.csv_import import read_csv_dataset as read

    return read(source, base_dir, progress, cancelled)


def _named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def _error_label(name: str, accessible: str) -> QLabel:
    label = QLabel()
    _named(label, name, accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setAccessibleDescription(text)
    label.setVisible(bool(text))


def _cell_text(value: Any) -> str | None:
    """A preview cell as shown; None for a missing value."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return f"{value:.10g}"
    try:
        if value != value:  # pandas NA-likes
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


class CsvPreviewModel(QAbstractTableModel):
    """The preview's first rows; headers show each column's kind and missing count.

    The target column's header is bold; columns left out of the features are greyed.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._preview: CsvPreview | None = None
        self._target: str | None = None
        self._features: frozenset[str] = frozenset()
        self._values: list[list[str | None]] = []

    @property
    def preview(self) -> CsvPreview | None:
        return self._preview

    def set_preview(self, preview: CsvPreview | None) -> None:
        self.beginResetModel()
        self._preview = preview
        if preview is None:
            self._values = []
        else:
            frame = preview.rows
            self._values = [
                [_cell_text(v) for v in row] for row in frame.itertuples(index=False, name=None)
            ]
        self.endResetModel()

    def set_roles(self, target: str | None, features: frozenset[str]) -> None:
        """Mark which column is the target and which are features."""
        self._target, self._features = target, features
        if self._preview is not None and self._preview.columns:
            n = len(self._preview.columns)
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, n - 1)
            if self._values:
                self.dataChanged.emit(
                    self.index(0, 0),
                    self.index(len(self._values) - 1, n - 1),
                    [Qt.ItemDataRole.ForegroundRole],
                )

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._values)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._preview is None:
            return 0
        return len(self._preview.columns)

    def _used(self, column: int) -> bool:
        assert self._preview is not None
        name = self._preview.columns[column]
        return name == self._target or name in self._features

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or self._preview is None:
            return None
        text = self._values[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return "(missing)" if text is None else text
        if role == Qt.ItemDataRole.ForegroundRole:
            if text is None or not self._used(index.column()):
                return QColor("#9a9a9a")
            return None
        if role == Qt.ItemDataRole.FontRole and text is None:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            kind = self._preview.kinds[index.column()]
            horizontal = (
                Qt.AlignmentFlag.AlignRight if kind == "numeric" else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        if self._preview is None or not 0 <= section < len(self._preview.columns):
            return None
        name = self._preview.columns[section]
        kind = self._preview.kinds[section]
        missing = self._preview.missing[section]
        if role == Qt.ItemDataRole.DisplayRole:
            second = kind + (f" · {missing} missing" if missing else "")
            if name == self._target:
                second = "target · " + second
            return f"{name}\n{second}"
        if role == Qt.ItemDataRole.ToolTipRole:
            role_text = (
                "the target"
                if name == self._target
                else "a feature"
                if name in self._features
                else "not used"
            )
            how = "numbers" if kind == "numeric" else "text (one-hot encoded as a feature)"
            return (
                f"Column '{name}': {how}; {missing} missing value"
                f"{'' if missing == 1 else 's'} in the preview rows; {role_text}."
            )
        if role == Qt.ItemDataRole.FontRole and name == self._target:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and not (
            name == self._target or name in self._features
        ):
            return QColor("#9a9a9a")
        return None


class CsvImportDialog(QDialog):
    """Choose a CSV file and its columns; OK loads the whole file in the background.

    After ``accepted``, ``accepted_source`` is the ``CsvDataSource`` (absolute
    path) and ``dataset`` the data set read from it, so the caller need not read
    the file again.
    """

    #: The background read ended: "loaded", "failed" or "cancelled".
    loadFinished = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        source: CsvDataSource | None = None,
        base_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("csvImportDialog")
        self.setAccessibleName("Import CSV file")
        self.setWindowTitle("Import CSV File")
        self.setModal(True)
        self.base_dir = base_dir
        self.preview: CsvPreview | None = None
        self.preview_error: str | None = None
        self.dataset: Dataset | None = None
        self.accepted_source: CsvDataSource | None = None
        self.load_task: BackgroundTask | None = None
        self._path: Path | None = None
        self._header_override: bool | None = None
        self._task_override: Task | None = None
        self._initial = source
        self._unchecked: set[str] = set()

        self._build()
        self._connect()
        self.resize(900, 700)
        if source is not None and source.path:
            self._apply_initial(source)
        self._update_state()

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        layout = QVBoxLayout(self)

        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        _named(self.path_edit, "csvPathEdit", "CSV file")
        self.path_edit.setPlaceholderText("Choose a CSV file…")
        self.browse_button = QPushButton("&Browse…")
        _named(self.browse_button, "csvBrowseButton", "Choose a CSV file")
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path_edit)
        file_row.addWidget(file_label)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout.addLayout(file_row)

        format_row = QHBoxLayout()
        self.delimiter_combo = QComboBox()
        _named(self.delimiter_combo, "csvDelimiterCombo", "Delimiter")
        for text, char in DELIMITERS:
            self.delimiter_combo.addItem(text, char)
        delimiter_label = QLabel("&Delimiter:")
        delimiter_label.setBuddy(self.delimiter_combo)
        self.header_check = QCheckBox("First row holds the column &names")
        _named(self.header_check, "csvHeaderCheck", "First row holds the column names")
        self.file_info = QLabel()
        _named(self.file_info, "csvFileInfo", "File information")
        format_row.addWidget(delimiter_label)
        format_row.addWidget(self.delimiter_combo)
        format_row.addSpacing(12)
        format_row.addWidget(self.header_check)
        format_row.addStretch(1)
        format_row.addWidget(self.file_info)
        layout.addLayout(format_row)

        self.preview_error_label = _error_label("csvPreviewError", "File problem")
        layout.addWidget(self.preview_error_label)

        self.table_model = CsvPreviewModel(self)
        self.table = QTableView()
        _named(self.table, "csvPreviewTable", "Preview of the first rows")
        self.table.setModel(self.table_model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.table.verticalHeader().setDefaultSectionSize(22)
        layout.addWidget(self.table, 1)

        self.problems_label = _error_label("csvProblems", "Problems in the preview rows")
        layout.addWidget(self.problems_label)

        choices = QHBoxLayout()
        left = QVBoxLayout()
        target_box = QGroupBox("Target")
        _named(target_box, "csvTargetGroup", "Target")
        target_form = QFormLayout(target_box)
        self.target_combo = QComboBox()
        _named(self.target_combo, "csvTargetCombo", "Target column")
        target_form.addRow("&Column:", self.target_combo)
        self.task_combo = QComboBox()
        _named(self.task_combo, "csvTaskCombo", "Task")
        for task, text in TASK_LABELS.items():
            self.task_combo.addItem(text, task.value)
        target_form.addRow("&Task:", self.task_combo)
        self.task_info = QLabel()
        _named(self.task_info, "csvTaskInfo", "Inferred task")
        self.task_info.setWordWrap(True)
        target_form.addRow(self.task_info)
        left.addWidget(target_box)

        missing_box = QGroupBox("Missing values")
        _named(missing_box, "csvMissingGroup", "Missing values")
        missing_layout = QVBoxLayout(missing_box)
        self.missing_info = QLabel()
        _named(self.missing_info, "csvMissingInfo", "Missing values found")
        self.missing_info.setWordWrap(True)
        self.missing_drop = QRadioButton("&Drop rows with a missing value")
        _named(self.missing_drop, "csvMissingDrop", "Drop rows with a missing value")
        self.missing_mean = QRadioButton(
            "&Impute: the mean for numbers, a '(missing)' category for text"
        )
        _named(self.missing_mean, "csvMissingMean", "Impute missing values with the mean")
        self.missing_group = QButtonGroup(self)
        self.missing_group.addButton(self.missing_drop)
        self.missing_group.addButton(self.missing_mean)
        self.missing_drop.setChecked(True)
        missing_layout.addWidget(self.missing_info)
        missing_layout.addWidget(self.missing_drop)
        missing_layout.addWidget(self.missing_mean)
        left.addWidget(missing_box)
        left.addStretch(1)
        choices.addLayout(left, 3)

        features_box = QGroupBox("Features")
        _named(features_box, "csvFeaturesGroup", "Feature columns")
        features_layout = QGridLayout(features_box)
        self.feature_list = QListWidget()
        _named(self.feature_list, "csvFeatureList", "Feature columns")
        self.feature_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.all_button = QPushButton("&All")
        _named(self.all_button, "csvAllFeatures", "Use every column as a feature")
        self.none_button = QPushButton("N&one")
        _named(self.none_button, "csvNoFeatures", "Use no column as a feature")
        features_layout.addWidget(self.feature_list, 0, 0, 1, 3)
        features_layout.addWidget(self.all_button, 1, 0)
        features_layout.addWidget(self.none_button, 1, 1)
        features_layout.setColumnStretch(2, 1)
        choices.addWidget(features_box, 2)
        layout.addLayout(choices)

        load_row = QHBoxLayout()
        self.progress = QProgressBar()
        _named(self.progress, "csvLoadProgress", "Loading progress")
        self.progress.setRange(0, _PROGRESS_STEPS)
        self.progress.setFormat("Reading the file… %p%")
        self.stop_button = QPushButton("&Stop Loading")
        _named(self.stop_button, "csvStopLoadButton", "Stop loading the file")
        load_row.addWidget(self.progress, 1)
        load_row.addWidget(self.stop_button)
        self.progress.hide()
        self.stop_button.hide()
        layout.addLayout(load_row)

        self.load_error_label = _error_label("csvLoadError", "Import error")
        layout.addWidget(self.load_error_label)
        self.load_info = QLabel()
        _named(self.load_info, "csvLoadInfo", "Import status")
        self.load_info.hide()
        layout.addWidget(self.load_info)

        bottom = QHBoxLayout()
        self.reason_label = QLabel()
        _named(self.reason_label, "csvOkReason", "Why OK is disabled")
        self.reason_label.setWordWrap(True)
        pal = self.reason_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.PlaceholderText))
        self.reason_label.setPalette(pal)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _named(self.buttons, "csvButtonBox", "Dialog buttons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Import")
        _named(self.ok_button, "csvOkButton", "Import")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        _named(self.cancel_button, "csvCancelButton", "Cancel")
        bottom.addWidget(self.reason_label, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

        self._choice_widgets: tuple[QWidget, ...] = (
            self.path_edit,
            self.browse_button,
            self.delimiter_combo,
            self.header_check,
            target_box,
            missing_box,
            features_box,
        )

    def _connect(self) -> None:
        self.browse_button.clicked.connect(self.browse)
        self.path_edit.editingFinished.connect(self._on_path_edited)
        self.delimiter_combo.activated.connect(self._on_format_changed)
        self.header_check.clicked.connect(self._on_header_clicked)
        self.target_combo.activated.connect(self._on_target_changed)
        self.task_combo.activated.connect(self._on_task_chosen)
        self.feature_list.itemChanged.connect(self._on_feature_toggled)
        self.all_button.clicked.connect(lambda: self.set_all_features(True))
        self.none_button.clicked.connect(lambda: self.set_all_features(False))
        self.missing_group.buttonToggled.connect(lambda *_: self._update_state())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.stop_button.clicked.connect(self.stop_loading)

    def _apply_initial(self, source: CsvDataSource) -> None:
        """Start from an existing source's choices (editing the project's CSV import)."""
        path = Path(source.path)
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        index = self.delimiter_combo.findData(source.delimiter)
        self.delimiter_combo.setCurrentIndex(max(index, 0))
        self._header_override = source.has_header
        self._task_override = Task(source.task) if source.task is not None else None
        (self.missing_mean if source.missing == "mean" else self.missing_drop).setChecked(True)
        self.set_path(path)

    # ------------------------------------------------------------------ file and format

    @Slot()
    def browse(self) -> None:
        """Ask for a file with the platform's file dialog."""
        if self._path is not None:
            start = str(self._path.parent)
        elif self.base_dir is not None:
            start = str(self.base_dir)
        else:
            start = str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a CSV File", start, FILE_FILTER)
        if chosen:
            self.set_path(chosen)

    @Slot()
    def _on_path_edited(self) -> None:
        text = self.path_edit.text().strip()
        current = str(self._path) if self._path is not None else ""
        if text and text != current:
            self.set_path(text)

    def set_path(self, path: str | Path) -> None:
        """Preview ``path``; a new file starts from the detected format and default columns."""
        p = Path(path).expanduser()
        if not p.is_absolute():
            p = (self.base_dir / p) if self.base_dir is not None else p.resolve()
        if self._path is not None and p != self._path:
            self.delimiter_combo.setCurrentIndex(0)
            self._header_override = None
            self._task_override = None
            self._initial = None
        self._path = p
        self.path_edit.setText(str(p))
        self._clear_load_messages()
        self._reload_preview()

    def _delimiter(self) -> str | None:
        return self.delimiter_combo.currentData()

    @Slot()
    def _on_format_changed(self) -> None:
        self._clear_load_messages()
        self._reload_preview()

    @Slot(bool)
    def _on_header_clicked(self, checked: bool) -> None:
        self._header_override = checked
        self._clear_load_messages()
        self._reload_preview()

    def _reload_preview(self) -> None:
        old_columns = self.preview.columns if self.preview is not None else None
        self.preview, self.preview_error = None, None
        if self._path is not None:
            try:
                self.preview = preview_csv(
                    self._path,
                    delimiter=self._delimiter(),
                    max_rows=PREVIEW_ROWS,
                    has_header=self._header_override,
                )
            except StudioError as exc:
                self.preview_error = str(exc)
            except OSError as exc:
                self.preview_error = f"cannot read {self._path}: {exc.strerror or exc}"
        self.table_model.set_preview(self.preview)
        if self.preview is not None and self.preview.columns != old_columns:
            self._fill_columns()
        elif self.preview is None:
            self.target_combo.clear()
            self.feature_list.clear()
        self._show_format()
        self._update_state()

    def _show_format(self) -> None:
        preview = self.preview
        _show(self.preview_error_label, f"⚠ {self.preview_error}" if self.preview_error else "")
        auto = self._delimiter() is None
        if preview is None:
            self.delimiter_combo.setItemText(0, "Auto-detect")
            self.file_info.setText("")
            return
        if auto:
            word = _DELIMITER_WORDS.get(preview.delimiter, repr(preview.delimiter))
            self.delimiter_combo.setItemText(0, f"Auto-detect ({word})")
        self.header_check.setChecked(preview.has_header)
        size = preview.size_bytes
        if size < 1024:
            size_text = f"{size} bytes"
        elif size < 1024 * 1024:
            size_text = f"{size / 1024:.1f} KB"
        else:
            size_text = f"{size / 1024**2:.1f} MB"
        rows = len(preview.rows)
        shown = f"the first {rows} rows" if preview.truncated else f"all {rows} rows"
        extra = " · decimal commas" if preview.decimal == "," else ""
        self.file_info.setText(
            f"{size_text} · {len(preview.columns)} columns · showing {shown}{extra}"
        )
        problems = "\n".join(f"⚠ {p}" for p in preview.problems)
        _show(self.problems_label, problems)

    # ------------------------------------------------------------------ columns

    def _fill_columns(self) -> None:
        """Target combo and feature list for a new set of columns."""
        preview = self.preview
        assert preview is not None
        initial = self._initial
        target = preview.suggested_target
        if initial is not None and initial.target in preview.columns:
            target = initial.target
        if initial is not None and initial.features is not None:
            chosen = set(initial.features)
            self._unchecked = {c for c in preview.columns if c not in chosen}
        else:
            self._unchecked = set()
        self._initial = None
        self.target_combo.clear()
        for name, kind in zip(preview.columns, preview.kinds, strict=True):
            self.target_combo.addItem(name, name)
            self.target_combo.setItemData(
                self.target_combo.count() - 1, f"{name} ({kind})", Qt.ItemDataRole.ToolTipRole
            )
        self.target_combo.setCurrentIndex(preview.columns.index(target))
        self._fill_features()

    def _fill_features(self) -> None:
        preview = self.preview
        if preview is None:
            return
        target = self.target()
        self.feature_list.blockSignals(True)
        self.feature_list.clear()
        for name, kind in zip(preview.columns, preview.kinds, strict=True):
            label = name if kind == "numeric" else f"{name}  (text: one-hot)"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, name)
            if name == target:
                item.setText(f"{name}  (the target)")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setCheckState(Qt.CheckState.Unchecked)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                unchecked = name in self._unchecked
                item.setCheckState(Qt.CheckState.Unchecked if unchecked else Qt.CheckState.Checked)
            self.feature_list.addItem(item)
        self.feature_list.blockSignals(False)

    @Slot()
    def _on_target_changed(self) -> None:
        # The old target becomes a feature again; the new one stops being one, and
        # the task is inferred afresh from it.
        self._unchecked.discard(self.target() or "")
        self._task_override = None
        self._fill_features()
        self._clear_load_messages()
        self._update_state()

    @Slot()
    def _on_task_chosen(self) -> None:
        self._task_override = Task(self.task_combo.currentData())
        self._clear_load_messages()
        self._update_state()

    @Slot(QListWidgetItem)
    def _on_feature_toggled(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name == self.target():
            return
        if item.checkState() == Qt.CheckState.Checked:
            self._unchecked.discard(name)
        else:
            self._unchecked.add(name)
        self._clear_load_messages()
        self._update_state()

    def set_all_features(self, checked: bool) -> None:
        """Check (or uncheck) every column but the target."""
        if self.preview is None:
            return
        target = self.target()
        self._unchecked = set() if checked else {c for c in self.preview.columns if c != target}
        self._fill_features()
        self._clear_load_messages()
        self._update_state()

    def set_feature_checked(self, name: str, checked: bool) -> None:
        """Check or uncheck one feature column (what a click on its box does)."""
        for row in range(self.feature_list.count()):
            item = self.feature_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(name)

    def set_target(self, name: str) -> None:
        """Choose the target column (what picking it in the combo does)."""
        index = self.target_combo.findData(name)
        if index < 0:
            raise KeyError(name)
        self.target_combo.setCurrentIndex(index)
        self._on_target_changed()

    def set_task(self, task: Task) -> None:
        """Override the inferred task (what picking it in the combo does)."""
        self.task_combo.setCurrentIndex(self.task_combo.findData(Task(task).value))
        self._on_task_chosen()

    # ------------------------------------------------------------------ current choices

    def target(self) -> str | None:
        return self.target_combo.currentData() if self.preview is not None else None

    def features(self) -> tuple[str, ...]:
        if self.preview is None:
            return ()
        target = self.target()
        return tuple(c for c in self.preview.columns if c != target and c not in self._unchecked)

    def inferred_task(self) -> Task | StudioError | None:
        """The task the target column suggests on the preview rows (or why it suggests none).

        A guess when the preview holds only the start of the file: the import
        infers the task from the whole column (a file sorted by class shows one
        class in its first rows).
        """
        target = self.target()
        if self.preview is None or target is None:
            return None
        try:
            return self.preview.task_for(target)
        except StudioError as exc:
            return exc

    def task(self) -> Task | None:
        if self._task_override is not None:
            return self._task_override
        inferred = self.inferred_task()
        return inferred if isinstance(inferred, Task) else None

    def missing_policy(self) -> str:
        return "mean" if self.missing_mean.isChecked() else "drop"

    def source(self) -> CsvDataSource | None:
        """The choices as a data source, or None while they are incomplete."""
        target = self.target()
        if self._path is None or self.preview is None or target is None:
            return None
        preview = self.preview
        detected_header = self._header_override is None
        return CsvDataSource(
            path=str(self._path),
            target=target,
            features=self.features(),
            task=self.task(),
            missing=self.missing_policy(),
            delimiter=self._delimiter(),
            has_header=None if detected_header else preview.has_header,
        )

    def _target_classes(self) -> list[str]:
        preview, target = self.preview, self.target()
        if preview is None or target is None:
            return []
        values = preview.rows[target].dropna()
        return sorted({_cell_text(v) or "" for v in values.tolist()})

    def invalid_reason(self) -> str | None:
        """Why OK is disabled now, or None when the choices can be imported."""
        if self.load_task is not None:
            return "Reading the whole file…"
        if self._path is None:
            return "Choose a CSV file."
        preview = self.preview
        if preview is None:
            return "This file cannot be imported: see the message above."
        target = self.target()
        if target is None:
            return "Choose the target column."
        features = self.features()
        if not features:
            return "Choose at least one feature column."
        for problem in preview.problems:
            for column in (target, *features):
                if f"column '{column}'" in problem:
                    return (
                        f"Column '{column}' has values the import refuses (see above): correct "
                        "the file, or leave the column out."
                    )
        inferred = self.inferred_task()
        if isinstance(inferred, StudioError) and self._task_override is None and not preview.truncated:
            return f"Target: {inferred.message}."
        task = self.task()
        if task is Task.REGRESSION and preview.kind_of(target) == "categorical":
            return f"Regression needs a numeric target; '{target}' holds text. Choose a classification task."
        classes = self._target_classes()
        if task is Task.BINARY and len(classes) > 2:
            return (
                f"The task is binary but '{target}' has {len(classes)} classes in the preview: "
                "choose multi-class classification."
            )
        return None

    # ------------------------------------------------------------------ state → widgets

    def _update_state(self) -> None:
        target = self.target()
        self.table_model.set_roles(target, frozenset(self.features()))
        self._show_task()
        self._show_missing()
        self._fit_columns()
        reason = self.invalid_reason()
        self.ok_button.setEnabled(reason is None)
        self.ok_button.setToolTip(reason or "Read the whole file and use it as the project's data")
        self.reason_label.setText(reason or "")
        self.reason_label.setAccessibleDescription(reason or "")

    def _fit_columns(self) -> None:
        """Columns as wide as their two-line headers and values (bold headers need a margin)."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.table_model.columnCount()):
            header.resizeSection(column, min(header.sectionSize(column) + 16, 320))

    def _show_task(self) -> None:
        target = self.target()
        inferred = self.inferred_task()
        task = self.task()
        self.task_combo.blockSignals(True)
        self.task_combo.setCurrentIndex(self.task_combo.findData(task.value) if task else -1)
        self.task_combo.blockSignals(False)
        if target is None or self.preview is None:
            self.task_info.setText("")
            return
        partial = self.preview.truncated
        rows = f"the first {len(self.preview.rows)} rows"
        if isinstance(inferred, StudioError):
            guess = f"No task can be inferred{f' from {rows}' if partial else ''}: {inferred.message}."
        elif inferred is not None and partial:
            guess = (
                f"In {rows}, '{target}' looks like {TASK_LABELS[inferred].lower()}; "
                "the import infers the task from the whole column."
            )
        elif inferred is not None:
            guess = f"Inferred from '{target}': {TASK_LABELS[inferred].lower()}."
        else:
            guess = ""
        classes = self._target_classes()
        if task is not None and task.is_classification:
            shown = ", ".join(classes[:6]) + (", …" if len(classes) > 6 else "")
            n = len(classes)
            guess += f" {n} class{'' if n == 1 else 'es'} in {rows if partial else 'the preview'}: {shown}."
        if self._task_override is not None and self._task_override != inferred:
            guess += " (your choice overrides it)"
        self.task_info.setText(guess.strip())

    def _show_missing(self) -> None:
        preview = self.preview
        if preview is None:
            self.missing_info.setText("")
            return
        used = [self.target(), *self.features()]
        counts = [
            (name, preview.missing[preview.columns.index(name)])
            for name in used
            if name is not None and preview.missing[preview.columns.index(name)]
        ]
        rows = f"the first {len(preview.rows)} rows" if preview.truncated else "the file"
        if not counts:
            text = f"No missing values in {rows} (in the chosen columns)."
        else:
            parts = ", ".join(f"'{n}' {k}" for n, k in counts)
            text = f"Missing values in {rows}: {parts}."
            if any(n == self.target() for n, _ in counts):
                text += " Rows without a target value are always dropped."
        self.missing_info.setText(text)

    def _clear_load_messages(self) -> None:
        _show(self.load_error_label, "")
        self.load_info.hide()

    # ------------------------------------------------------------------ loading

    @property
    def loading(self) -> bool:
        return self.load_task is not None

    def accept(self) -> None:
        """Read the whole file in the background; the dialog closes when it has loaded."""
        if self.loading or self.invalid_reason() is not None:
            return
        source = self.source()
        assert source is not None
        self._clear_load_messages()
        # Without the person's choice the read infers the task from the whole target
        # column, not from the preview's rows; the project then records what it found.
        read_source = replace(source, task=self._task_override)

        def read(state: TaskState) -> Dataset:
            return read_csv_dataset(read_source, None, state.progress, state.cancelled)

        task = BackgroundTask(read, self, name="csvImportTask")
        task.progressed.connect(self._on_load_progress)
        task.succeeded.connect(lambda dataset: self._on_loaded(replace(source, task=dataset.task), dataset))
        task.failed.connect(self._on_load_failed)
        task.cancelled_.connect(self._on_load_cancelled)
        task.finished.connect(task.deleteLater)
        self.load_task = task
        self._set_loading(True)
        task.start()

    @Slot()
    def stop_loading(self) -> None:
        """Stop the background read; the dialog stays open with its choices."""
        if self.load_task is not None:
            self.load_task.cancel()
            self.stop_button.setEnabled(False)

    def _set_loading(self, loading: bool) -> None:
        for widget in self._choice_widgets:
            widget.setEnabled(not loading)
        self.progress.setValue(0)
        self.progress.setVisible(loading)
        self.stop_button.setVisible(loading)
        self.stop_button.setEnabled(loading)
        self._update_state()

    @Slot(float)
    def _on_load_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * _PROGRESS_STEPS))

    def _finish_loading(self) -> None:
        self.load_task = None
        self._set_loading(False)

    def _on_loaded(self, source: CsvDataSource, dataset: Dataset) -> None:
        self._finish_loading()
        self.dataset = dataset
        self.accepted_source = source
        super().accept()
        self.loadFinished.emit("loaded")

    @Slot(object)
    def _on_load_failed(self, error: BaseException) -> None:
        self._finish_loading()
        if isinstance(error, StudioError):
            text = f"⚠ Cannot import: {error}"
        else:
            log.error("CSV import failed", exc_info=error)
            text = f"⚠ Unexpected error while reading the file: {type(error).__name__}: {error}"
        _show(self.load_error_label, text)
        self.loadFinished.emit("failed")

    @Slot()
    def _on_load_cancelled(self) -> None:
        self._finish_loading()
        self.load_info.setText("Loading stopped: nothing was imported.")
        self.load_info.show()
        self.loadFinished.emit("cancelled")

    def reject(self) -> None:
        """Close without importing; a running read is stopped and waited for first."""
        task = self.load_task
        if task is not None:
            task.cancel()
            task.wait()
            self.load_task = None
        self.dataset = None
        self.accepted_source = None
        super().reject()
