"""Open a ``.keras`` model as a new project (File ▸ Open, or ``ffnn-studio FILE.keras``).

The file is read on a background task (``engine.model_import``); the layers
become the document's stack and the weights wait in the document for its
first run (``ProjectDocument.open_model``).

Contract: Qt glue only; the reading and checking are the engine's. TensorFlow
is imported on a plain thread first (see ``bridge._import_engine``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ffnn_studio.core.errors import StudioError
from ffnn_studio.ui.run.background import BackgroundTask, TaskState

MODEL_SUFFIX = ".keras"


def is_model_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() == MODEL_SUFFIX


class ModelOpener(QObject):
    """Reads a ``.keras`` file on a background task and opens it in the window's document."""

    #: The ``engine.model_import.OpenedModel`` now in the document.
    opened = Signal(object)
    #: The message of a file that could not be opened.
    failed = Signal(str)

    def __init__(self, window: Any, report_error: Callable[[str, str], None]) -> None:
        super().__init__(window)
        self.setObjectName("modelOpener")
        self.window = window
        self.report_error = report_error
        self.task: BackgroundTask | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def open(self, path: str | Path) -> BackgroundTask | None:
        """Start reading ``path``; the document changes when it is read (None if one is under way)."""
        if self.busy:
            return None
        path = Path(path)

        def work(_state: TaskState) -> Any:
            from ffnn_studio.ui.run.bridge import _import_engine

            _import_engine()
            from ffnn_studio.engine.model_import import open_keras_model

            return open_keras_model(path)

        task = BackgroundTask(work, self, name="openModelTask")
        task.succeeded.connect(lambda opened: self._on_opened(opened, path))
        task.failed.connect(lambda exc: self._on_failed(exc, path))
        self.task = task
        self.window.statusBar().showMessage(f"Opening the model {path.name}…")
        task.start()
        return task

    def _on_opened(self, opened: Any, path: Path) -> None:
        self.window.document.open_model(opened.project, opened.weights)
        n = len(opened.weights.dense)
        self.window.statusBar().showMessage(
            f"Opened {path.name}: {n} Dense layers with their trained weights, which the next "
            f"run starts from; it takes {opened.weights.n_features} input features.",
            10_000,
        )
        self.opened.emit(opened)

    def _on_failed(self, exc: BaseException, path: Path) -> None:
        message = str(exc) if isinstance(exc, StudioError) else f"unexpected error: {exc!r}"
        self.window.statusBar().clearMessage()
        self.report_error("Could not open model", f"{path.name}: {message}")
        self.failed.emit(message)
