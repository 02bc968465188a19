"""Open a ``.keras`` model as a new project (File ▸ Open, or ``ffnn-studio FILE.keras``).

The file is read on a background task (``engine.model_import``); the layers
become the document's stack and the weights wait in the document for its
first run (``ProjectDocument.open_model``). Right after, the controller builds
the session from those weights on its worker thread without training
(``TrainingController.load_model``), so the opened model can be exported,
tried and used for predictions at once; Train then trains it further.

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
    #: The opened model's session is built (its weights, untrained): ``LoadedWeights``.
    loaded = Signal(object)
    #: The opened model's session could not be built (e.g. data of another width): the message.
    loadFailed = Signal(str)

    def __init__(self, window: Any, report_error: Callable[[str, str], None]) -> None:
        super().__init__(window)
        self.setObjectName("modelOpener")
        self.window = window
        self.report_error = report_error
        self.task: BackgroundTask | None = None
        controller = window.controller
        controller.modelLoaded.connect(self._on_model_loaded)
        controller.loadFailed.connect(self._on_load_failed)
        # Reset weights discards the opened model's: the next run starts from fresh ones.
        controller.weightsReset.connect(self._on_weights_reset)

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
        doc = self.window.document
        doc.open_model(opened.project, opened.weights)
        n = len(opened.weights.dense)
        loading = self.window.controller.load_model(doc.project, doc.base_dir, opened.weights)
        self.window.statusBar().showMessage(
            f"Opened {path.name}: {n} Dense layers with their trained weights"
            + ("; loading them…" if loading else ", which the next run starts from.")
        )
        self.opened.emit(opened)

    def _on_model_loaded(self, weights: Any) -> None:
        if weights is not self.window.document.initial_weights:
            return  # another project was opened meanwhile
        self.window.statusBar().showMessage(
            f"Loaded {weights.source} (not trained here): export it, try it or predict with it; "
            f"Train trains it further on data of {weights.n_features} input features.",
            15_000,
        )
        self.loaded.emit(weights)

    def _on_load_failed(self, message: str) -> None:
        weights = self.window.document.initial_weights
        if weights is None:
            return
        # Not an error dialog: the project is open, and its first run starts from the weights
        # once the data fits (the same check tells Train's user what to change).
        self.window.statusBar().showMessage(
            f"Opened {weights.source}; its weights wait for the first run: {message}.", 15_000
        )
        self.loadFailed.emit(message)

    def _on_weights_reset(self, done: bool) -> None:
        if done:
            self.window.document.initial_weights = None

    def _on_failed(self, exc: BaseException, path: Path) -> None:
        message = str(exc) if isinstance(exc, StudioError) else f"unexpected error: {exc!r}"
        self.window.statusBar().clearMessage()
        self.report_error("Could not open model", f"{path.name}: {message}")
        self.failed.emit(message)
