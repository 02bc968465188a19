"""The thread bridge: runs a training session on a worker QThread, reports as Qt signals.

The GUI thread never touches TensorFlow while it trains: loading and splitting
the data, building the model (the lazy TensorFlow import, ≈ 2 s) and the run
itself all happen on one long-lived worker thread. The worker implements the
engine's sink protocol; its reports reach the controller through queued
connections, so every public signal arrives in the GUI thread. Stop, pause
and resume are thread-safe flags on the session and are called directly.

Reports travel once: the session hands its sink one ``ChunkReport`` per chunk
(the chunk's epoch ends and probes, the latest progress, and a copy of the
weights when due); the worker appends it to a mailbox and posts one queued
"reports ready" event unless one is already on its way. The GUI thread
empties the mailbox at most every ``BATCH_INTERVAL_S``, merges the chunk
reports waiting there into one, and emits it once as ``reported``: every view
takes what it needs from that one delivery (the boundary and diagram views
their weights), so nothing is split again, re-batched or polled. Each wake-up
of the GUI thread costs the training thread a GIL hand-over, so the GUI wakes
for reports ≤ 20 times a second however fast epochs end. The mailbox's items
are dispatched by their type.

A run's start is a hand-shake. The GUI's work on ``started`` (resetting the
plots and views) and the repaint after it take ≈ 30 ms alone, but 150–300 ms
while the worker traces the training graph at the same time: both are Python
and take turns on the GIL. So the worker, having reported ``started``, waits
(at most ``START_HANDSHAKE_S``) until the GUI has handled it and painted,
then traces. A run that traces nothing at its start (``RunStarted.compiling``
false: the quick path, or a program compiled ahead) does not wait.

Contract: the only module of the window that drives the engine's training
session (the views see the ``RunController`` protocol of ``protocols``); every
signal it emits arrives on the GUI thread; TensorFlow is first imported on a
plain thread, never on the worker QThread.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot

# Module names of their own, so tests can adjust them.
from ffnn_studio.config import DELIVERY_INTERVAL_S as BATCH_INTERVAL_S
from ffnn_studio.config import START_HANDSHAKE_S
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import (
    ChunkReport,
    FinishReason,
    NullSink,
    RunFinished,
    RunnableSession,
    RunStarted,
    RunState,
)
from ffnn_studio.core.spec import Project

log = logging.getLogger(__name__)

IDLE = RunState.IDLE
PREPARING = RunState.PREPARING
RUNNING = RunState.RUNNING
PAUSED = RunState.PAUSED
STOPPING = RunState.STOPPING
STATES = tuple(RunState)

class CatchUp:
    """A mailbox marker: the GUI tells the worker once it has handled what came before
    (and painted), so the session's tracing does not fight the GUI for the GIL."""


_CATCH_UP = CatchUp()

#: Whatever the session reports, in the mailbox in order.
Report = RunStarted | ChunkReport | RunFinished | CatchUp

#: Posted after the ``started`` handlers, at low priority: it arrives after the repaint.
_CAUGHT_UP_EVENT = QEvent.Type(QEvent.registerEventType())

#: ``(project, base_dir) -> PreparedData``; runs on the worker thread.
DataPreparer = Callable[[Project, Path | None], Any]
#: ``(project, prepared, sink) -> TrainingSession``; runs on the worker thread.
SessionFactory = Callable[[Project, Any, Any], RunnableSession]


def prepare_project_data(project: Project, base_dir: Path | None) -> Any:
    """Load the project's data set and split it the way its training settings say."""
    from ffnn_studio.data import load_dataset, prepare

    dataset = load_dataset(project.data, base_dir)
    t = project.training
    return prepare(dataset, t.validation_fraction, t.seed, t.test_fraction)


def create_training_session(project: Project, prepared: Any, sink: Any) -> Any:
    """The engine's ``TrainingSession``, imported here so TensorFlow loads on the worker."""
    _import_engine()
    from ffnn_studio.engine.training.session import TrainingSession

    return TrainingSession(project, prepared, sink)


def _import_engine() -> None:
    """Import TensorFlow and the engine on a plain Python thread, and wait for it.

    TensorFlow imported first on a QThread makes the second ``TrainingSession``
    built on that thread deadlock inside pybind11's error handling (pybind11
    issue 1437, "error_already_set in QThread"); imported on a
    ``threading.Thread`` it does not. The caller (the worker) just waits.
    """
    if "ffnn_studio.engine.training.session" in sys.modules:
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            from ffnn_studio.core.forward import prepare_blas_control
            from ffnn_studio.engine.quiet import import_tensorflow

            import_tensorflow()
            prepare_blas_control()
            import ffnn_studio.engine.training.session  # noqa: F401  (last: it marks the import done)
        except BaseException as exc:  # re-raised on the waiting thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="tensorflow-import", daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _warm_up_imports() -> None:
    """Import the engine, then do TensorFlow's one-time set-up with a tiny run."""
    _import_engine()
    from ffnn_studio.engine.training.session import warm_up_engine

    warm_up_engine()
    from ffnn_studio.engine.devices import visible_devices

    visible_devices()  # asked here, off the GUI thread: the status bar and About show them


def _session_key(project: Project, base_dir: Path | None) -> tuple[Any, ...]:
    """What must be unchanged for "train more" to continue the last session."""
    # The epoch count is the only training setting that may change between segments;
    # a different optimizer, loss, batch size or split needs a fresh session.
    return (project.network, project.data, replace(project.training, epochs=0), base_dir)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StudioError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass
class _Job:
    """One Train request; shared by the GUI thread (flags) and the worker (session)."""

    project: Project
    base_dir: Path | None
    epochs: int | None
    continue_run: bool
    #: Write the run for TensorBoard into a new folder under this one (None: not).
    tensorboard_dir: Path | None = None
    stop_requested: bool = False
    pause_requested: bool = False
    session: RunnableSession | None = None
    #: Weights a fresh session starts from (``engine.model_import.LoadedWeights``), or None.
    initial_weights: Any = None


class _Worker(QObject):
    """Lives on the worker thread; is the session's sink."""

    #: Reports are waiting in the mailbox (posted once until the GUI takes them).
    reportsReady = Signal()
    runFailed = Signal(str)
    sessionCreated = Signal(object, object)
    #: A session was built ahead of Train (its program compiles on its own thread).
    aheadBuilt = Signal(object)
    warmedUp = Signal()
    weightsReset = Signal(bool)
    #: A session was built from an opened model's weights, without training: (session, prepared, weights).
    modelLoaded = Signal(object, object, object)
    loadFailed = Signal(str)

    def __init__(
        self,
        lock: threading.Lock,
        prepare_data: DataPreparer,
        session_factory: SessionFactory,
        warm_up: Callable[[], None],
    ) -> None:
        super().__init__()
        self._lock = lock
        self._prepare_data = prepare_data
        self._session_factory = session_factory
        self._warm_up = warm_up
        self._warmed = False
        self._job: _Job | None = None
        # Owned by the worker thread; the controller gets copies through sessionCreated.
        self._session: RunnableSession | None = None
        self._prepared: Any = None
        self._key: tuple[Any, ...] | None = None
        #: The opened model's weights ``self._session`` was built from, until it first trains.
        self._loaded: Any = None
        #: (key, session, prepared) built for a project before its Train; at most one.
        self._ahead: tuple[tuple[Any, ...], RunnableSession, Any] | None = None
        self._mailbox: list[Report] = []
        self._mailbox_lock = threading.Lock()
        self._wake_posted = False
        #: Set by the GUI thread once it has handled (and painted) a run's start.
        self._gui_caught_up = threading.Event()

    # --- the mailbox -----------------------------------------------------------------

    def _post(self, report: Report) -> None:
        with self._mailbox_lock:
            self._mailbox.append(report)
            wake = not self._wake_posted
            self._wake_posted = True
        if wake:
            self.reportsReady.emit()

    def gui_caught_up(self) -> None:
        """The GUI has handled the last ``started`` report (any thread may call this)."""
        self._gui_caught_up.set()

    def take_reports(self) -> list[Report]:
        """Everything reported since the last call, in order (called from the GUI thread)."""
        with self._mailbox_lock:
            reports, self._mailbox = self._mailbox, []
            self._wake_posted = False
        return reports

    # --- requests from the controller (queued, run on the worker thread) -------------

    @Slot()
    def warm_up(self) -> None:
        if self._warmed:
            return
        try:
            self._warm_up()
        except Exception:
            # Not fatal: Train will raise the real error with a message the user sees.
            log.warning("warm-up failed", exc_info=True)
        self._warmed = True
        self.warmedUp.emit()

    @Slot(object, object, bool)
    def prepare_ahead(self, project: Project, base_dir: Path | None, continue_run: bool) -> None:
        """Build the session a Train of ``project`` would build, and start compiling its
        program, so the Train finds it compiled; nothing if that Train would continue
        the last session or such a session is already waiting."""
        key = _session_key(project, base_dir)
        if (continue_run and key == self._key and self._session is not None) or (
            self._ahead is not None and self._ahead[0] == key
        ):
            return
        self._ahead = None  # one at a time: the document's latest settled project
        try:
            prepared = self._prepare_data(project, base_dir)
            session = self._session_factory(project, prepared, NullSink())
        except Exception:
            # Train reports the problem, with the message the user sees.
            log.debug("building ahead of Train failed", exc_info=True)
            return
        compile_ahead = getattr(session, "compile_ahead", None)
        if compile_ahead is not None:
            compile_ahead()
        self._ahead = (key, session, prepared)
        self.aheadBuilt.emit(session)

    def _take_ahead(self, key: tuple[Any, ...]) -> tuple[RunnableSession, Any] | None:
        """The session built ahead for ``key`` (handed out once), or None."""
        ahead, self._ahead = self._ahead, None
        if ahead is None or ahead[0] != key:
            return None
        return ahead[1], ahead[2]

    @Slot(object, object, object)
    def load_model(self, project: Project, base_dir: Path | None, weights: Any) -> None:
        """Build the session of ``project`` from an opened model's ``weights`` and run nothing:
        the model can be exported, tried and evaluated before any training."""
        try:
            prepared = weights.prepared(self._prepare_data(project, base_dir))
            session = self._session_factory(project, prepared, NullSink())
            weights.apply(session)
        except Exception as exc:
            if not isinstance(exc, StudioError):
                log.error("loading the opened model failed\n%s", traceback.format_exc())
            self.loadFailed.emit(_describe(exc))
            return
        self._session, self._prepared = session, prepared
        self._key, self._loaded = _session_key(project, base_dir), weights
        self.modelLoaded.emit(session, prepared, weights)

    @Slot(object)
    def run_job(self, job: _Job) -> None:
        self._job = job
        try:
            self._run_job(job)
        finally:
            self._job = None

    @Slot()
    def reset_weights(self) -> None:
        if self._session is None:
            self.weightsReset.emit(False)
            return
        try:
            self._session.reset_weights()
            self._loaded = None
        except Exception as exc:
            log.warning("reset_weights failed", exc_info=True)
            self.runFailed.emit(f"Could not reset the weights: {_describe(exc)}")
            self.weightsReset.emit(False)
            return
        self.weightsReset.emit(True)

    def _run_job(self, job: _Job) -> None:
        key = _session_key(job.project, job.base_dir)
        initial = job.initial_weights
        # A session loaded from the same opened model and not trained yet is that model's run.
        reuse = job.continue_run and key == self._key and (initial is None or initial is self._loaded)
        session = self._session if reuse else None
        self._loaded = None  # whichever session trains now, it is no longer just the opened model
        # A session built ahead starts from fresh weights: not the run of an opened model.
        ahead = self._take_ahead(key) if session is None and initial is None else None
        if ahead is not None:
            session, prepared = ahead
            session.project = job.project  # the epoch count may differ
            session.sink = self
            self._session, self._prepared, self._key = session, prepared, key
            self.sessionCreated.emit(session, prepared)
        elif session is None:
            try:
                prepared = self._prepare_data(job.project, job.base_dir)
                if initial is not None:
                    # The opened model's own input scaling, so its weights fit the inputs.
                    prepared = initial.prepared(prepared)
                if job.stop_requested:
                    self._finish_before_start(0)
                    return
                session = self._session_factory(job.project, prepared, self._run_sink(job, prepared))
                if initial is not None:
                    initial.apply(session)
            except Exception as exc:
                if not isinstance(exc, StudioError):
                    log.error("preparing the run failed\n%s", traceback.format_exc())
                self.runFailed.emit(_describe(exc))
                return
            self._session, self._prepared, self._key = session, prepared, key
            self.sessionCreated.emit(session, prepared)
        else:
            # The settings equal the session's but for the epoch count: the new project
            # is the one whose Epochs field this Train runs.
            session.project = job.project
            try:
                session.sink = self._run_sink(job, self._prepared)
            except Exception as exc:
                self.runFailed.emit(_describe(exc))
                return
        with self._lock:
            job.session = session
            stop = job.stop_requested
        if stop:
            self._finish_before_start(session.epochs_completed)
            return
        try:
            session.run(job.epochs)
        except Exception as exc:
            # The session reports its own failures; this is the safety net.
            log.error("training session raised\n%s", traceback.format_exc())
            self.finished(
                RunFinished(FinishReason.FAILED, _describe(exc), session.epochs_completed)
            )

    def _run_sink(self, job: _Job, prepared: Any) -> Any:
        """This worker, or a TensorBoard writer in front of it when the run is to be logged."""
        if job.tensorboard_dir is None:
            return self
        from ffnn_studio.engine.tensorboard import TensorBoardSink

        return TensorBoardSink(job.tensorboard_dir, job.project, prepared, self)

    def _finish_before_start(self, epochs_completed: int) -> None:
        self.finished(RunFinished(FinishReason.STOPPED, "Stopped before training started.", epochs_completed))

    # --- the sink protocol (called by the session on this thread) --------------------

    def run_started(self, info: RunStarted) -> None:
        # Cleared before the flags are read: a stop() from here on releases the wait.
        self._gui_caught_up.clear()
        job = self._job
        stop = False
        if job is not None:
            # Flags set while the data loaded: the session may clear its flags when
            # run() begins, so apply them again from inside the run.
            with self._lock:
                stop, pause = job.stop_requested, job.pause_requested
            session = job.session
            if session is not None and stop:
                session.stop()
            elif session is not None and pause:
                session.pause()
        self._post(info)
        if not stop and info.compiling:
            # The session traces its graph next: give the GUI its turn first. A run
            # that starts on the quick path (numpy) or on a program compiled ahead
            # traces nothing: the GUI's work on ``started`` overlaps its first chunk
            # (the first epoch then reaches the plots ~60 ms sooner).
            self._gui_caught_up.wait(START_HANDSHAKE_S)

    def chunk(self, report: ChunkReport) -> None:
        self._post(report)

    def compiling(self) -> None:
        # The session traces next, as at a run's start: the GUI takes its turn with
        # the reports posted so far first (it answers once it has handled them).
        self._gui_caught_up.clear()
        job = self._job
        with self._lock:
            stopping = job is not None and job.stop_requested
        if not stopping:
            self._post(_CATCH_UP)
            self._gui_caught_up.wait(START_HANDSHAKE_S)

    def finished(self, report: RunFinished) -> None:
        self._post(report)


class TrainingController(QObject):
    """Starts, pauses, resumes and stops training runs; re-emits their reports in the GUI thread.

    States: ``idle`` → ``preparing`` (data, model) → ``running`` ⇄ ``paused``
    → ``stopping`` → ``idle``. ``failed`` carries problems before a run starts
    (a ``StudioError``'s message); a run that fails ends with ``finished``
    and reason ``"failed"``. Either way the controller returns to ``idle``.

    ``load_model`` builds, while ``idle``, the session of a model opened from a
    file (``modelLoaded`` or ``loadFailed`` follows; ``busy`` meanwhile): it
    holds those weights untrained (``loaded_from``) until it trains or is reset.
    """

    #: The new ``RunState`` (a ``str`` enum).
    stateChanged = Signal(object)
    started = Signal(object)
    #: One ``ChunkReport`` per delivery: the chunks reported since the last one,
    #: merged (all their epoch ends and probes in order, the latest progress and
    #: weights). Views pay one call per delivery, not one per epoch (hundreds a
    #: second on a small data set).
    reported = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    #: TensorFlow and the engine are imported (after ``warm_up()`` or the first run).
    warmedUp = Signal()
    #: ``reset_weights()`` is done; True if there was a session to reset.
    weightsReset = Signal(bool)
    #: ``prepare_ahead`` built a session (its program may still be compiling).
    aheadBuilt = Signal(object)
    #: ``load_model`` built the session from an opened model's weights (``LoadedWeights``), untrained.
    modelLoaded = Signal(object)
    #: ``load_model`` could not build the session (the message says why).
    loadFailed = Signal(str)

    _jobRequested = Signal(object)
    _warmUpRequested = Signal()
    _resetRequested = Signal()
    _aheadRequested = Signal(object, object, bool)
    _loadRequested = Signal(object, object, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        prepare_data: DataPreparer | None = None,
        session_factory: SessionFactory | None = None,
        warm_up: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingController")
        self._lock = threading.Lock()
        self._state = RunState.IDLE
        self._job: _Job | None = None
        self._session: RunnableSession | None = None
        self._prepared: Any = None
        self._resetting = False
        self._loading = False
        #: The opened model's weights the session holds, until it trains or is reset.
        self._loaded: Any = None
        self._closed = False
        self._thread: QThread | None = None
        self._companions: list[TrainingController] = []
        #: Runs started from now on are written for TensorBoard under this folder (None: not).
        self.tensorboard_dir: Path | None = None
        self._last_delivery = -math.inf
        self._delivery_timer = QTimer(self)
        self._delivery_timer.setSingleShot(True)
        self._delivery_timer.timeout.connect(self._deliver_reports)
        self._worker = _Worker(
            self._lock,
            prepare_data or prepare_project_data,
            session_factory or create_training_session,
            warm_up or _warm_up_imports,
        )
        queued = Qt.ConnectionType.QueuedConnection
        w = self._worker
        self._jobRequested.connect(w.run_job, queued)
        self._warmUpRequested.connect(w.warm_up, queued)
        self._resetRequested.connect(w.reset_weights, queued)
        self._aheadRequested.connect(w.prepare_ahead, queued)
        self._loadRequested.connect(w.load_model, queued)
        w.modelLoaded.connect(self._on_model_loaded, queued)
        w.loadFailed.connect(self._on_load_failed, queued)
        w.aheadBuilt.connect(self.aheadBuilt, queued)
        w.reportsReady.connect(self._on_reports_ready, queued)
        w.runFailed.connect(self._on_failed, queued)
        w.sessionCreated.connect(self._on_session_created, queued)
        w.warmedUp.connect(self.warmedUp, queued)
        w.weightsReset.connect(self._on_weights_reset, queued)

    # --- properties ------------------------------------------------------------------

    @property
    def state(self) -> RunState:
        return self._state

    @property
    def session(self) -> Any:  # the factory's session: a TrainingSession in the window
        """The last ``TrainingSession`` (kept after its run for inspection), or None."""
        return self._session

    @property
    def last_prepared(self) -> Any:
        """The ``PreparedData`` the last session trains on, or None."""
        return self._prepared

    @property
    def busy(self) -> bool:
        return self._state != IDLE or self._resetting or self._loading

    @property
    def loaded_from(self) -> str | None:
        """The file the session's weights were opened from while it has not trained, or None."""
        return None if self._loaded is None else str(self._loaded.source)

    @property
    def has_model(self) -> bool:
        """True when the session holds weights worth using: trained here, or opened from a file."""
        session = self._session
        if session is None:
            return False
        return self._loaded is not None or int(getattr(session, "epochs_completed", 0)) > 0

    def companion(
        self, parent: QObject | None = None, prepare_data: DataPreparer | None = None
    ) -> TrainingController:
        """Another controller, on its own thread, that prepares and trains the way this one does.

        Runs that must not replace this controller's session (a comparison's
        variants, cross-validation's folds) train there, so the views following
        this one keep its run. ``prepare_data`` replaces how its runs get their data.
        """
        w = self._worker
        other = TrainingController(
            parent if parent is not None else self,
            prepare_data=prepare_data or w._prepare_data,
            session_factory=w._session_factory,
            warm_up=w._warm_up,
        )
        self._companions.append(other)  # shut down with this one
        return other

    # --- commands --------------------------------------------------------------------

    def warm_up(self) -> None:
        """Import TensorFlow and the engine in the background so the first Train is quick."""
        if self._closed:
            return
        self._ensure_thread()
        self._warmUpRequested.emit()

    def start(
        self,
        project: Project,
        base_dir: Path | None,
        epochs: int | None = None,
        continue_run: bool = False,
        initial_weights: Any = None,
    ) -> bool:
        """Train ``project`` on the worker thread; False if a run is already going.

        ``epochs`` None means the project's epoch count. ``continue_run`` trains
        the last session further (same weights, optimizer state and epoch
        numbering) when the network, data and training settings other than the
        epoch count are unchanged; otherwise a fresh session starts.
        ``initial_weights`` (``engine.model_import.LoadedWeights``) starts a fresh
        session from an opened model's weights.
        """
        # A load under way is not in the way: the worker handles it first, and a run
        # from the same opened model then trains the loaded session further.
        if self._state != IDLE or self._resetting or self._closed:
            return False
        self._ensure_thread()
        self._job = _Job(
            project, base_dir, epochs, continue_run, self.tensorboard_dir,
            initial_weights=initial_weights,
        )
        self._set_state(PREPARING)
        self._jobRequested.emit(self._job)
        return True

    def load_model(self, project: Project, base_dir: Path | None, weights: Any) -> bool:
        """Build, on the worker thread and without training, the session of ``project``
        starting from an opened model's ``weights`` (``engine.model_import.LoadedWeights``);
        ``modelLoaded`` or ``loadFailed`` follows. False if a run is going."""
        if self.busy or self._closed:
            return False
        self._ensure_thread()
        self._loading = True
        self._loadRequested.emit(project, base_dir, weights)
        return True

    def prepare_ahead(self, project: Project, base_dir: Path | None, continue_run: bool = True) -> bool:
        """Build, between runs, the session that ``start`` with these arguments would
        build, and compile its program in the background; False if a run is going."""
        if self.busy or self._closed:
            return False
        self._ensure_thread()
        self._aheadRequested.emit(project, base_dir, continue_run)
        return True

    def pause(self) -> None:
        job = self._job
        if job is None or self._state not in (PREPARING, RUNNING):
            return
        with self._lock:
            job.pause_requested = True
            session = job.session
        if session is not None:
            session.pause()
        if self._state == RUNNING:
            self._set_state(PAUSED)

    def resume(self) -> None:
        job = self._job
        if job is None or self._state not in (PREPARING, PAUSED):
            return
        with self._lock:
            job.pause_requested = False
            session = job.session
        if session is not None:
            session.resume()
        if self._state == PAUSED:
            self._set_state(RUNNING)

    def stop(self) -> None:
        """Ask the run to end; it keeps the weights trained so far. ``finished`` follows."""
        job = self._job
        if job is None or self._state == STOPPING:
            return
        with self._lock:
            job.stop_requested = True
            session = job.session
        if session is not None:
            session.stop()
        self._worker.gui_caught_up()  # a run waiting for the GUI should stop at once
        self._set_state(STOPPING)

    def reset_weights(self) -> None:
        """Re-initialise the last session's weights and optimizer (between runs only)."""
        if self.busy or self._closed or self._session is None:
            return
        self._resetting = True
        self._resetRequested.emit()

    def shutdown(self) -> None:
        """Stop any run, end the worker thread and wait for it (call from closeEvent).

        Final: the controller starts no run afterwards.
        """
        self._closed = True
        self.stop()
        for other in self._companions:
            other.shutdown()
        thread = self._thread
        if thread is None:
            return
        thread.quit()
        # A QThread destroyed while running aborts the process: wait however long
        # the session takes to notice the stop (< 0.5 s) or an import to end.
        thread.wait()
        self._thread = None
        self._job = None
        self._resetting = False
        self._loading = False
        self._set_state(IDLE)

    # --- worker thread ---------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        thread = QThread(self)
        thread.setObjectName("ffnnTrainingThread")
        self._worker.moveToThread(thread)
        self._thread = thread
        app = QCoreApplication.instance()
        if app is not None:
            # Safety net: a window that forgets shutdown() must not abort on exit.
            app.aboutToQuit.connect(self.shutdown)
        thread.start()

    # --- reports from the worker (queued: these run in the GUI thread) ---------------

    def _set_state(self, state: RunState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

    @Slot(object, object)
    def _on_session_created(self, session: Any, prepared: Any) -> None:
        self._session, self._prepared = session, prepared
        self._loaded = None

    @Slot(object, object, object)
    def _on_model_loaded(self, session: Any, prepared: Any, weights: Any) -> None:
        self._loading = False
        self._session, self._prepared, self._loaded = session, prepared, weights
        self.modelLoaded.emit(weights)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self._loading = False
        self.loadFailed.emit(message)

    @Slot()
    def _on_reports_ready(self) -> None:
        wait = self._last_delivery + BATCH_INTERVAL_S - time.monotonic()
        if wait > 0:
            if not self._delivery_timer.isActive():
                self._delivery_timer.start(math.ceil(wait * 1000))
        else:
            self._deliver_reports()

    @Slot()
    def _deliver_reports(self) -> None:
        """Hand the worker's reports, in order, to their handlers; consecutive chunks go out as one."""
        self._last_delivery = time.monotonic()
        chunks: list[ChunkReport] = []
        for report in self._worker.take_reports():
            if type(report) is ChunkReport:
                chunks.append(report)
                continue
            if chunks:  # a run's reports never go out with the next run's
                self._on_chunks(chunks)
                chunks = []
            handler = self._HANDLERS.get(type(report))
            if handler is None:
                raise TypeError(f"unknown report type {type(report).__name__}")
            handler(self, report)
        if chunks:
            self._on_chunks(chunks)

    def _on_chunks(self, chunks: list[ChunkReport]) -> None:
        self.reported.emit(ChunkReport.merge(chunks))

    def _on_started(self, info: RunStarted) -> None:
        self._loaded = None  # the session trains here now
        if self._state == PREPARING:
            job = self._job
            self._set_state(PAUSED if job is not None and job.pause_requested else RUNNING)
        self.started.emit(info)
        # Low priority: delivered after the repaint that the handlers asked for.
        QCoreApplication.postEvent(self, QEvent(_CAUGHT_UP_EVENT), Qt.EventPriority.LowEventPriority.value)

    def _on_catch_up(self, _marker: CatchUp) -> None:
        QCoreApplication.postEvent(self, QEvent(_CAUGHT_UP_EVENT), Qt.EventPriority.LowEventPriority.value)

    def customEvent(self, event: QEvent) -> None:
        if event.type() == _CAUGHT_UP_EVENT:
            self._worker.gui_caught_up()
        else:
            super().customEvent(event)

    def _on_finished(self, report: RunFinished) -> None:
        self._job = None
        self._set_state(IDLE)
        self.finished.emit(report)

    #: The mailbox's other report types and their handlers (chunks are merged first).
    _HANDLERS: ClassVar[dict[type, Callable[[TrainingController, Any], None]]] = {
        RunStarted: _on_started,
        RunFinished: _on_finished,
        CatchUp: _on_catch_up,
    }

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._resetting:
            self._job = None
            self._set_state(IDLE)
        self.failed.emit(message)

    @Slot(bool)
    def _on_weights_reset(self, done: bool) -> None:
        self._resetting = False
        if done:
            self._loaded = None
        self.weightsReset.emit(done)
