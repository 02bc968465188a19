"""Compile ahead: the window prepares the training program of a project that has settled.

Tracing and compiling a run's training program takes 1–3 s, and the tracing
is Python: done while a run trains and the window paints, it fights both for
the GIL (the window's event loop stalled for up to ~0.2 s). The project is
known before Train is pressed, so once the document has been unchanged for
``COMPILE_AHEAD_SETTLE_MS`` (and no run is going) the controller builds the
session that Train would build and compiles its program in the background;
Train then starts on the compiled program. A project whose run the quick path
finishes within a few seconds is built but not compiled (``compile_ahead``
declines): its run never uses the program, and a trace in progress when Train
is pressed would slow its first epoch. The controller keeps at most one
such session, for the document's latest settled project: an edit that changes
what the program depends on (``bridge._session_key``: network, data, training
settings other than the epoch count) builds another; a Train that would
continue the last session builds nothing.

Contract: Qt timing and the document's signals only; the building itself is the
controller's (``TrainingController.prepare_ahead``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from ffnn_studio.config import COMPILE_AHEAD_SETTLE_MS, compile_ahead_enabled


class CompileAhead(QObject):
    """Asks the controller to prepare the document's project once it has settled."""

    def __init__(self, document: Any, controller: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compileAhead")
        self._document = document
        self._controller = controller
        self._engine_ready = False
        self.enabled = compile_ahead_enabled() and hasattr(controller, "prepare_ahead")
        self.timer = QTimer(self)
        self.timer.setObjectName("compileAheadTimer")
        self.timer.setSingleShot(True)
        self.timer.setInterval(COMPILE_AHEAD_SETTLE_MS)
        self.timer.timeout.connect(self.prepare_now)
        document.changed.connect(self.arm)
        # Only once TensorFlow is loaded (the warm-up) or a run has ended: building
        # earlier would load it outside the warm-up, in the middle of start-up.
        for signal in ("warmedUp", "finished"):
            if hasattr(controller, signal):
                getattr(controller, signal).connect(self._on_engine_ready)

    def _on_engine_ready(self, *_args: object) -> None:
        self._engine_ready = True
        self.arm()

    def arm(self) -> None:
        """(Re)start the settle timer: the project is prepared once it stays unchanged."""
        if self.enabled and self._engine_ready:
            self.timer.start()

    def prepare_now(self) -> bool:
        """Ask for the document's project to be prepared; False if it cannot be now."""
        doc = self._document
        if not self.enabled or doc.problems():
            return False
        return bool(self._controller.prepare_ahead(doc.project, doc.base_dir))
