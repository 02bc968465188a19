"""An opened model's session, built by the controller without training: a state of its own."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from ffnn_studio.core.errors import StudioError
from tests.ui.test_bridge import Factory, make_controller, tiny_project  # noqa: F401  (fixture)

TIMEOUT_MS = 10_000


class FakeWeights:
    """Stands in for ``LoadedWeights``: records where and to which session it was applied."""

    source = "net.keras"
    n_features = 2

    def __init__(self, fail: str | None = None) -> None:
        self.fail = fail
        self.applied: list[tuple[Any, int]] = []

    def prepared(self, data: Any) -> Any:
        if self.fail is not None:
            raise StudioError(self.fail)
        return ("scaled", data)

    def apply(self, session: Any) -> None:
        self.applied.append((session, threading.get_ident()))


def load(qtbot, controller, weights, project=None) -> Any:
    with qtbot.waitSignal(controller.modelLoaded, timeout=TIMEOUT_MS) as loaded:
        assert controller.load_model(project or tiny_project(), None, weights)
        assert controller.busy  # Export and friends wait for it
    assert loaded.args == [weights]
    return controller.session


def test_loading_builds_the_session_from_the_weights_on_the_worker_and_runs_nothing(
    qtbot,
    make_controller,  # noqa: F811
) -> None:
    factory = Factory()
    controller = make_controller(session_factory=factory)
    started: list[Any] = []
    controller.started.connect(started.append)
    controller.finished.connect(started.append)
    weights = FakeWeights()
    assert not controller.has_model and controller.loaded_from is None

    session = load(qtbot, controller, weights)

    assert factory.sessions == [session]
    assert weights.applied == [(session, factory.threads[0])]
    assert factory.threads[0] != threading.get_ident()
    assert session.run_calls == [] and session.epochs_completed == 0
    assert controller.last_prepared[0] == "scaled"  # the model's own input scaling
    assert controller.state == "idle" and not controller.busy
    assert controller.has_model and controller.loaded_from == "net.keras"
    assert started == []


def test_train_after_loading_trains_the_loaded_session_further(
    qtbot,
    make_controller,  # noqa: F811
) -> None:
    factory = Factory()
    controller = make_controller(session_factory=factory)
    weights = FakeWeights()
    session = load(qtbot, controller, weights)
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as done:
        assert controller.start(tiny_project(), None, 2, continue_run=True, initial_weights=weights)
    assert done.args[0].reason == "completed"
    assert factory.sessions == [session] and session.run_calls == [2]
    assert len(weights.applied) == 1
    # Trained here now: still a model, no longer "opened, not trained".
    assert controller.loaded_from is None and controller.has_model


def test_train_pressed_while_loading_waits_for_the_load_and_continues_it(
    qtbot,
    make_controller,  # noqa: F811
) -> None:
    factory = Factory()
    controller = make_controller(session_factory=factory)
    weights = FakeWeights()
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS):
        assert controller.load_model(tiny_project(), None, weights)
        assert controller.start(tiny_project(), None, 1, continue_run=True, initial_weights=weights)
    assert len(factory.sessions) == 1 and factory.sessions[0].run_calls == [1]


def test_changed_settings_start_a_fresh_session_from_the_weights(
    qtbot,
    make_controller,  # noqa: F811
) -> None:
    factory = Factory()
    controller = make_controller(session_factory=factory)
    weights = FakeWeights()
    loaded = load(qtbot, controller, weights)
    project = tiny_project()
    other = replace(project, training=replace(project.training, batch_size=8))
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS):
        assert controller.start(other, None, 1, continue_run=True, initial_weights=weights)
    assert len(factory.sessions) == 2 and loaded.run_calls == []
    assert [s for s, _ in weights.applied] == factory.sessions


def test_a_load_that_does_not_fit_says_why_and_leaves_no_model(
    qtbot,
    make_controller,  # noqa: F811
) -> None:
    controller = make_controller(session_factory=Factory())
    with qtbot.waitSignal(controller.loadFailed, timeout=TIMEOUT_MS) as failed:
        assert controller.load_model(tiny_project(), None, FakeWeights("takes 5 input features"))
    assert failed.args == ["takes 5 input features"]
    assert not controller.busy and not controller.has_model and controller.session is None


def test_reset_weights_discards_the_opened_model(
    qtbot,
    make_controller,  # noqa: F811
) -> None:
    controller = make_controller(session_factory=Factory())
    load(qtbot, controller, FakeWeights())
    with qtbot.waitSignal(controller.weightsReset, timeout=TIMEOUT_MS):
        controller.reset_weights()
    assert controller.loaded_from is None and not controller.has_model


def test_no_load_while_a_run_is_going(qtbot, make_controller) -> None:  # noqa: F811
    factory = Factory(hold_after_epoch=1)
    controller = make_controller(session_factory=factory)
    with qtbot.waitSignal(controller.started, timeout=TIMEOUT_MS):
        assert controller.start(tiny_project(), None)
    assert controller.state == "running"
    assert not controller.load_model(tiny_project(), None, FakeWeights())
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS):
        controller.stop()
