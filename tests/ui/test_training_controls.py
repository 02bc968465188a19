"""Training controls: actions enabled by state, commands forwarded, the progress text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    LayerInfo,
    Progress,
    RunFinished,
    RunStarted,
)
from ffnn_studio.ui.live.training_controls import EtaEstimator, TrainingControls, format_clock
from tests.ui.fake_controller import FakeRunController

LAYERS = (LayerInfo(0, "dense_1", 8, "relu"), LayerInfo(None, "output", 1, "sigmoid"))


class FakeController(FakeRunController):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def go(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)

    def pause(self) -> None:
        self.calls.append("pause")
        self.go("paused")

    def resume(self) -> None:
        self.calls.append("resume")
        self.go("running")

    def stop(self) -> None:
        self.calls.append("stop")
        self.go("stopping")

    def reset_weights(self) -> None:
        self.calls.append("reset")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def controls(qtbot):
    widget = TrainingControls()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def attached(controls):
    controller = FakeController()
    controls.attach(controller)
    return controls, controller


def enabled(c: TrainingControls) -> dict[str, bool]:
    return {
        "train": c.train_action.isEnabled(),
        "pause": c.pause_action.isEnabled(),
        "stop": c.stop_action.isEnabled(),
        "reset": c.reset_action.isEnabled(),
    }


def test_format_clock():
    assert format_clock(0) == "0:00"
    assert format_clock(42.4) == "0:42"
    assert format_clock(725) == "12:05"
    assert format_clock(3723) == "1:02:03"
    assert format_clock(-5) == "0:00"


def test_actions_follow_the_state(attached):
    c, controller = attached
    assert enabled(c) == {"train": True, "pause": False, "stop": False, "reset": False}
    controller.go("preparing")
    assert enabled(c) == {"train": False, "pause": False, "stop": True, "reset": False}
    assert c.progress_text() == "Preparing data and model…"
    controller.go("running")
    assert enabled(c) == {"train": False, "pause": True, "stop": True, "reset": False}
    assert c.pause_action.text() == "Pause"
    controller.go("paused")
    assert enabled(c) == {"train": False, "pause": True, "stop": True, "reset": False}
    assert c.pause_action.text() == "Resume"
    assert c.buttons["pause"].accessibleName() == "Resume"
    controller.go("stopping")
    assert enabled(c) == {"train": False, "pause": False, "stop": False, "reset": False}
    controller.session = object()
    controller.go("idle")
    assert enabled(c) == {"train": True, "pause": False, "stop": False, "reset": True}


def test_buttons_trigger_the_controller(attached, qtbot):
    c, controller = attached
    with qtbot.waitSignal(c.trainRequested, timeout=1000):
        qtbot.mouseClick(c.buttons["train"], Qt.MouseButton.LeftButton)
    controller.go("running")
    qtbot.mouseClick(c.buttons["pause"], Qt.MouseButton.LeftButton)
    assert controller.calls == ["pause"]
    assert c.pause_action.text() == "Resume"
    qtbot.mouseClick(c.buttons["pause"], Qt.MouseButton.LeftButton)
    assert controller.calls == ["pause", "resume"]
    c.stop_action.trigger()
    assert controller.calls[-1] == "stop"
    controller.session = object()
    controller.go("idle")
    c.reset_action.trigger()
    assert controller.calls[-1] == "reset"


def test_disabled_actions_do_nothing(attached, qtbot):
    c, controller = attached
    with qtbot.assertNotEmitted(c.trainRequested):
        controller.go("running")
        c.train_action.trigger()
    assert controller.calls == []


def test_shortcuts(controls):
    assert controls.train_action.shortcuts() == [QKeySequence("F5"), QKeySequence("Ctrl+R")]
    assert QKeySequence("Ctrl+.") in controls.stop_action.shortcuts()
    assert controls.pause_action.shortcut() == QKeySequence("F6")
    assert controls.reset_action.shortcut() == QKeySequence("Ctrl+Shift+R")
    # The actions live on the widget, so the shortcuts work without a menu.
    for action in (controls.train_action, controls.stop_action):
        assert action in controls.actions()


def test_f5_requests_training(controls, qtbot):
    controls.activateWindow()
    with qtbot.waitSignal(controls.trainRequested, timeout=1000):
        qtbot.keyClick(controls, Qt.Key.Key_F5)


def test_names_for_tests_and_screen_readers(controls):
    for key in ("train", "pause", "stop", "reset"):
        button = controls.buttons[key]
        assert button.objectName() == f"{key}Button"
        assert button.accessibleName()
    assert controls.progress_bar.objectName() == "trainingProgress"
    assert controls.progress_bar.accessibleName() == "Training progress"
    assert controls.objectName() == "trainingControls"


def ends(first: int, stop: int) -> tuple[EpochEnd, ...]:
    """The epoch ends ``first`` .. ``stop - 1``, as one delivery carries them."""
    return tuple(EpochEnd(e, 0.5, 0.6, 0.6, 0.6, 0.01, 0.01 * e) for e in range(first, stop))


def test_progress_text_with_time_left(attached):
    c, controller = attached
    clock = Clock()
    c._eta = EtaEstimator(clock)
    controller.go("preparing")
    controller.go("running")
    controller.started.emit(RunStarted("s", 10, LAYERS, 100, 10, 320, 80, "binary", "accuracy"))
    assert c.progress_text() == "Epoch 1/100"
    # Half-way through the first epoch after 1 s: ~1 s × 99.5 epochs.
    clock.now += 1.0
    controller.reported.emit(ChunkReport(progress=Progress(5, 0, 0.5, 0.6, 1600.0, 1.0)))
    c.refresh()
    assert c.progress_text() == "Epoch 1/100 · 3:19 left"
    # Epoch times of 0.5 s after the first: the estimate uses those alone.
    clock.now += 1.0
    controller.reported.emit(ChunkReport(epochs=(EpochEnd(1, 0.6, 0.7, 0.5, 0.5, 0.01, 2.0),)))
    for e in range(2, 12):
        clock.now += 0.5
        controller.reported.emit(ChunkReport((EpochEnd(e, 0.5, 0.6, 0.6, 0.6, 0.01, 2.0 + 0.5 * e),)))
    c.refresh()
    assert c.progress_text() == "Epoch 12/100 · 0:44 left"
    assert c.progress_bar.value() == 110

    # Paused time does not count.
    controller.pause()
    assert c.progress_text() == "Paused · Epoch 12/100"
    clock.now += 600.0
    controller.resume()
    clock.now += 0.5
    controller.reported.emit(ChunkReport(epochs=(EpochEnd(12, 0.5, 0.6, 0.6, 0.6, 0.01, 8.5),)))
    c.refresh()
    assert c.progress_text() == "Epoch 13/100 · 0:44 left"

    controller.go("idle")
    controller.finished.emit(RunFinished("completed", "", 100, 53.0))
    assert c.progress_text() == "Done · 100 epochs in 0:53"
    assert c.progress_bar.value() == c.progress_bar.maximum()


def test_the_bar_says_compiling_until_the_first_report_and_the_estimate_leaves_it_out(attached):
    c, controller = attached
    clock = Clock()
    c._eta = EtaEstimator(clock)
    controller.go("preparing")
    controller.go("running")
    controller.started.emit(RunStarted("s", 10, LAYERS, 100, 10, 320, 80, "binary", "accuracy", compiling=True))
    assert c.progress_text() == "Compiling the network…"
    assert c.progress_bar.maximum() == 0  # busy
    clock.now += 30.0  # the compilation
    c.refresh()
    assert c.progress_text() == "Compiling the network…"
    controller.reported.emit(ChunkReport(epochs=(EpochEnd(1, 0.6, 0.7, 0.5, 0.5, 0.01, 30.0),)))
    assert c.progress_bar.maximum() > 0
    for e in range(2, 12):
        clock.now += 0.5
        controller.reported.emit(ChunkReport(epochs=(EpochEnd(e, 0.5, 0.6, 0.6, 0.6, 0.01, 30.0 + 0.5 * e),)))
    c.refresh()
    # 0.5 s an epoch for the 89 left: the 30 s of compiling are not in it.
    assert c.progress_text() == "Epoch 12/100 · 0:44 left"


def test_a_run_that_trains_at_once_never_says_compiling(attached):
    c, controller = attached
    controller.go("running")
    controller.started.emit(RunStarted("s", 10, LAYERS, 100, 10, 320, 80, "binary", "accuracy"))
    assert c.progress_text() == "Epoch 1/100"
    assert c.progress_bar.maximum() > 0


def test_the_bar_follows_reports_at_a_limited_rate(attached, qtbot):
    c, controller = attached
    controller.go("running")
    controller.started.emit(RunStarted("s", 10, LAYERS, 100, 10, 320, 80, "binary", "accuracy"))
    assert c.progress_text() == "Epoch 1/100"
    for first in range(1, 51, 10):  # in batches, as the controller delivers them
        controller.reported.emit(ChunkReport(ends(first, first + 10)))
    # Not redrawn for every report: the bar catches up within PROGRESS_BAR_REFRESH_MS.
    assert c.progress_text() == "Epoch 1/100"
    qtbot.waitUntil(lambda: c.progress_text().startswith("Epoch 51/100"), timeout=2000)
    assert c.progress_bar.value() == 500
    # A finish is shown at once, and a pending refresh does not overwrite it.
    controller.reported.emit(ChunkReport(epochs=(EpochEnd(51, 0.5, 0.6, 0.6, 0.6, 0.01, 0.51),)))
    controller.go("idle")
    controller.finished.emit(RunFinished("stopped", "", 51, 1.0))
    assert c.progress_text() == "Stopped after 51 epochs"
    assert not c._refresh_timer.isActive()
    c.refresh()  # a late refresh is harmless when not running
    assert c.progress_text() == "Stopped after 51 epochs"


def test_continued_run_counts_from_the_earlier_epochs(attached):
    c, controller = attached
    controller.go("running")
    controller.started.emit(
        RunStarted("s", 10, LAYERS, 50, 10, 320, 80, "binary", "accuracy", start_epoch=100)
    )
    assert c.progress_text() == "Epoch 101/150"
    assert c.progress_bar.value() == 667


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("stopped", "Stopped after 7 epochs"),
        ("diverged", "Diverged after 7 epochs"),
        ("failed", "Training failed"),
    ],
)
def test_finish_reasons(attached, reason, text):
    c, controller = attached
    controller.finished.emit(RunFinished(reason, "the loss became NaN", 7, 3.0))
    assert c.progress_text() == text
    assert c.progress_bar.toolTip() == "the loss became NaN"


def test_failure_before_start(attached):
    c, controller = attached
    controller.go("preparing")
    controller.go("idle")
    controller.failed.emit("data.csv: column 'age' has 3 non-numeric values")
    assert c.progress_text() == "Could not start training"
    assert "age" in c.progress_bar.toolTip()
    assert c.train_action.isEnabled()


def test_throughput_signal(attached, qtbot):
    c, controller = attached
    controller.go("running")
    with qtbot.waitSignal(c.throughputChanged, timeout=1000) as blocker:
        controller.reported.emit(ChunkReport(progress=Progress(3, 0, 0.3, 0.6, 12345.5, 0.2)))
    assert blocker.args == [12345.5]


def test_weights_reset_clears_the_bar(attached):
    c, controller = attached
    c.progress_bar.setValue(500)
    controller.session = object()
    controller.weightsReset.emit(True)
    assert c.progress_bar.value() == 0
    assert c.progress_text() == "Weights reset"


def test_eta_needs_something_to_go_by():
    clock = Clock()
    eta = EtaEstimator(clock)
    assert eta.seconds_left() is None
    eta.start(0, 10)
    assert eta.seconds_left() is None
    eta.at(0.01)
    assert eta.seconds_left() is None  # too little done to extrapolate
    clock.now += 2.0
    eta.epoch_done(1)
    assert eta.seconds_left() == pytest.approx(18.0)
    eta.epoch_done(1)  # repeated reports are ignored
    assert eta.seconds_left() == pytest.approx(18.0)


def test_with_the_real_controller(qtbot):
    from ffnn_studio.ui.run.bridge import TrainingController

    controller = TrainingController()
    try:
        controls = TrainingControls()
        qtbot.addWidget(controls)
        controls.attach(controller)
        assert enabled(controls)["train"]
        assert controls.state == "idle"
    finally:
        controller.shutdown()


def test_paused_text_follows_the_run_to_where_it_pauses(attached, qtbot):
    """The session pauses at the end of its chunk: the text follows, and Stop ends there."""
    c, controller = attached
    controller.go("running")
    controller.started.emit(RunStarted("s", 10, LAYERS, 100, 10, 320, 80, "binary", "accuracy"))
    controller.reported.emit(ChunkReport(ends(1, 12)))
    controller.pause()
    assert c.progress_text() == "Paused · Epoch 12/100"
    # The chunk in flight when Pause was pressed ends three epochs later.
    controller.reported.emit(ChunkReport(ends(12, 15)))
    qtbot.waitUntil(lambda: c.progress_text() == "Paused · Epoch 15/100", timeout=2000)
    assert c.progress_bar.value() == 140
    controller.stop()
    controller.go("idle")
    controller.finished.emit(RunFinished("stopped", "", 14, 1.0))
    assert c.progress_text() == "Stopped after 14 epochs"


def test_stop_while_paused_stops_where_the_pause_shows(qtbot):
    from ffnn_studio.core.spec import (
        BuiltinDataSource,
        DenseLayer,
        NetworkSpec,
        Project,
        TrainingSettings,
    )
    from ffnn_studio.ui.run.bridge import TrainingController

    # Epochs of about a millisecond: a chunk spans dozens of them.
    project = Project(
        name="many short epochs",
        network=NetworkSpec((DenseLayer(8),)),
        data=BuiltinDataSource("xor", {"n_samples": 200}),
        training=TrainingSettings(epochs=100_000, batch_size=64),
    )
    controller = TrainingController()
    try:
        controls = TrainingControls()
        qtbot.addWidget(controls)
        controls.attach(controller)
        epochs: list[int] = []
        controller.reported.connect(lambda r: epochs.extend(e.epoch for e in r.epochs))
        controller.start(project, None)
        qtbot.waitUntil(lambda: len(epochs) > 200, timeout=120_000)
        controller.pause()
        assert controller.session.wait_until_paused(10)
        done = controller.session.epochs_completed
        qtbot.waitUntil(lambda: controls.progress_text().startswith(f"Paused · Epoch {done + 1}/"), timeout=5000)
        with qtbot.waitSignal(controller.finished, timeout=10_000) as finished:
            controller.stop()
        assert finished.args[0].epochs_completed == done
        assert controls.progress_text() == f"Stopped after {done} epochs"
    finally:
        controller.shutdown()
