"""The data panel: the project's data set (built-in or an imported CSV file),
its parameters, and a preview of the data.

Contract: shows the project's data source and pushes data-source commands on
the document; keeps no copy of the project. No engine.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.catalog import DATASETS
from ffnn_studio.core.spec import BuiltinDataSource, CsvDataSource
from ffnn_studio.core.validation import validate_data_source
from ffnn_studio.ui.build.param_widgets import (
    editor_signal,
    help_label,
    make_param_editor,
    problems_label,
    set_editor_value,
    show_problems,
)
from ffnn_studio.ui.dataset.csv_flow import import_csv
from ffnn_studio.ui.dataset.data_preview import DataPreview
from ffnn_studio.ui.document.commands import EditDataParamCommand, SetDataSourceCommand
from ffnn_studio.ui.document.document import DataShape, ProjectDocument

_GROUPS = (("Synthetic (2-D)", True), ("Real", False))


class DataPanel(QWidget):
    """Edits ``project.data`` for built-in data sets; every change is an undo command."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPanel")
        self.setAccessibleName("Data set")
        self.document = document
        self._form_dataset: str | None = None
        self.param_editors: dict[str, QWidget] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        box = QGroupBox("Data set")
        box.setObjectName("datasetGroup")
        box_layout = QVBoxLayout(box)
        top = QFormLayout()
        self.dataset = QComboBox()
        self.dataset.setObjectName("datasetCombo")
        self.dataset.setAccessibleName("Built-in data set")
        self.dataset.setModel(self._dataset_model())
        top.addRow("&Data set:", self.dataset)
        box_layout.addLayout(top)
        self.dataset_help = help_label("datasetHelp", "Data set description")
        box_layout.addWidget(self.dataset_help)
        self.params = QWidget()
        self.params.setObjectName("datasetParams")
        self.params.setAccessibleName("Data set parameters")
        self.params_form = QFormLayout(self.params)
        self.params_form.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.params)
        self.import_button = QPushButton("Import &CSV…")
        self.import_button.setObjectName("importCsvButton")
        self.import_button.setAccessibleName("Import a CSV file")
        self.import_button.setToolTip("Train on your own data: a CSV file, one row per sample")
        box_layout.addWidget(self.import_button)
        layout.addWidget(box)
        self.problems = problems_label("dataProblems", "Data problems")
        layout.addWidget(self.problems)
        self.preview = DataPreview()
        layout.addWidget(self.preview, 1)

        self.import_button.clicked.connect(self.import_csv)

        self.dataset.currentIndexChanged.connect(self._on_dataset_chosen)
        document.changed.connect(self.refresh)
        document.lockedChanged.connect(self.refresh)
        self.refresh()

    def _dataset_model(self) -> QStandardItemModel:
        """Data sets grouped under non-selectable headings."""
        model = QStandardItemModel(self)
        for heading, synthetic in _GROUPS:
            head = QStandardItem(heading)
            head.setFlags(Qt.ItemFlag.NoItemFlags)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            model.appendRow(head)
            for entry in DATASETS.values():
                if entry.synthetic != synthetic:
                    continue
                item = QStandardItem(f"    {entry.label}")
                item.setData(entry.name, Qt.ItemDataRole.UserRole)
                item.setData(f"{entry.help}\nTask: {entry.task}", Qt.ItemDataRole.ToolTipRole)
                item.setData(entry.label, Qt.ItemDataRole.AccessibleTextRole)
                model.appendRow(item)
        return model

    # -- edits

    def import_csv(self) -> None:
        """Import (or re-edit) a CSV file; the new source is one undo step."""
        import_csv(self, self.document, self.preview)

    def _on_dataset_chosen(self, index: int) -> None:
        name = self.dataset.itemData(index)
        data = self.document.project.data
        if name is None or (isinstance(data, BuiltinDataSource) and data.name == name):
            return
        if not self.document.push(SetDataSourceCommand.builtin(self.document, name)):
            self.refresh()

    def _edit_param(self, name: str, value: float | int) -> None:
        data = self.document.project.data
        if not isinstance(data, BuiltinDataSource) or data.resolved_params().get(name) == value:
            return
        if not self.document.push(EditDataParamCommand(self.document, name, value)):
            self.refresh()

    # -- document → widgets

    def _rebuild_params(self, name: str | None) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.param_editors = {}
        self._form_dataset = name
        entry = DATASETS.get(name) if name else None
        if entry is None:
            return
        for param in entry.params:
            editor = make_param_editor(param, f"data_{param.name}")
            self.param_editors[param.name] = editor
            self.params_form.addRow(f"{param.label}:", editor)
            editor_signal(editor).connect(
                lambda v, n=param.name, k=param.kind: self._edit_param(
                    n, int(v) if k == "int" else float(v)
                )
            )

    def refresh(self) -> None:
        self.setEnabled(not self.document.locked)
        data = self.document.project.data
        name = data.name if isinstance(data, BuiltinDataSource) else None
        with QSignalBlocker(self.dataset):
            self.dataset.setCurrentIndex(self.dataset.findData(name) if name else -1)
        if name != self._form_dataset:
            self._rebuild_params(name)
        if isinstance(data, BuiltinDataSource):
            values = data.resolved_params()
            for pname, editor in self.param_editors.items():
                set_editor_value(editor, values[pname])
            entry = DATASETS.get(data.name)
            text = entry.help if entry else ""
        else:
            text = f"{data.describe()} (CSV files are edited in the data import dialog)."
        shape = self.document.data_shape()
        if isinstance(shape, DataShape):
            classes = f", {shape.n_classes} classes" if shape.n_classes else ""
            text += f"<br><i>Task: {shape.task.value} · {shape.n_features} features{classes}</i>"
        self.dataset_help.setText(text)
        messages = [str(p) for p in validate_data_source(self.document.project)]
        if not isinstance(shape, DataShape):
            messages.append(str(shape))
        show_problems(self.problems, messages)
        self.preview.set_source(data, self.document.base_dir)
        self.import_button.setText(
            "Edit &CSV Import…" if isinstance(data, CsvDataSource) else "Import &CSV…"
        )
