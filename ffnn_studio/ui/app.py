"""Application start-up: the QApplication, the first project, and the screenshot mode.

Nothing here imports TensorFlow: the window shows first, and the training
controller imports it in the background (``warm_up``) afterwards.

Contract: owns the QApplication's set-up (names, icon, GC policy, pyqtgraph
fixes) and the screenshot mode. Imports no TensorFlow: the engine loads in
the background after the window shows.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from ffnn_studio import __version__
from ffnn_studio.config import (
    APP_NAME,
    DESKTOP_FILE_NAME,
    ORGANIZATION,
    SCREENSHOT_SETTLE_MS,
    TF_INTRAOP_THREADS_ENV,
    window_training_threads,
)
from ffnn_studio.core.reports import RunFinished, finish_text


def ensure_application(argv: list[str] | None = None) -> QApplication:
    """The running QApplication, or a new one named for QSettings."""
    from ffnn_studio.ui.main_window import window_icon

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setWindowIcon(window_icon())
    from ffnn_studio.ui.widgets.pyqtgraph_fixes import apply_pyqtgraph_fixes

    apply_pyqtgraph_fixes()
    if getattr(app, "_ffnn_gc", None) is None:
        # Python's cyclic GC runs on whichever thread happens to allocate; when
        # that is the training worker and the garbage holds Qt widgets, their
        # destructors run off the GUI thread and deadlock it (seen: the worker
        # destroying a QMenu while the GUI thread waited on Qt's mutex). Collect
        # on the GUI thread only, from a timer.
        from pyqtgraph.util.garbage_collector import GarbageCollector

        app._ffnn_gc = GarbageCollector(interval=1.0)  # type: ignore[attr-defined]
    return app


def _no_display() -> bool:
    """True on Linux/BSD when neither X11 nor Wayland is reachable and no platform is chosen."""
    if QApplication.instance() is not None or os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _wait(loop_exit_signals: list, timeout_ms: int | None = None) -> None:
    loop = QEventLoop()
    for signal in loop_exit_signals:
        signal.connect(loop.quit)
    if timeout_ms is not None:
        QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def _train_for_screenshot(window, epochs: int) -> str | None:
    """Train ``epochs`` epochs and wait for the end; returns an error message or None."""
    controller = window.controller
    outcome: list[object] = []
    controller.finished.connect(outcome.append)
    controller.failed.connect(outcome.append)
    if not window.train(epochs):
        return window.errors[-1] if window.errors else "training could not start"
    if not outcome:
        _wait([controller.finished, controller.failed])
    # The status bar's devices, as the interactive window shows them after its
    # warm-up (TensorFlow is loaded by now: this is quick).
    controller.warm_up()
    _wait([controller.warmedUp], 30_000)
    result = outcome[0]
    if isinstance(result, RunFinished):
        if result.reason.is_failure:
            return finish_text(result)
        return None
    return f"could not start training: {result}"


def freeze_heap() -> None:
    """Leave every object alive now out of all later garbage collections.

    Called once TensorFlow and the engine are loaded and warmed up: a full
    collection walks their ~400,000 objects in ≈ 0.2 s on the GUI thread
    (measured), a freeze the user would see every minute or two; frozen, a
    full collection walks only what was made since. Those objects live as
    long as the process anyway.
    """
    gc.freeze()


def load_engine_in_background(controller: Any) -> None:
    """Once the window is up: import and warm up TensorFlow off the GUI thread,
    then ``freeze_heap``. TensorFlow is told to leave a core to the GUI thread
    (``window_training_threads``) unless the user chose its thread count."""
    os.environ.setdefault(TF_INTRAOP_THREADS_ENV, str(window_training_threads()))
    controller.warmedUp.connect(freeze_heap)
    QTimer.singleShot(0, controller.warm_up)


def run_window(
    argv_path: str | None,
    screenshot: str | None,
    train_epochs: int | None,
    size: tuple[int, int] | None = None,
) -> int:
    """Show the main window on ``argv_path`` (or the default example) and run it.

    With ``screenshot``, save an image of the window (after training
    ``train_epochs`` epochs, if given, at ``size`` pixels) and exit instead of
    waiting for the user.
    Returns the process exit status.
    """
    if screenshot is not None and _no_display():
        # A screenshot needs no screen: render offscreen rather than fail to connect.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = ensure_application()
    from ffnn_studio.core.examples import default_project
    from ffnn_studio.ui.document.document import ProjectDocument
    from ffnn_studio.ui.main_window import MainWindow

    interactive = screenshot is None
    document = ProjectDocument(default_project())
    window = MainWindow(document, interactive=interactive)
    if size is not None:
        window.resize(*size)
    window.show()
    if argv_path:
        # A bad path shows the error and leaves the default project open.
        window.load_path(argv_path)

    if screenshot is None:
        # After the first paint, so the question appears over the window.
        QTimer.singleShot(0, window.offer_recovery)
        load_engine_in_background(window.controller)
        return app.exec()

    status = 0
    if argv_path and window.errors:
        status = 2
    if train_epochs:
        error = _train_for_screenshot(window, train_epochs)
        if error:
            print(f"ffnn-studio: {error}", file=sys.stderr)
            status = 1
    # Let the plots' redraw timer and the layout catch up before grabbing.
    window.plots.redraw()
    _wait([], SCREENSHOT_SETTLE_MS)
    app.processEvents()
    target = Path(screenshot)
    if not window.grab().save(str(target)):
        print(f"ffnn-studio: could not write the screenshot {target}", file=sys.stderr)
        status = status or 1
    else:
        print(f"screenshot saved to {target}")
    window.close()
    return status
