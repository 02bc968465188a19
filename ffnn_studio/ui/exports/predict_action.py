"""File → Predict CSV…: the trained model's predictions for the rows of a CSV file.

The rows are streamed through ``engine.inference.predict_csv`` in chunks on a
``ui.run.background`` task; a progress dialog shows how far it is and its
Cancel stops it (the output file is then left as it was).

Contract: reads the window's ``controller``, ``document``, ``interactive`` and
status bar; the work itself is the engine's. Never predicts on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from ffnn_studio.ui.run.background import BackgroundTask, TaskState

CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"


def predictions_path(source: Path) -> Path:
    """Where the predictions of ``source`` go by default: ``rows.csv`` → ``rows.predictions.csv``."""
    return source.with_name(f"{source.stem}.predictions.csv")


class PredictCsvAction(QObject):
    """The *Predict CSV…* action, enabled when a trained model is idle."""

    #: The summary (``engine.inference.PredictionSummary``) of a finished prediction.
    predicted = Signal(object)

    def __init__(self, window: Any, report_error: Callable[[str, str], None]) -> None:
        super().__init__(window)
        self.setObjectName("predictCsvActions")
        self.window = window
        self.report_error = report_error
        self.task: BackgroundTask | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.action = QAction("&Predict CSV…", window)
        self.action.setObjectName("predictCsvAction")
        self.action.triggered.connect(lambda _checked=False: self.predict())
        window.addAction(self.action)
        c = window.controller
        for signal in (c.stateChanged, c.started, c.finished, c.failed, c.weightsReset, c.modelLoaded):
            signal.connect(self.update_action)
        window.document.loaded.connect(self.update_action)
        self.update_action()

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def _session(self) -> Any:
        return self.window.controller.session

    def update_action(self, *_args: Any) -> None:
        trained = self.window.controller.has_model  # trained here or opened from a file
        if self.busy:
            enabled, tip = False, "A prediction is running."
        elif self.window.controller.busy:
            enabled, tip = False, "Stop training first: the weights change while it runs."
        elif not trained:
            enabled, tip = False, "Train the network first: there is no trained model yet."
        else:
            enabled, tip = (
                True,
                "Run the trained model on the rows of a CSV file with the training columns "
                "and save them with the predicted label and probabilities",
            )
        self.action.setEnabled(enabled)
        self.action.setStatusTip(tip)
        self.action.setToolTip(tip)

    def _ask_paths(self) -> tuple[Path, Path] | None:
        base = self.window.document.base_dir
        start = str(base) if base is not None else str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(
            self.window, "Predict CSV: rows to predict", start, CSV_FILTER
        )
        if not chosen:
            return None
        suggested = str(predictions_path(Path(chosen)))
        out, _ = QFileDialog.getSaveFileName(
            self.window, "Save the predictions as", suggested, "CSV files (*.csv)"
        )
        if not out:
            return None
        return Path(chosen), Path(out)

    def predict(
        self, source: str | Path | None = None, target: str | Path | None = None
    ) -> BackgroundTask | None:
        """Predict ``source`` into ``target`` (asking for both when not given) on a background task."""
        self.update_action()
        if not self.action.isEnabled():
            self.window.statusBar().showMessage(self.action.statusTip(), 6000)
            return None
        if source is None or target is None:
            paths = self._ask_paths()
            if paths is None:
                return None
            source, target = paths
        source, target = Path(source), Path(target)
        from ffnn_studio.engine.inference import predict_csv, predictor_for_session

        predictor = predictor_for_session(self._session())

        def work(state: TaskState) -> Any:
            return predict_csv(
                predictor, source, target, progress=state.progress, cancelled=state.cancelled
            )

        task = BackgroundTask(work, self, name="predictCsvTask")
        dialog = QProgressDialog(f"Predicting {source.name}…", "Cancel", 0, 1000, self.window)
        dialog.setObjectName("predictCsvProgress")
        dialog.setAccessibleName("Prediction progress")
        dialog.setWindowTitle("Predict CSV")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)
        task.progressed.connect(lambda f: dialog.setValue(int(f * 1000)))
        task.succeeded.connect(self._on_done)
        task.failed.connect(lambda exc: self._on_failed(exc, source))
        # The engine leaves the previous output in place when it stops early.
        task.cancelled_.connect(
            lambda: self.window.statusBar().showMessage("Prediction cancelled.", 6000)
        )
        task.finished.connect(dialog.close)
        task.finished.connect(self.update_action)
        self.task, self.progress_dialog = task, dialog
        task.start()
        self.update_action()
        return task

    def _on_done(self, summary: Any) -> None:
        text = f"Wrote {summary.rows:,} rows with predictions to {summary.path}."
        if summary.skipped:
            text += f" {summary.skipped:,} rows have a missing value and no prediction."
        self.window.statusBar().showMessage(text, 10_000)
        self.predicted.emit(summary)

    def _on_failed(self, exc: BaseException, source: Path) -> None:
        from ffnn_studio.core.errors import StudioError

        if isinstance(exc, StudioError):
            self.report_error("Could not predict", f"{source.name}: {exc}")
        else:
            self.report_error("Could not predict", f"{source.name}: unexpected error: {exc!r}")
