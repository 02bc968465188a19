"""Run one plain function on a worker QThread, with throttled progress and cooperative cancel.

The work is an ordinary function of a ``TaskState`` (the Orange3 pattern): it
calls ``state.progress(fraction)`` as it advances and polls
``state.cancelled()``; it knows nothing of Qt. ``BackgroundTask`` runs it once
and reports in the GUI thread through queued signals: ``progressed`` while it
runs, then exactly one of ``succeeded``, ``failed`` or ``cancelled_``, then
``finished``.

A running QThread must never be destroyed ("QThread: Destroyed while thread is
still running" aborts the process), so threads are not children of the widget
that started them: a module-level set keeps each one alive until its function
returns, and the application's ``aboutToQuit`` (or, failing that, ``atexit``)
cancels and waits for the stragglers.
Widgets that go away mid-task call ``cancel()`` and simply stop listening.

The window has three kinds of background work, each for a reason:

* this module, for short one-off jobs (a CSV preview, a data set split, an
  export): independent, cancellable, several at once;
* the run controller's one long-lived worker thread (``ui/run/bridge.py``):
  a session's TensorFlow state belongs to the thread that built it, and
  train-more, reset and pause must reach that same thread and session;
* a plain ``threading.Thread`` for the TensorFlow import alone: imported
  first on a QThread, the second session built there deadlocks in pybind11.

Contract: owns the worker-thread mechanics of one-off tasks (start,
progress, cooperative cancel, result on the GUI thread). Imports Qt and
``config``; knows nothing of what the tasks do.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ffnn_studio.config import TASK_PROGRESS_INTERVAL_S

log = logging.getLogger(__name__)



class TaskState:
    """What the work function sees: a progress callback and a cancel flag (thread-safe)."""

    def __init__(self, report: Callable[[float], None] | None = None) -> None:
        self._report = report
        self._cancel = threading.Event()
        self._last_time = 0.0
        self._last_value = -1.0

    def progress(self, fraction: float) -> None:
        """Report ``fraction`` (0–1); reports closer than ``TASK_PROGRESS_INTERVAL_S`` are dropped."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        due = now - self._last_time >= TASK_PROGRESS_INTERVAL_S or (
            fraction >= 1.0 > self._last_value
        )
        if due and fraction != self._last_value and self._report is not None:
            self._last_time, self._last_value = now, fraction
            self._report(fraction)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _TaskThread(QThread):
    """Calls the function and keeps its outcome for the GUI thread to collect."""

    progressed = Signal(float)

    def __init__(self, fn: Callable[[TaskState], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.state = TaskState(self.progressed.emit)
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn(self.state)
        except BaseException as exc:  # reported to the GUI thread, never lost
            self.error = exc


#: Threads still running, kept alive here whatever happened to their owner.
_RUNNING: set[_TaskThread] = set()


class _Reaper(QObject):
    """Lives in the GUI thread; forgets each thread once it has really ended."""

    @Slot()
    def reap(self) -> None:
        thread = self.sender()
        if isinstance(thread, _TaskThread):
            # finished is emitted just before the thread ends: wait (briefly) for the end.
            thread.wait()
            _RUNNING.discard(thread)


_reaper: _Reaper | None = None


def _ensure_reaper() -> _Reaper:
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(wait_for_all)
        # Also when the interpreter exits without the event loop's aboutToQuit (scripts, tests).
        atexit.register(wait_for_all)
    return _reaper


def wait_for_all() -> None:
    """Cancel and wait for every running task (the application is quitting)."""
    for thread in list(_RUNNING):
        thread.state.cancel()
        thread.wait()
    _RUNNING.clear()


def running_count() -> int:
    """How many task threads are still running (tests check that none leak)."""
    return sum(1 for t in _RUNNING if t.isRunning())


class BackgroundTask(QObject):
    """One run of ``fn(state)`` on its own QThread; signals arrive in the GUI thread."""

    #: Progress in [0, 1], throttled.
    progressed = Signal(float)
    #: The function's return value (not emitted after cancel()).
    succeeded = Signal(object)
    #: The exception the function raised (not emitted after cancel()).
    failed = Signal(object)
    #: cancel() was called before the function returned; its outcome is dropped.
    cancelled_ = Signal()
    #: After any of the three above.
    finished = Signal()

    def __init__(
        self,
        fn: Callable[[TaskState], Any],
        parent: QObject | None = None,
        *,
        name: str = "ffnnBackgroundTask",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._fn = fn
        self._thread: _TaskThread | None = None
        self._done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.was_cancelled = False

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done

    @property
    def done(self) -> bool:
        return self._done

    def start(self) -> None:
        """Start the function on a new thread (once)."""
        if self._thread is not None:
            raise RuntimeError("a BackgroundTask runs once; make a new one")
        reaper = _ensure_reaper()
        thread = _TaskThread(self._fn)
        thread.setObjectName(self.objectName())
        # The slots belong to objects living in the GUI thread: queued connections.
        thread.progressed.connect(self._on_progress)
        thread.finished.connect(self._on_finished)
        thread.finished.connect(reaper.reap)
        self._thread = thread
        _RUNNING.add(thread)
        thread.start()

    def cancel(self) -> None:
        """Ask the function to stop; its result (or error) will be dropped."""
        if self._thread is not None and not self._done:
            self.was_cancelled = True
            self._thread.state.cancel()

    def wait(self, msecs: int | None = None) -> bool:
        """Block until the thread ends (True) or ``msecs`` pass (False); signals follow later."""
        if self._thread is None or self._done:
            return True
        return self._thread.wait() if msecs is None else self._thread.wait(msecs)

    @Slot(float)
    def _on_progress(self, fraction: float) -> None:
        if not self._done and not self.was_cancelled:
            self.progressed.emit(fraction)

    @Slot()
    def _on_finished(self) -> None:
        thread = self._thread
        if thread is None or self._done:
            return
        self._done = True
        thread.wait()
        if self.was_cancelled:
            self.cancelled_.emit()
        elif thread.error is not None:
            self.error = thread.error
            if not isinstance(thread.error, Exception):
                log.error("background task %s ended by %r", self.objectName(), thread.error)
            self.failed.emit(thread.error)
        else:
            self.result = thread.result
            self.succeeded.emit(thread.result)
        # The function's closure may hold big data; the thread object is done with it.
        thread.fn = _finished_fn
        thread.result = None
        self.finished.emit()


def _finished_fn(state: TaskState) -> None:
    """Stands in for a finished task's function, so its closure can be freed."""
