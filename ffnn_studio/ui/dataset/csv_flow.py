"""The CSV flows of the window: importing a file into the project, and finding a moved one.

``import_csv`` runs the import dialog and applies its result to the document
as one undoable edit; ``offer_to_locate_csv`` and ``locate_missing_csv`` ask
where a project's missing CSV file went and check that the chosen file still
has the columns the project names.

Contract: edits the document only through undo commands; reads files only
through ``data.csv_import``. No engine.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMessageBox,
    QWidget,
)

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import CsvDataSource
from ffnn_studio.data.dataset import Dataset

if TYPE_CHECKING:

    from ffnn_studio.ui.dataset.data_preview import DataPreview
    from ffnn_studio.ui.document.document import ProjectDocument

from ffnn_studio.ui.dataset.csv_dialog import FILE_FILTER, CsvImportDialog, preview_csv

log = logging.getLogger(__name__)


def locate_missing_csv(parent: QWidget | None, source: CsvDataSource) -> CsvDataSource | None:
    """Ask where a project's missing CSV file went; the source with the new path, or None.

    A chosen file must still have the target and feature columns the project
    names; otherwise the person is told what is missing and asked again.
    """
    missing = Path(source.path)
    while True:
        box = QMessageBox(parent)
        box.setObjectName("csvMissingBox")
        box.setAccessibleName("CSV file not found")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("CSV File Not Found")
        box.setText(f"The CSV file “{missing}” was not found.")
        box.setInformativeText(
            "Locate it (it may have been moved or renamed) to keep the project's column "
            "choices, or cancel to open the project without its data."
        )
        locate = box.addButton("&Locate…", QMessageBox.ButtonRole.AcceptRole)
        locate.setObjectName("csvLocateButton")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(locate)
        box.exec()
        clicked = box.clickedButton() is locate
        box.deleteLater()
        if not clicked:
            return None
        start = missing.parent if missing.parent.is_dir() else Path.home()
        chosen, _ = QFileDialog.getOpenFileName(
            parent, f"Locate {missing.name}", str(start / missing.name), FILE_FILTER
        )
        if not chosen:
            return None
        located = replace(source, path=str(Path(chosen).resolve()))
        problem = _columns_problem(located)
        if problem is None:
            return located
        QMessageBox.warning(parent, "Not the Project's CSV File", problem)


def _columns_problem(source: CsvDataSource) -> str | None:
    """Why ``source``'s file does not fit its column choices, or None if it does."""
    path = Path(source.path)
    try:
        preview = preview_csv(path, source.delimiter, 5, source.has_header)
    except StudioError as exc:
        return str(exc)
    wanted = [source.target, *(source.features or ())]
    absent = [c for c in wanted if c not in preview.columns]
    if not absent:
        return None
    names = ", ".join(f"'{c}'" for c in absent)
    have = ", ".join(f"'{c}'" for c in preview.columns)
    return (
        f"{path.name} has no column{'s' if len(absent) > 1 else ''} {names}, which the project "
        f"uses; its columns are {have}."
    )


def import_csv(
    parent: QWidget | None,
    document: ProjectDocument,
    preview: DataPreview | None = None,
) -> tuple[CsvDataSource, Dataset] | None:
    """Run the import dialog for ``document`` and push the new data source as one undo step.

    Starts from the project's CSV choices when it already uses a CSV file.
    The data set the dialog read is handed on before the edit is pushed, so
    the views that react to the edit need not read the file again: ``preview``
    shows it, and the document's ``remember_dataset`` (when it has one) learns
    its shape. Returns what was imported, or None (cancelled, or the document
    is locked).
    """
    from ffnn_studio.ui.document.commands import SetDataSourceCommand

    current = document.project.data
    dialog = CsvImportDialog(
        parent,
        current if isinstance(current, CsvDataSource) else None,
        document.base_dir,
    )
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        source, dataset = dialog.accepted_source, dialog.dataset
    finally:
        dialog.deleteLater()
    if source is None or dataset is None:
        return None
    remember = getattr(document, "remember_dataset", None)
    if remember is not None:
        remember(source, dataset)
    if preview is not None:
        preview.show_dataset(dataset, source=source, base_dir=document.base_dir)
    if source == current:
        return source, dataset
    if not document.push(SetDataSourceCommand(document, source)):
        if preview is not None:
            preview.set_source(document.project.data, document.base_dir)
        return None
    return source, dataset


def offer_to_locate_csv(parent: QWidget | None, document: ProjectDocument) -> bool:
    """After opening a project: if its CSV file is missing, offer to locate it.

    A located file becomes an undoable edit (the project is then unsaved).
    True if the data source was changed.
    """
    from ffnn_studio.ui.document.commands import SetDataSourceCommand

    source = document.project.data
    if not isinstance(source, CsvDataSource) or not source.path:
        return False
    path = Path(source.path)
    if not path.is_absolute() and document.base_dir is not None:
        path = document.base_dir / path
    if path.exists():
        return False
    located = locate_missing_csv(parent, replace(source, path=str(path)))
    if located is None:
        return False
    return document.push(SetDataSourceCommand(document, located))
