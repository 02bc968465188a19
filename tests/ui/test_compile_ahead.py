"""Compiling ahead of Train: the session cache's key, its reuse, and the settle timer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ffnn_studio.core.spec import DenseLayer, NetworkSpec
from ffnn_studio.ui.run.ahead import CompileAhead
from ffnn_studio.ui.run.bridge import _session_key
from tests.ui.test_bridge import Factory, FakeSession, make_controller, tiny_project

__all__ = ["make_controller"]  # the fixture, imported for this module's tests


class CompilingSession(FakeSession):
    """A fake session that records ``compile_ahead`` calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compile_calls = 0

    def compile_ahead(self) -> None:
        self.compile_calls += 1


class CompilingFactory(Factory):
    def __call__(self, project, prepared, sink) -> CompilingSession:  # type: ignore[override]
        session = CompilingSession(project, prepared, sink, **self.kwargs)
        self.sessions.append(session)
        return session


def test_key_ignores_the_epoch_count_and_name_but_not_what_the_program_depends_on():
    p = tiny_project(epochs=3)
    key = _session_key(p, None)
    assert _session_key(replace(p, training=replace(p.training, epochs=50)), None) == key
    assert _session_key(replace(p, name="renamed"), None) == key
    assert _session_key(replace(p, network=NetworkSpec((DenseLayer(9),))), None) != key
    assert _session_key(replace(p, training=replace(p.training, batch_size=16)), None) != key
    assert _session_key(replace(p, data=replace(p.data, params={"n_samples": 300})), None) != key
    assert _session_key(p, Path("/elsewhere")) != key


def test_train_after_prepare_ahead_uses_the_session_built_ahead(qtbot, make_controller):
    factory = CompilingFactory()
    controller = make_controller(session_factory=factory)
    project = tiny_project(epochs=2)
    with qtbot.waitSignal(controller.aheadBuilt, timeout=10_000) as built:
        assert controller.prepare_ahead(project, None)
    ahead = built.args[0]
    assert factory.sessions == [ahead] and ahead.compile_calls == 1
    # Asking again for the same project builds nothing more.
    controller.prepare_ahead(replace(project, training=replace(project.training, epochs=9)), None)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        controller.start(replace(project, training=replace(project.training, epochs=4)), None)
    assert done.args[0].epochs_completed == 4  # the Train's epoch count, not the ahead one's
    assert factory.sessions == [ahead]
    assert controller.session is ahead
    assert ahead.run_calls == [None] and ahead.project.training.epochs == 4


def test_unchanged_project_builds_nothing_ahead_and_a_changed_one_does(qtbot, make_controller):
    factory = CompilingFactory()
    controller = make_controller(session_factory=factory)
    project = tiny_project(epochs=2)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(project, None)
    assert len(factory.sessions) == 1
    # The window's next Train would continue that session: nothing to compile.
    assert controller.prepare_ahead(project, None, continue_run=True)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(project, None, continue_run=True)
    assert len(factory.sessions) == 1 and factory.sessions[0].run_calls == [None, None]

    # An edit of the network: built and compiled ahead, then trained.
    changed = replace(project, network=NetworkSpec((DenseLayer(4),)))
    with qtbot.waitSignal(controller.aheadBuilt, timeout=10_000):
        controller.prepare_ahead(changed, None)
    assert len(factory.sessions) == 2 and factory.sessions[1].compile_calls == 1
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(changed, None, continue_run=True)
    assert controller.session is factory.sessions[1]
    assert len(factory.sessions) == 2


def test_a_session_built_for_another_project_is_not_used(qtbot, make_controller):
    factory = CompilingFactory()
    controller = make_controller(session_factory=factory)
    project = tiny_project(epochs=2)
    with qtbot.waitSignal(controller.aheadBuilt, timeout=10_000):
        controller.prepare_ahead(project, None)
    other = replace(project, network=NetworkSpec((DenseLayer(3),)))
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.start(other, None)
    assert len(factory.sessions) == 2
    assert controller.session is factory.sessions[1]
    assert factory.sessions[0].run_calls == []


def test_no_building_ahead_while_a_run_goes(qtbot, make_controller):
    factory = CompilingFactory(hold_after_epoch=1)
    controller = make_controller(session_factory=factory)
    project = tiny_project(epochs=3)
    with qtbot.waitSignal(controller.started, timeout=10_000):
        controller.start(project, None)
    assert not controller.prepare_ahead(replace(project, network=NetworkSpec((DenseLayer(2),))), None)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.stop()
    assert len(factory.sessions) == 1


class _Doc(QObject):
    changed = Signal()

    def __init__(self, project) -> None:
        super().__init__()
        self.project = project
        self.base_dir = None
        self.issues: list[str] = []

    def problems(self) -> list[str]:
        return self.issues


class _Controller(QObject):
    warmedUp = Signal()
    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Any] = []

    def prepare_ahead(self, project, base_dir) -> bool:
        self.asked.append(project)
        return True


def test_settled_document_is_prepared_once_after_the_engine_is_ready(qtbot):
    doc, controller = _Doc(tiny_project()), _Controller()
    ahead = CompileAhead(doc, controller)
    ahead.enabled = True
    ahead.timer.setInterval(30)
    doc.changed.emit()
    assert not ahead.timer.isActive()  # TensorFlow not loaded yet: nothing
    controller.warmedUp.emit()
    assert ahead.timer.isActive()
    # Edits restart the wait; the project is prepared once, when it settles.
    for units in (5, 6, 7):
        doc.project = replace(doc.project, network=NetworkSpec((DenseLayer(units),)))
        doc.changed.emit()
    qtbot.waitUntil(lambda: bool(controller.asked), timeout=5_000)
    assert controller.asked == [doc.project]
    # A project with problems is not prepared.
    doc.issues = ["no layers"]
    assert not ahead.prepare_now()
    assert len(controller.asked) == 1
