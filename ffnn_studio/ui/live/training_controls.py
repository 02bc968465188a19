"""Train / Pause-Resume / Stop / Reset weights, and the run's progress bar.

Contract: drives the run controller (start, pause, stop, reset) and shows
its state; the progress bar follows reports at most every
``config.PROGRESS_BAR_REFRESH_MS``. No engine.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QStyle, QToolButton, QWidget

from ffnn_studio.config import PROGRESS_BAR_REFRESH_MS
from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    Progress,
    RunFinished,
    RunStarted,
    RunState,
    finish_text,
    format_clock,
)
from ffnn_studio.ui.run.protocols import RunController

__all__ = ["EtaEstimator", "TrainingControls", "format_clock"]

PROGRESS_STEPS = 1000
#: Epoch durations the time-left estimate averages over.
RECENT_EPOCHS = 5


class EtaEstimator:
    """Time left from recent epoch durations, counting only time spent running.

    Uses the GUI's own clock (paused time excluded) rather than the reports'
    ``elapsed_s``, so pauses and "train more" segments do not skew it.
    """

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._active = 0.0
        self._since: float | None = None
        self._marks: deque[tuple[float, float]] = deque(maxlen=RECENT_EPOCHS + 1)
        self.total = 0.0
        self.position = 0.0

    def start(self, start_epoch: float, total: float) -> None:
        self._active = 0.0
        self._since = self._clock()
        self._marks.clear()
        self._marks.append((start_epoch, 0.0))
        self.total = total
        self.position = start_epoch

    def pause(self) -> None:
        if self._since is not None:
            self._active += self._clock() - self._since
            self._since = None

    def resume(self) -> None:
        if self._since is None:
            self._since = self._clock()

    def elapsed(self) -> float:
        running = self._clock() - self._since if self._since is not None else 0.0
        return self._active + running

    def epoch_done(self, epochs_completed: float) -> None:
        if self._marks and epochs_completed <= self._marks[-1][0]:
            return
        self._marks.append((epochs_completed, self.elapsed()))
        self.position = max(self.position, epochs_completed)
        if len(self._marks) > 2 and self._marks[0][1] == 0.0:
            # The first epoch includes building and tracing the graph; once later
            # epochs exist, estimate from them alone.
            self._marks.popleft()

    def at(self, position: float) -> None:
        self.position = max(self.position, position)

    def seconds_left(self) -> float | None:
        """Seconds until ``total``, or None before there is anything to go by."""
        if not self._marks:
            return None
        first_epoch, first_t = self._marks[0]
        last_epoch, last_t = self._marks[-1]
        if last_epoch > first_epoch and last_t > first_t:
            per_epoch = (last_t - first_t) / (last_epoch - first_epoch)
            # Part of the current epoch is already behind us.
            remaining = self.total - self.position
            return max(0.0, remaining * per_epoch)
        done = self.position - first_epoch
        if done < 0.02:
            return None
        return max(0.0, (self.total - self.position) * self.elapsed() / done)


class TrainingControls(QWidget):
    """Buttons for the run's commands, enabled by the controller's state, and a progress bar.

    The actions (``train_action``, ``pause_action``, ``stop_action``,
    ``reset_action``) carry the shortcuts; the window may put them in its Run
    menu and toolbar too. Train only emits ``trainRequested``: the window owns
    the project and calls ``controller.start``.
    """

    trainRequested = Signal()
    #: Training samples per second, as the session reports it.
    throughputChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingControls")
        self.setAccessibleName("Training controls")
        self._controller: RunController | None = None
        self._state = RunState.IDLE
        #: Train is off whatever the state (another run, a comparison, uses the machine).
        self._train_blocked = False
        self._eta = EtaEstimator()
        self._epoch_in_progress = 0
        self._compiling = False
        self._last_text = ""
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(PROGRESS_BAR_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        style = self.style()
        sp = QStyle.StandardPixmap
        self.train_action = self._action(
            "Train",
            "trainAction",
            style.standardIcon(sp.SP_MediaPlay),
            [QKeySequence(Qt.Key.Key_F5), QKeySequence("Ctrl+R")],
            "Train the network (F5)",
        )
        self.pause_action = self._action(
            "Pause",
            "pauseAction",
            style.standardIcon(sp.SP_MediaPause),
            [QKeySequence(Qt.Key.Key_F6)],
            "Pause training; press again to resume (F6)",
        )
        self.stop_action = self._action(
            "Stop",
            "stopAction",
            style.standardIcon(sp.SP_MediaStop),
            [QKeySequence("Ctrl+."), QKeySequence("Shift+F5")],
            "Stop training and keep the weights learned so far (Ctrl+.)",
        )
        self.reset_action = self._action(
            "Reset weights",
            "resetAction",
            style.standardIcon(sp.SP_BrowserReload),
            [QKeySequence("Ctrl+Shift+R")],
            "Start over from freshly initialised weights (Ctrl+Shift+R)",
        )
        self._play_icon = style.standardIcon(sp.SP_MediaPlay)
        self._pause_icon = style.standardIcon(sp.SP_MediaPause)
        self.train_action.triggered.connect(self._on_train)
        self.pause_action.triggered.connect(self._on_pause_toggled)
        self.stop_action.triggered.connect(self._on_stop)
        self.reset_action.triggered.connect(self._on_reset)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.buttons: dict[str, QToolButton] = {}
        for key, action in (
            ("train", self.train_action),
            ("pause", self.pause_action),
            ("stop", self.stop_action),
            ("reset", self.reset_action),
        ):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setObjectName(f"{key}Button")
            button.setAccessibleName(action.text().replace("&", ""))
            layout.addWidget(button)
            self.buttons[key] = button
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("trainingProgress")
        self.progress_bar.setAccessibleName("Training progress")
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setMinimumWidth(220)
        layout.addWidget(self.progress_bar, 1)
        self._set_text("Ready")
        self._update_actions()

    def _action(
        self, text: str, name: str, icon: Any, shortcuts: list[QKeySequence], tip: str
    ) -> QAction:
        action = QAction(icon, text, self)
        action.setObjectName(name)
        action.setShortcuts(shortcuts)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        # Added to this widget so the shortcuts work even if the window adds them nowhere.
        self.addAction(action)
        return action

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: RunController) -> None:
        """Drive ``controller`` and follow its state and reports."""
        self._controller = controller
        controller.stateChanged.connect(self.set_state)
        controller.started.connect(self.on_run_started)
        controller.reported.connect(self.on_report)
        controller.finished.connect(self.on_finished)
        controller.failed.connect(self.on_failed)
        controller.weightsReset.connect(self._on_weights_reset)
        controller.modelLoaded.connect(self._on_model_loaded)
        self.set_state(controller.state)

    @Slot(object)
    def _on_model_loaded(self, _weights: object) -> None:
        self._update_actions()  # an opened model's session can be reset like a trained one

    @property
    def state(self) -> RunState:
        return self._state

    # --- commands --------------------------------------------------------------------

    @Slot()
    def _on_train(self) -> None:
        self.trainRequested.emit()

    @Slot()
    def _on_pause_toggled(self) -> None:
        c = self._controller
        if c is None:
            return
        if self._state is RunState.PAUSED:
            c.resume()
        elif self._state is RunState.RUNNING:
            c.pause()

    @Slot()
    def _on_stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    @Slot()
    def _on_reset(self) -> None:
        if self._controller is not None:
            self._controller.reset_weights()

    # --- state -----------------------------------------------------------------------

    @Slot(object)
    def set_state(self, state: RunState | str) -> None:
        previous, self._state = self._state, RunState(state)
        state = self._state
        if state is RunState.PAUSED:
            self._eta.pause()
            self._show_progress(paused=True)
        elif state is RunState.RUNNING and previous is RunState.PAUSED:
            self._eta.resume()
            self._show_progress()
        elif state is RunState.PREPARING:
            self.progress_bar.setValue(0)
            self._set_text("Preparing data and model…")
        elif state is RunState.STOPPING:
            self._set_text("Stopping…")
        self._update_actions()

    def set_train_blocked(self, blocked: bool) -> None:
        """Turn Train off (or back on) independently of the controller's state."""
        self._train_blocked = blocked
        self._update_actions()

    def _update_actions(self) -> None:
        s = self._state
        has_session = self._controller is not None and self._controller.session is not None
        self.train_action.setEnabled(s is RunState.IDLE and not self._train_blocked)
        self.pause_action.setEnabled(s in (RunState.RUNNING, RunState.PAUSED))
        self.stop_action.setEnabled(s.active)
        self.reset_action.setEnabled(s is RunState.IDLE and has_session)
        paused = s is RunState.PAUSED
        self.pause_action.setText("Resume" if paused else "Pause")
        self.pause_action.setIcon(self._play_icon if paused else self._pause_icon)
        self.buttons["pause"].setAccessibleName(self.pause_action.text())

    # --- reports ---------------------------------------------------------------------

    @Slot(object)
    def on_run_started(self, info: RunStarted) -> None:
        total = info.start_epoch + info.epochs_planned
        self._eta.start(info.start_epoch, total)
        if self._state is RunState.PAUSED:
            self._eta.pause()
        self._epoch_in_progress = min(info.start_epoch + 1, max(total, 1))
        self._set_compiling(info.compiling)
        if not self._compiling:
            self._show_progress()

    @Slot(object)
    def on_progress(self, report: Progress) -> None:
        self._compiled(report.epoch)
        self._epoch_in_progress = report.epoch + 1
        self._eta.at(report.epoch + report.epoch_fraction)
        self.throughputChanged.emit(float(report.samples_per_second))
        self._request_refresh()

    @Slot(object)
    def on_report(self, report: ChunkReport) -> None:
        """One delivery: its latest progress, then its last epoch end."""
        if report.progress is not None:
            self.on_progress(report.progress)
        self.on_epochs(report.epochs)

    @Slot(object)
    def on_epochs(self, reports: tuple[EpochEnd, ...]) -> None:
        """A batch of epoch ends: the estimate needs only the last."""
        if reports:
            self.on_epoch_end(reports[-1])

    @Slot(object)
    def on_epoch_end(self, report: EpochEnd) -> None:
        self._compiled(report.epoch - 1)
        self._eta.epoch_done(report.epoch)
        self._epoch_in_progress = min(report.epoch + 1, max(int(self._eta.total), 1))
        self._request_refresh()

    def _set_compiling(self, compiling: bool) -> None:
        """While the network compiles and nothing trains, the bar is busy and says so."""
        self._compiling = compiling
        if compiling:
            self.progress_bar.setRange(0, 0)
            self._set_text("Compiling the network…")
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)

    def _compiled(self, epochs_before: float) -> None:
        """The first report after compiling: the estimate starts here, leaving the compilation out."""
        if self._compiling:
            self._set_compiling(False)
            self._eta.start(epochs_before, self._eta.total)

    @Slot(object)
    def on_finished(self, report: RunFinished) -> None:
        self._set_compiling(False)
        self._refresh_timer.stop()
        if report.reason == "completed":
            self.progress_bar.setValue(PROGRESS_STEPS)
        self._set_text(finish_text(report, "short"))
        self.progress_bar.setToolTip(report.message)
        self._update_actions()

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self._set_compiling(False)
        self._refresh_timer.stop()
        self.progress_bar.setValue(0)
        self._set_text("Could not start training")
        self.progress_bar.setToolTip(message)
        self._update_actions()

    @Slot(bool)
    def _on_weights_reset(self, done: bool) -> None:
        if done:
            self.progress_bar.setValue(0)
            self._set_text("Weights reset")
        self._update_actions()

    # --- the bar ---------------------------------------------------------------------

    def _request_refresh(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @Slot()
    def refresh(self) -> None:
        """Show the latest progress now (reports arrive faster than the bar redraws)."""
        self._refresh_timer.stop()
        if self._state is RunState.RUNNING and not self._compiling:
            self._show_progress()
        elif self._state is RunState.PAUSED:
            # The session pauses at the end of the chunk it is in, possibly several
            # epochs after the click: follow it there, so Stop ends where this says.
            self._show_progress(paused=True)

    def _epoch_text(self) -> str:
        total = int(self._eta.total)
        return f"Epoch {min(self._epoch_in_progress, total)}/{total}" if total else "Epoch –"

    def _show_progress(self, paused: bool = False) -> None:
        total = self._eta.total
        if paused:
            text = f"Paused · {self._epoch_text()}"
        else:
            text = self._epoch_text()
            left = self._eta.seconds_left()
            if left is not None:
                text += f" · {format_clock(left)} left"
        # Text first: setFormat schedules a repaint, setValue repaints at once and
        # so draws both in one go.
        self._set_text(text)
        if total > 0:
            self.progress_bar.setValue(round(PROGRESS_STEPS * min(1.0, self._eta.position / total)))

    def _set_text(self, text: str) -> None:
        if text != self._last_text:
            self._last_text = text
            self.progress_bar.setFormat(text)

    def progress_text(self) -> str:
        """What the progress bar says (for tests and the status bar)."""
        return self._last_text
