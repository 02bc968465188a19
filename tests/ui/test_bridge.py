"""The thread bridge, with a fake training session (no TensorFlow) and one real run."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtWidgets import QWidget

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    LayerInfo,
    LayerProbe,
    ProbeReport,
    Progress,
    RunFinished,
    RunStarted,
)
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.ui.run import bridge
from ffnn_studio.ui.run.bridge import TrainingController

FAKE_LAYERS = (LayerInfo(0, "dense_1", 8, "relu"), LayerInfo(None, "output", 1, "sigmoid"))


class FakeSession:
    """Follows the TrainingSession contract; reports from whatever thread calls ``run``.

    ``hold_after_epoch`` makes ``run`` wait after that epoch until ``release()``
    or ``stop()``, so a test can act while a run is certainly in progress.
    Like a real session may, ``run`` clears a stop requested before it began.
    """

    def __init__(
        self,
        project: Project,
        data: Any,
        sink: Any,
        *,
        steps: int = 3,
        hold_after_epoch: int | None = None,
        raise_in_run: Exception | None = None,
        fail_report: bool = False,
    ) -> None:
        self.project, self.data, self.sink = project, data, sink
        self.steps = steps
        self.hold_after_epoch = hold_after_epoch
        self.raise_in_run = raise_in_run
        self.fail_report = fail_report
        self.epochs_completed = 0
        self.running = False
        self.run_calls: list[int | None] = []
        self.run_threads: list[int] = []
        self.reset_calls = 0
        self.reset_threads: list[int] = []
        self.calls: list[str] = []
        self._cv = threading.Condition()
        self._stop = False
        self._paused = False
        self._held = False

    # --- flags (thread-safe) ---
    def stop(self) -> None:
        self.calls.append("stop")
        with self._cv:
            self._stop = True
            self._cv.notify_all()

    def pause(self) -> None:
        self.calls.append("pause")
        with self._cv:
            self._paused = True
            self._cv.notify_all()

    def resume(self) -> None:
        self.calls.append("resume")
        with self._cv:
            self._paused = False
            self._cv.notify_all()

    def release(self) -> None:
        with self._cv:
            self._held = False
            self._cv.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    def reset_weights(self) -> None:
        self.reset_calls += 1
        self.reset_threads.append(threading.get_ident())
        self.epochs_completed = 0

    def _block(self) -> None:
        with self._cv:
            self._cv.wait_for(lambda: self._stop or not (self._paused or self._held))

    def run(self, epochs: int | None = None) -> RunFinished:
        self.run_calls.append(epochs)
        self.run_threads.append(threading.get_ident())
        with self._cv:
            self._stop = False
        if self.raise_in_run is not None:
            raise self.raise_in_run
        epochs = epochs if epochs is not None else self.project.training.epochs
        start = self.epochs_completed
        self.running = True
        self.sink.run_started(
            RunStarted(
                "fake", 33, FAKE_LAYERS, epochs, self.steps, 80, 20, "binary", "accuracy", start
            )
        )
        reason = "completed"
        step = 0
        try:
            for epoch in range(start, start + epochs):
                for s in range(self.steps):
                    self._block()
                    if self._stop:
                        reason = "stopped"
                        break
                    step += 1
                    frac = (s + 1) / self.steps
                    progress = Progress(step, epoch, frac, 0.5, 1000.0, 0.01 * step)
                    layers = tuple(LayerProbe(1.0 + epoch, 0.1 / (i + 1), 0.01) for i in range(2))
                    probe = ProbeReport(step, epoch + frac, layers)
                    if s + 1 < self.steps:  # one chunk a step; the epoch's last one reports its end
                        self.sink.chunk(ChunkReport(probes=(probe,), progress=progress))
                if reason == "stopped":
                    break
                self.epochs_completed = epoch + 1
                end = EpochEnd(epoch + 1, 0.5, 0.6, 0.7, 0.65, 0.001, 0.1)
                self.sink.chunk(ChunkReport((end,), (probe,), progress))
                if self.hold_after_epoch == epoch + 1:
                    with self._cv:
                        self._held = True
                    self._block()
                if self.fail_report:
                    reason = "failed"
                    break
        finally:
            self.running = False
        result = RunFinished(reason, "boom" if reason == "failed" else "", self.epochs_completed)
        self.sink.finished(result)
        return result


class Factory:
    """A session factory that records the sessions it made."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.sessions: list[FakeSession] = []
        self.threads: list[int] = []

    def __call__(self, project: Project, prepared: Any, sink: Any) -> FakeSession:
        self.threads.append(threading.get_ident())
        session = FakeSession(project, prepared, sink, **self.kwargs)
        self.sessions.append(session)
        return session


def fake_prepare(project: Project, base_dir: Path | None) -> Any:
    return ("prepared", project.data)


def tiny_project(epochs: int = 3) -> Project:
    return Project(
        name="tiny",
        network=NetworkSpec((DenseLayer(8),)),
        data=BuiltinDataSource("xor", {"n_samples": 200}),
        training=TrainingSettings(epochs=epochs, batch_size=32),
    )


@pytest.fixture
def make_controller(qtbot):
    made: list[TrainingController] = []

    def make(**kwargs: Any) -> TrainingController:
        kwargs.setdefault("prepare_data", fake_prepare)
        controller = TrainingController(**kwargs)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


class Recorder:
    """Records a controller's signals with the thread each arrived in."""

    def __init__(self, controller: TrainingController) -> None:
        self.states: list[str] = []
        self.events: list[tuple[str, Any]] = []
        self.threads: set[QThread] = set()
        controller.stateChanged.connect(lambda s: self._add("state", s))
        for name in ("started", "reported", "finished", "failed"):
            getattr(controller, name).connect(lambda value, n=name: self._add(n, value))

    def _add(self, name: str, value: Any) -> None:
        self.threads.add(QThread.currentThread())
        if name == "state":
            self.states.append(value)
        self.events.append((name, value))

    def of(self, name: str) -> list[Any]:
        return [v for n, v in self.events if n == name]

    def epochs(self) -> list[EpochEnd]:
        return [e for r in self.of("reported") for e in r.epochs]

    def probes(self) -> list[ProbeReport]:
        return [p for r in self.of("reported") for p in r.probes]

    def progress(self) -> list[Progress]:
        return [r.progress for r in self.of("reported") if r.progress is not None]


def has_epochs(report: ChunkReport) -> bool:
    return bool(report.epochs)


def test_run_reports_arrive_in_gui_thread_in_order(qtbot, make_controller):
    factory = Factory()
    controller = make_controller(session_factory=factory)
    rec = Recorder(controller)
    assert controller.state == "idle"
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        assert controller.start(tiny_project(epochs=3), None)
        assert controller.state == "preparing"
    assert blocker.args[0].reason == "completed"
    assert rec.states == ["preparing", "running", "idle"]
    assert controller.state == "idle"
    gui = QCoreApplication.instance().thread()
    assert rec.threads == {gui}
    # The session was built and run on the worker thread, not the GUI thread.
    session = factory.sessions[0]
    assert factory.threads[0] != threading.get_ident()
    assert session.run_threads == [factory.threads[0]]
    assert controller.session is session
    assert controller.last_prepared == ("prepared", tiny_project().data)
    assert [e.epoch for e in rec.epochs()] == [1, 2, 3]
    assert [p.step for p in rec.probes()] == list(range(1, 10))
    # A delivery carries the latest progress of the chunks it merges.
    steps = [p.step for p in rec.progress()]
    assert steps[-1] == 9 and steps == sorted(set(steps))
    names = [n for n, _ in rec.events if n != "state"]
    assert names[0] == "started"
    assert names[-1] == "finished"


def test_fast_epochs_arrive_in_a_few_batches_in_order(qtbot, make_controller):
    factory = Factory(steps=1)
    controller = make_controller(session_factory=factory)
    batches: list[int] = []
    take = controller._worker.take_reports

    def counting_take():
        reports = take()
        batches.append(len(reports))
        return reports

    controller._worker.take_reports = counting_take
    epoch_batches: list[tuple[int, ...]] = []
    probe_batches: list[tuple[int, ...]] = []
    controller.reported.connect(lambda r: epoch_batches.append(tuple(e.epoch for e in r.epochs)))
    controller.reported.connect(lambda r: probe_batches.append(tuple(p.step for p in r.probes)))
    names: list[str] = []
    controller.started.connect(lambda _i: names.append("started"))
    controller.reported.connect(lambda _r: names.append("reported"))
    controller.finished.connect(lambda _r: names.append("finished"))
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(tiny_project(epochs=300), None)
    # 300 chunk reports + start + finish, far fewer deliveries.
    assert sum(batches) == 302
    assert len(batches) < 100
    # One merged report a delivery carries every epoch and probe in order, between
    # the run's start and its finish.
    assert [e for b in epoch_batches for e in b] == list(range(1, 301))
    assert [s for b in probe_batches for s in b] == list(range(1, 301))
    assert len(epoch_batches) <= len(batches) and all(epoch_batches)
    assert names[0] == "started" and names[-1] == "finished"
    assert names.count("reported") == len(epoch_batches) < 100


class _WatchedSink:
    """The worker's sink; calls ``after_started()`` when its ``run_started`` returns."""

    def __init__(self, sink: Any, after_started: Callable[[], None], compiling: bool = True) -> None:
        self._sink, self._after_started, self._compiling = sink, after_started, compiling

    def run_started(self, info: RunStarted) -> None:
        # As a session whose first steps trace and compile its program says it.
        self._sink.run_started(replace(info, compiling=self._compiling))
        self._after_started()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sink, name)


class _PaintLog(QWidget):
    def __init__(self, gui_log: list[str]) -> None:
        super().__init__()
        self.gui_log = gui_log

    def paintEvent(self, event: Any) -> None:
        if self.gui_log:
            self.gui_log.append("paint")


def test_training_waits_until_the_gui_has_handled_and_painted_the_start(qtbot, make_controller, monkeypatch):
    monkeypatch.setattr(bridge, "START_HANDSHAKE_S", 30.0)
    gui_log: list[str] = []
    seen: list[tuple[str, ...]] = []
    widget = _PaintLog(gui_log)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)

    def factory(project: Project, prepared: Any, sink: Any) -> FakeSession:
        # What the GUI had done by the time the session goes on to trace.
        return FakeSession(project, prepared, _WatchedSink(sink, lambda: seen.append(tuple(gui_log))))

    controller = make_controller(session_factory=factory)

    def on_started(_info: object) -> None:
        gui_log.append("started")
        widget.update()

    controller.started.connect(on_started)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(tiny_project(epochs=2), None)
    assert seen == [("started", "paint")]


def _goes_on_while_the_gui_is_busy(qtbot, make_controller, monkeypatch, handshake_s: float, compiling: bool):
    """Start a fake run whose GUI ``started`` handler blocks until the session has gone
    on past ``run_started``; whether it did (and the run completed)."""
    monkeypatch.setattr(bridge, "START_HANDSHAKE_S", handshake_s)
    went_on = threading.Event()

    def factory(project: Project, prepared: Any, sink: Any) -> FakeSession:
        return FakeSession(project, prepared, _WatchedSink(sink, went_on.set, compiling=compiling))

    controller = make_controller(session_factory=factory)
    waited: list[bool] = []
    controller.started.connect(lambda _info: waited.append(went_on.wait(10)))
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        controller.start(tiny_project(epochs=2), None)
    return waited == [True] and blocker.args[0].reason == "completed"


def test_a_run_that_traces_nothing_at_its_start_does_not_wait_for_the_gui(qtbot, make_controller, monkeypatch):
    """The quick path or a program compiled ahead: the GUI's start work overlaps the
    first chunk instead of holding it back (the first epoch reaches the plots sooner)."""
    assert _goes_on_while_the_gui_is_busy(qtbot, make_controller, monkeypatch, 30.0, compiling=False)


def test_training_goes_on_when_the_gui_does_not_catch_up(qtbot, make_controller, monkeypatch):
    # The GUI thread is busy (here: blocked) while a run that compiles starts; the worker goes on.
    assert _goes_on_while_the_gui_is_busy(qtbot, make_controller, monkeypatch, 0.2, compiling=True)


def test_epochs_argument_overrides_the_project(qtbot, make_controller):
    factory = Factory()
    controller = make_controller(session_factory=factory)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(tiny_project(epochs=3), None, epochs=1)
    assert factory.sessions[0].run_calls == [1]
    assert factory.sessions[0].epochs_completed == 1


def test_pause_resume_stop_are_forwarded(qtbot, make_controller):
    factory = Factory(hold_after_epoch=1)
    controller = make_controller(session_factory=factory)
    rec = Recorder(controller)
    with qtbot.waitSignal(controller.reported, timeout=10_000, check_params_cb=has_epochs):
        controller.start(tiny_project(epochs=5), None)
    session = factory.sessions[0]
    assert controller.state == "running"

    controller.pause()
    assert controller.state == "paused"
    assert session.paused
    controller.resume()
    assert controller.state == "running"
    assert not session.paused
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        controller.stop()
        assert controller.state == "stopping"
    assert blocker.args[0].reason == "stopped"
    assert blocker.args[0].epochs_completed == 1
    assert session.calls == ["pause", "resume", "stop"]
    assert rec.states == ["preparing", "running", "paused", "running", "stopping", "idle"]
    assert controller.state == "idle"


def test_start_while_busy_is_refused(qtbot, make_controller):
    factory = Factory(hold_after_epoch=1)
    controller = make_controller(session_factory=factory)
    with qtbot.waitSignal(controller.reported, timeout=10_000, check_params_cb=has_epochs):
        assert controller.start(tiny_project(), None)
    assert not controller.start(tiny_project(), None)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.stop()
    assert len(factory.sessions) == 1


def test_stop_while_preparing_never_trains(qtbot, make_controller):
    loading = threading.Event()
    release = threading.Event()

    def slow_prepare(project: Project, base_dir: Path | None) -> Any:
        loading.set()
        release.wait(10)
        return "prepared"

    factory = Factory()
    controller = make_controller(prepare_data=slow_prepare, session_factory=factory)
    rec = Recorder(controller)
    controller.start(tiny_project(), None)
    assert loading.wait(10)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        controller.stop()
        assert controller.state == "stopping"
        release.set()
    assert blocker.args[0].reason == "stopped"
    assert factory.sessions == []
    assert rec.of("started") == []
    assert controller.state == "idle"


def test_stop_between_session_creation_and_run_is_not_lost(qtbot, make_controller):
    """A session clears its flags when run() begins; the bridge re-applies the stop."""
    created = threading.Event()
    go_on = threading.Event()

    class SlowFactory(Factory):
        def __call__(self, project, prepared, sink):
            session = super().__call__(project, prepared, sink)
            created.set()
            go_on.wait(10)
            return session

    factory = SlowFactory(hold_after_epoch=1)
    controller = make_controller(session_factory=factory)
    controller.start(tiny_project(epochs=5), None)
    assert created.wait(10)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        controller.stop()
        go_on.set()
    assert blocker.args[0].reason == "stopped"
    assert factory.sessions[0].epochs_completed == 0


def test_pause_requested_while_preparing_applies_when_the_run_starts(qtbot, make_controller):
    loading = threading.Event()
    release = threading.Event()

    def slow_prepare(project: Project, base_dir: Path | None) -> Any:
        loading.set()
        release.wait(10)
        return "prepared"

    factory = Factory()
    controller = make_controller(prepare_data=slow_prepare, session_factory=factory)
    controller.start(tiny_project(epochs=5), None)
    assert loading.wait(10)
    controller.pause()
    with qtbot.waitSignal(controller.started, timeout=10_000):
        release.set()
    assert controller.state == "paused"
    session = factory.sessions[0]
    assert session.paused
    assert session.epochs_completed == 0
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.resume()
    assert session.epochs_completed == 5


def test_shutdown_during_a_run_ends_the_thread(qtbot, make_controller):
    factory = Factory(hold_after_epoch=1)
    controller = make_controller(session_factory=factory)
    with qtbot.waitSignal(controller.reported, timeout=10_000, check_params_cb=has_epochs):
        controller.start(tiny_project(epochs=50), None)
    thread = controller._thread
    assert thread is not None and thread.isRunning()
    controller.shutdown()
    assert thread.isFinished()
    assert factory.sessions[0].calls == ["stop"]
    assert factory.sessions[0].epochs_completed == 1
    assert controller.state == "idle"
    # Final: no new runs after shutdown.
    assert not controller.start(tiny_project(), None)


def test_shutdown_without_a_thread_is_harmless(make_controller):
    controller = make_controller()
    controller.shutdown()
    controller.shutdown()
    assert controller.state == "idle"


def test_user_error_while_loading_emits_failed_and_returns_to_idle(qtbot, make_controller):
    def bad_prepare(project: Project, base_dir: Path | None) -> Any:
        raise StudioError("column 'age' has 3 non-numeric values", where="data.csv")

    factory = Factory()
    controller = make_controller(prepare_data=bad_prepare, session_factory=factory)
    rec = Recorder(controller)
    with qtbot.waitSignal(controller.failed, timeout=10_000) as blocker:
        controller.start(tiny_project(), None)
    assert blocker.args == ["data.csv: column 'age' has 3 non-numeric values"]
    assert controller.state == "idle"
    assert rec.states == ["preparing", "idle"]
    assert rec.of("finished") == []


def test_bug_while_building_emits_failed_then_a_new_run_works(qtbot, make_controller):
    calls: list[int] = []

    def flaky_factory(project: Project, prepared: Any, sink: Any) -> FakeSession:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("no such layer")
        return FakeSession(project, prepared, sink)

    controller = make_controller(session_factory=flaky_factory)
    with qtbot.waitSignal(controller.failed, timeout=10_000) as blocker:
        controller.start(tiny_project(), None)
    assert blocker.args == ["ValueError: no such layer"]
    assert controller.state == "idle"
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        assert controller.start(tiny_project(), None)
    assert blocker.args[0].reason == "completed"


def test_exception_escaping_the_session_becomes_a_failed_finish(qtbot, make_controller):
    controller = make_controller(session_factory=Factory(raise_in_run=RuntimeError("OOM")))
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        controller.start(tiny_project(), None)
    report = blocker.args[0]
    assert report.reason == "failed"
    assert "OOM" in report.message
    assert controller.state == "idle"


def test_session_reporting_failure_returns_to_idle(qtbot, make_controller):
    controller = make_controller(session_factory=Factory(fail_report=True))
    with qtbot.waitSignal(controller.finished, timeout=10_000) as blocker:
        controller.start(tiny_project(), None)
    assert blocker.args[0].reason == "failed"
    assert controller.state == "idle"


def test_continue_run_reuses_the_session_only_when_unchanged(qtbot, make_controller):
    factory = Factory()
    controller = make_controller(session_factory=factory)
    project = tiny_project(epochs=2)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(project, None)
    with qtbot.waitSignal(controller.started, timeout=10_000) as started:
        controller.start(
            replace(project, training=replace(project.training, epochs=7)),
            None,
            epochs=3,
            continue_run=True,
        )
    assert started.args[0].start_epoch == 2
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=10_000)
    assert len(factory.sessions) == 1
    assert factory.sessions[0].run_calls == [None, 3]
    assert factory.sessions[0].epochs_completed == 5

    # A different network needs a fresh session even when asked to continue.
    changed = replace(project, network=NetworkSpec((DenseLayer(4),)))
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(changed, None, continue_run=True)
    assert len(factory.sessions) == 2
    assert controller.session is factory.sessions[1]
    # Without continue_run, training starts over even if nothing changed.
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(changed, None)
    assert len(factory.sessions) == 3


def test_reset_weights_runs_on_the_worker(qtbot, make_controller):
    factory = Factory()
    controller = make_controller(session_factory=factory)
    with qtbot.assertNotEmitted(controller.weightsReset):
        controller.reset_weights()  # no session yet: nothing to do
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(tiny_project(), None)
    with qtbot.waitSignal(controller.weightsReset, timeout=10_000) as blocker:
        controller.reset_weights()
    assert blocker.args == [True]
    session = factory.sessions[0]
    assert session.reset_calls == 1
    assert session.reset_threads[0] == session.run_threads[0]


def test_warm_up_imports_off_the_gui_thread_and_train_waits_for_it(qtbot, make_controller):
    warm_threads: list[int] = []
    order: list[str] = []

    def warm() -> None:
        warm_threads.append(threading.get_ident())
        order.append("warm")

    class OrderFactory(Factory):
        def __call__(self, project, prepared, sink):
            order.append("session")
            return super().__call__(project, prepared, sink)

    controller = make_controller(warm_up=warm, session_factory=OrderFactory())
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.warm_up()
        controller.warm_up()  # idempotent
        controller.start(tiny_project(), None)
    assert order == ["warm", "session"]
    assert warm_threads and warm_threads[0] != threading.get_ident()


def _real_engine_available() -> bool:
    # find_spec, not import: importing the session would load TensorFlow at collection.
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("ffnn_studio.engine.training.session", "ffnn_studio.data.loading")
    )


@pytest.mark.skipif(
    not _real_engine_available(), reason="engine.session / data layer not there yet"
)
def test_trains_a_tiny_real_project(qtbot, make_controller):
    controller = TrainingController()
    try:
        rec = Recorder(controller)
        with qtbot.waitSignal(controller.finished, timeout=60_000) as blocker:
            controller.start(tiny_project(epochs=3), None)
        report = blocker.args[0]
        assert report.reason == "completed", report.message
        assert report.epochs_completed == 3
        assert [e.epoch for e in rec.epochs()] == [1, 2, 3]
        started = rec.of("started")[0]
        assert [layer.name for layer in started.layers] == ["dense_1", "output"]
        probes = rec.probes()
        assert probes and len(probes[-1].layers) == 2
        # The weights come with the reports: the last delivery's are the trained ones.
        weights = [r.weights for r in rec.of("reported") if r.weights is not None]
        assert weights and len(weights[-1]) == 2
        for (k, b), (k2, b2) in zip(weights[-1], controller.session.weights_snapshot(), strict=True):
            assert (k == k2).all() and (b == b2).all()
        assert rec.threads == {QCoreApplication.instance().thread()}
        assert controller.state == "idle"
        assert controller.last_prepared.n_features == 2
        # "Train 2 more" continues the same session.
        with qtbot.waitSignal(controller.finished, timeout=60_000) as blocker:
            controller.start(tiny_project(epochs=3), None, epochs=2, continue_run=True)
        assert blocker.args[0].epochs_completed == 5
        assert rec.of("started")[-1].start_epoch == 3
    finally:
        controller.shutdown()


_FRESH_SESSIONS_SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from dataclasses import replace
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from ffnn_studio.core.examples import default_project
from ffnn_studio.ui.run import bridge
from ffnn_studio.ui.run.bridge import TrainingController
assert "tensorflow" not in sys.modules
project = default_project()
project = replace(project, data=replace(project.data, params={"n_samples": 100}),
                  training=replace(project.training, epochs=1))
controller = TrainingController()
reasons = []
def next_run(report=None):
    if report is not None:
        reasons.append(report.reason)
    if len(reasons) == 3:
        app.quit()
        return
    seeded = replace(project, training=replace(project.training, seed=len(reasons)))
    QTimer.singleShot(0, lambda: controller.start(seeded, None))
controller.finished.connect(next_run)
next_run()
app.exec()
controller.shutdown()
print("reasons", reasons)
"""


def test_fresh_sessions_one_after_another_do_not_deadlock(tmp_path) -> None:
    """TensorFlow first imported by the worker must not hang the second session it builds."""
    import subprocess
    import sys

    script = tmp_path / "runs.py"
    script.write_text(_FRESH_SESSIONS_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "reasons ['completed', 'completed', 'completed']" in proc.stdout


def test_companion_trains_apart_and_shuts_down_with_its_controller(qtbot, make_controller):
    factory = Factory()
    controller = make_controller(session_factory=factory)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        assert controller.start(tiny_project(epochs=2), None)
    own = controller.session
    other = controller.companion()
    rec = Recorder(controller)
    with qtbot.waitSignal(other.finished, timeout=10_000):
        assert other.start(tiny_project(epochs=1), None)
    # Same session factory and data, another session; the first controller saw nothing.
    assert other.session is factory.sessions[-1] and other.session is not own
    assert other.last_prepared == fake_prepare(tiny_project(), None)
    assert controller.session is own and rec.events == []
    assert other._thread is not None and other._thread is not controller._thread
    thread = other._thread
    controller.shutdown()
    assert other._thread is None and thread.isFinished()
    assert not other.start(tiny_project(epochs=1), None)


def _with_epochs(project: Project, epochs: int) -> Project:
    return replace(project, training=replace(project.training, epochs=epochs))


def test_next_train_runs_the_epochs_field_after_a_run_and_after_a_reset(qtbot, make_controller):
    """What the window does: Train always passes the project (its Epochs field) and continues."""
    factory = Factory()
    controller = make_controller(session_factory=factory)
    project = tiny_project()

    def train(epochs: int) -> tuple[RunStarted, RunFinished]:
        with (
            qtbot.waitSignal(controller.started, timeout=10_000) as started,
            qtbot.waitSignal(controller.finished, timeout=10_000) as finished,
        ):
            assert controller.start(_with_epochs(project, epochs), None, continue_run=True)
        return started.args[0], finished.args[0]

    info, done = train(7)
    assert (info.start_epoch, info.epochs_planned, done.epochs_completed) == (0, 7, 7)
    # After Reset weights: the field's count, from epoch 0.
    with qtbot.waitSignal(controller.weightsReset, timeout=10_000):
        controller.reset_weights()
    info, done = train(5)
    assert (info.start_epoch, info.epochs_planned, done.epochs_completed) == (0, 5, 5)
    # After a finished run: that many more.
    info, done = train(4)
    assert (info.start_epoch, info.epochs_planned, done.epochs_completed) == (5, 4, 9)
    assert len(factory.sessions) == 1


def test_train_after_a_stop_runs_the_epochs_field_from_where_it_stopped(qtbot, make_controller):
    factory = Factory(hold_after_epoch=2)
    controller = make_controller(session_factory=factory)
    project = tiny_project()
    with qtbot.waitSignal(controller.finished, timeout=10_000) as finished:
        assert controller.start(_with_epochs(project, 6), None, continue_run=True)
        qtbot.waitUntil(lambda: bool(factory.sessions) and factory.sessions[0]._held, timeout=10_000)
        controller.stop()
    assert (finished.args[0].reason, finished.args[0].epochs_completed) == ("stopped", 2)
    factory.sessions[0].release()  # the fake's hold outlives its stop
    with (
        qtbot.waitSignal(controller.started, timeout=10_000) as started,
        qtbot.waitSignal(controller.finished, timeout=10_000) as finished,
    ):
        assert controller.start(_with_epochs(project, 3), None, continue_run=True)
    info = started.args[0]
    assert (info.start_epoch, info.epochs_planned, finished.args[0].epochs_completed) == (2, 3, 5)
