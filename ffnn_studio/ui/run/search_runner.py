"""Runs the engine's hyper-parameter search in the background for the window.

The search is one long function (``engine.search.run_search``): it runs on a
``BackgroundTask`` thread; its events (a trial started, an epoch, a trial
ended) reach the GUI thread as queued signals, and Cancel is the task's
cooperative flag, which the search reads at every chunk of every trial. Its
trials train sessions of their own, so the window's run (what the plots show
and Export writes) is never replaced by a trial.

Contract: the window's only door to ``engine.search`` (imported lazily, so
the window starts without Optuna); TensorFlow is imported on a plain thread
first, as the run bridge does.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.run.background import BackgroundTask, TaskState


def _search():
    from ffnn_studio.engine import search

    return search


def default_storage(project_path: Path) -> str:
    return _search().default_storage(project_path)


def load_study(storage: str, name: str) -> Any:
    """The stored study (``engine.search.StudyInfo``) or None."""
    return _search().load_study(storage, name)


def study_names(storage: str) -> list[str]:
    return _search().study_names(storage)


def make_config(**kwargs: Any) -> Any:
    """An ``engine.search.SearchConfig`` (raises StudioError for a bad one)."""
    return _search().SearchConfig(**kwargs)


def is_event(event: Any, kind: str) -> bool:
    """Whether a search event is ``TrialStarted``, ``TrialEpoch`` or ``TrialEnded``."""
    return type(event).__name__ == kind


def test_objective_available(project: Project) -> bool:
    """Whether to offer the test objectives: the project holds a test part out."""
    return project.training.test_fraction > 0


def importances_task(storage: str, name: str, parent: QObject | None = None) -> BackgroundTask:
    """A task computing each parameter's importance (a dict) for a stored study."""
    return BackgroundTask(
        lambda _state: _search().param_importances(storage, name), parent, name="searchImportances"
    )


class SearchRunner(QObject):
    """One search at a time, on a background thread; every signal arrives on the GUI thread."""

    #: A search event: trial started, epoch reported, trial ended (``engine.search``).
    event = Signal(object)
    #: The search ended (``engine.search.SearchResult``): budget, time, grid, cancel or failures.
    searchFinished = Signal(object)
    #: The search could not run; the message says why.
    searchFailed = Signal(str)
    runningChanged = Signal(bool)
    #: Emitted from the search's thread; delivered queued to ``_relay``.
    _eventPosted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchRunner")
        self.task: BackgroundTask | None = None
        self.started_at = 0.0
        self.config: Any = None
        self._cancel = threading.Event()
        self._eventPosted.connect(self._relay)

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def start(self, project: Project, base_dir: Path | None, config: Any, storage: str) -> bool:
        """Start the search; False if one is running."""
        if self.running:
            return False
        post = self._eventPosted.emit
        cancel = self._cancel
        cancel.clear()

        def work(state: TaskState) -> Any:
            from ffnn_studio.ui.run.bridge import _import_engine

            _import_engine()  # TensorFlow first on a plain thread, never on this QThread
            search = _search()
            data = search.prepare_data(project, base_dir)
            return search.run_search(
                project, data, config, storage, cancelled=lambda: cancel.is_set() or state.cancelled(), on_event=post
            )

        self.config = config
        self.started_at = time.monotonic()
        task = BackgroundTask(work, self, name="hyperparameterSearch")
        # The task's own cancel (the application quitting) drops the result; Cancel here
        # is the search's flag, so the trials finished so far come back as the result.
        task.succeeded.connect(self.searchFinished.emit)
        task.failed.connect(self._on_failed)
        task.finished.connect(lambda: self.runningChanged.emit(False))
        self.task = task
        task.start()
        self.runningChanged.emit(True)
        return True

    def cancel(self) -> None:
        """Stop the running trial at its next chunk and start no more."""
        if self.running:
            self._cancel.set()

    def wait(self, msecs: int | None = None) -> bool:
        return self.task.wait(msecs) if self.task is not None else True

    @Slot(object)
    def _relay(self, event: Any) -> None:
        self.event.emit(event)

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, StudioError):
            self.searchFailed.emit(str(error))
        else:
            self.searchFailed.emit(f"{type(error).__name__}: {error}")
