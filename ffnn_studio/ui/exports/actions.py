"""The File menu's export actions: model, script, run history and plots, for the main window.

``ExportActions`` holds the four actions, keeps them enabled only when they
can work (a trained model, a valid project, no run in progress), remembers
the last export folder, and opens the dialogs of ``export_dialog``.

Contract: reads the window through the attributes its docstring names; runs
every export as a ``ui.run.background`` task, never on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMenu,
    QMessageBox,
)

from ffnn_studio.config import EXPORT_LAST_DIR_KEY, SETTINGS_DEFAULTS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.naming import slugify
from ffnn_studio.core.spec import CsvDataSource, Project
from ffnn_studio.ui.exports.export_dialog import (
    ExportDialog,
    ExportOutcome,
    ExportPlotsDialog,
    format_diff,
)

log = logging.getLogger(__name__)

#: The probes file written beside a run history CSV.
PROBES_SUFFIX = ".probes.csv"


class ExportActions(QObject):
    """The File menu's export actions for a ``MainWindow``, enabled only when they can work.

    Reads the window's ``controller``, ``document``, ``plots``, ``controls``,
    ``settings``, ``interactive`` and status bar; reports errors through
    ``report_error(title, message)``.
    """

    #: An export of the model started (True) or ended (False).
    busyChanged = Signal(bool)

    def __init__(self, window: Any, report_error: Callable[[str, str], None]) -> None:
        super().__init__(window)
        self.setObjectName("exportActions")
        self.window = window
        self.report_error = report_error
        self.model_dialog: ExportDialog | None = None
        self.plots_dialog: ExportPlotsDialog | None = None

        self.model_action = self._action(
            "&Export Model…", "exportModelAction", self.export_model, "Ctrl+E"
        )
        self.script_action = self._action(
            "Export as Python &Script…", "exportScriptAction", self.export_script
        )
        self.history_action = self._action(
            "Export Run &History…", "exportHistoryAction", self.export_history
        )
        self.plots_action = self._action(
            "Export &Plots…", "exportPlotsAction", self.export_plots
        )

        c = window.controller
        for signal in (c.stateChanged, c.started, c.finished, c.failed, c.weightsReset, c.modelLoaded):
            signal.connect(self.update_actions)
        window.document.changed.connect(self.update_actions)
        window.document.loaded.connect(self.update_actions)
        self.update_actions()

    def _action(self, text: str, name: str, slot: Callable[[], Any], key: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def actions(self) -> tuple[QAction, ...]:
        return (self.model_action, self.script_action, self.history_action, self.plots_action)

    def add_to(self, menu: QMenu) -> None:
        """Add the actions to ``menu`` (the File menu) and refresh them whenever it opens."""
        for action in self.actions():
            menu.addAction(action)
        menu.aboutToShow.connect(self.update_actions)

    @property
    def busy(self) -> bool:
        """True while a model export runs."""
        return self.model_dialog is not None and self.model_dialog.busy

    # ------------------------------------------------------------------ enabled state

    @staticmethod
    def _set(action: QAction, enabled: bool, tip: str) -> None:
        action.setEnabled(enabled)
        action.setStatusTip(tip)
        action.setToolTip(tip)

    def _session(self) -> Any:
        return self.window.controller.session

    def _history(self) -> Any:
        return getattr(self._session(), "history", None)

    def update_actions(self, *_args: Any) -> None:
        controller = self.window.controller
        # Trained here, or opened from a .keras file: either has weights worth exporting.
        trained = controller.has_model
        if self.busy:
            self._set(self.model_action, False, "An export is running.")
        elif controller.busy:
            self._set(
                self.model_action,
                False,
                "Stop training before exporting: the weights change while it runs.",
            )
        elif not trained:
            self._set(
                self.model_action,
                False,
                "Train the network first (or open a .keras model): there is no trained "
                "model to export yet.",
            )
        else:
            self._set(
                self.model_action,
                True,
                "Save the trained model as .keras, SavedModel, TFLite, ONNX or .h5, "
                "checked by loading it back (Ctrl+E)",
            )

        problems = self.window.document.problems()
        if problems:
            self._set(
                self.script_action,
                False,
                f"Fix the project's problems first: {problems[0]}",
            )
        else:
            self._set(
                self.script_action,
                True,
                "Write the project as a standalone Keras training script (.py)",
            )

        history = self._history()
        if history is not None and history.epochs > 0:
            self._set(
                self.history_action,
                True,
                "Save the loss and metrics of every epoch as CSV, and the per-layer "
                "weight and gradient norms as a second CSV beside it",
            )
        else:
            self._set(self.history_action, False, "Train the network first: there is no run history yet.")

        has_plots = any(p.buffer.n for p in self.window.plots.plots.values())
        if has_plots:
            self._set(
                self.plots_action, True, "Save the four training plots as PNG or SVG images"
            )
        else:
            self._set(self.plots_action, False, "Train the network first: the plots are empty.")

    def _on_busy(self, busy: bool) -> None:
        controls = self.window.controls
        if busy:
            controls.train_action.setEnabled(False)
            controls.reset_action.setEnabled(False)
            self.window.statusBar().showMessage("Exporting the model…")
        else:
            # Recomputes the run actions from the controller's (unchanged) state.
            controls.set_state(self.window.controller.state)
        self.update_actions()
        self.busyChanged.emit(busy)

    # ------------------------------------------------------------------ folders

    def _start_dir(self) -> Path:
        if self.window.interactive:
            last = self.window.settings.value(
                EXPORT_LAST_DIR_KEY, SETTINGS_DEFAULTS[EXPORT_LAST_DIR_KEY]
            )
            if isinstance(last, str) and last and Path(last).is_dir():
                return Path(last)
        base = self.window.document.base_dir
        return base if base is not None else Path.home()

    def _remember_dir(self, path: Path) -> None:
        if self.window.interactive:
            self.window.settings.setValue(EXPORT_LAST_DIR_KEY, str(path))

    def _status(self, text: str, ms: int = 10_000) -> None:
        self.window.statusBar().showMessage(text, ms)

    def _info(self, title: str, text: str) -> None:
        if self.window.interactive:
            QMessageBox.information(self.window, title, text)

    # ------------------------------------------------------------------ the handlers

    def export_model(self) -> ExportDialog | None:
        """Open the export dialog for the last session's model (or bring a running one up)."""
        if self.busy and self.model_dialog is not None:
            self.model_dialog.raise_()
            self.model_dialog.activateWindow()
            return self.model_dialog
        self.update_actions()
        if not self.model_action.isEnabled():
            self._status(self.model_action.statusTip(), 6000)
            return None
        if self.model_dialog is not None:
            self.model_dialog.deleteLater()
        dialog = ExportDialog(
            self._session(),
            default_dir=self._start_dir(),
            parent=self.window,
            loaded_from=self.window.controller.loaded_from,
        )
        dialog.busyChanged.connect(self._on_busy)
        dialog.exported.connect(self._on_model_exported)
        dialog.exportFailed.connect(lambda text: self._status(f"Export failed: {text}", 10_000))
        self.model_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        return dialog

    @Slot(object)
    def _on_model_exported(self, outcome: ExportOutcome) -> None:
        result = outcome.result
        if result.ok:
            self._remember_dir(result.path.parent)
            self._status(
                f"Exported the model to {result.path} (max |difference| "
                f"{format_diff(result.max_abs_diff)})."
            )
        else:
            self._status("Export failed: the reloaded file did not match the model.")

    def _with_absolute_csv(self, project: Project) -> Project:
        """``project`` with its CSV path absolute: the script may be saved (and run) anywhere.

        codegen also reads the CSV (to tell the task) from the path as it stands,
        which would resolve a relative path against the working folder, not the
        project file's.
        """
        data = project.data
        if not isinstance(data, CsvDataSource) or not data.path:
            return project
        path = Path(data.path).expanduser()
        if not path.is_absolute():
            base = self.window.document.base_dir
            path = (base if base is not None else Path.cwd()) / path
        return replace(project, data=replace(data, path=str(path.resolve())))

    def export_script(self) -> Path | None:
        """Ask for a .py file and write the project as a standalone Keras script."""
        document = self.window.document
        project: Project = document.project
        problems = document.problems()
        if problems:
            lines = "\n".join(f"• {p}" for p in problems)
            self.report_error("Cannot export the script", f"Fix these first:\n{lines}")
            return None
        start = self._start_dir() / f"{slugify(project.name, 'train')}.py"
        chosen, _ = QFileDialog.getSaveFileName(
            self.window, "Export as Python Script", str(start), "Python scripts (*.py)"
        )
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != ".py":
            path = path.with_name(path.name + ".py")
        from ffnn_studio.engine.codegen.script import write_script

        project = self._with_absolute_csv(project)
        csv_path = project.data.path if isinstance(project.data, CsvDataSource) else None
        try:
            written = write_script(project, path, csv_path=csv_path)
        except StudioError as exc:
            self.report_error("Could not export the script", str(exc))
            return None
        self._remember_dir(written.parent)
        self._status(f"Wrote the training script {written}")
        self._info(
            "Script exported",
            f"Wrote the training script:\n{written}\n\n"
            f"Run it with:  python {written.name}\n"
            "It needs only Keras, numpy and scikit-learn (and pandas for CSV data).",
        )
        return written

    def export_history(self) -> list[Path]:
        """Ask for a CSV file; write the per-epoch history there and the probes beside it."""
        history = self._history()
        if history is None or history.epochs == 0:
            self._status("Train the network first: there is no run history yet.", 6000)
            return []
        start = self._start_dir() / f"{slugify(self.window.document.display_name, 'run')}-history.csv"
        chosen, _ = QFileDialog.getSaveFileName(
            self.window, "Export Run History", str(start), "CSV files (*.csv)"
        )
        if not chosen:
            return []
        path = Path(chosen)
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        probes = probes_path(path)
        written: list[Path] = []
        try:
            history.to_csv(path)
            written.append(path)
            if len(history.probe_steps):
                history.probes_to_csv(probes)
                written.append(probes)
        except (StudioError, OSError) as exc:
            self.report_error("Could not export the run history", str(exc))
            return written
        self._remember_dir(path.parent)
        names = " and ".join(p.name for p in written)
        self._status(f"Wrote {names} in {path.parent}")
        return written

    def export_plots(self) -> ExportPlotsDialog | None:
        """Open the dialog that saves the four plots into a folder."""
        if self.plots_dialog is not None:
            self.plots_dialog.deleteLater()
        dialog = ExportPlotsDialog(
            self.window.plots,
            folder=self._start_dir(),
            prefix=slugify(self.window.document.display_name, ""),
            parent=self.window,
        )
        dialog.accepted.connect(self._on_plots_exported)
        self.plots_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        return dialog

    @Slot()
    def _on_plots_exported(self) -> None:
        dialog = self.plots_dialog
        if dialog is None or not dialog.written:
            return
        folder = dialog.written[0].parent
        self._remember_dir(folder)
        self._status(f"Saved {len(dialog.written)} plots in {folder}")


def probes_path(history_csv: Path) -> Path:
    """Where the probes go beside a history CSV: ``run.csv`` → ``run.probes.csv``."""
    return history_csv.with_name(history_csv.stem + PROBES_SUFFIX)
