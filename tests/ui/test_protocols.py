"""The seams are typed: the controller and the sessions, real and fake, satisfy their Protocols."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from PySide6.QtCore import QObject, SignalInstance

from ffnn_studio.core.reports import (
    FinishReason,
    RunFinished,
    RunnableSession,
    RunState,
    WeightSource,
    finish_text,
)
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.run.bridge import TrainingController
from ffnn_studio.ui.run.protocols import RunController
from tests.ui import insights_helpers, test_plots, test_training_controls, window_fixtures
from tests.ui.test_bridge import FakeSession as BridgeFakeSession


def protocol_members(protocol: type) -> dict[str, Any]:
    """The names a Protocol declares (attributes and methods), with their definitions."""
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {n for n, v in vars(protocol).items() if not n.startswith("_") and (callable(v) or isinstance(v, property))}
    return {n: getattr(protocol, n, None) for n in names}


def assert_satisfies(obj: Any, protocol: type) -> None:
    """Every member is there, and every method takes the Protocol's parameters by name."""
    assert isinstance(obj, protocol), f"{type(obj).__name__} is not a {protocol.__name__}"
    for name, member in protocol_members(protocol).items():
        assert hasattr(obj, name), f"{type(obj).__name__} lacks {name}"
        if protocol.__annotations__.get(name) == "SignalInstance":
            assert isinstance(getattr(obj, name), SignalInstance), f"{type(obj).__name__}.{name} is no signal"
        if inspect.isfunction(member):
            wanted = [p for p in inspect.signature(member).parameters if p != "self"]
            got = inspect.signature(getattr(obj, name)).parameters
            assert all(p in got for p in wanted), f"{type(obj).__name__}.{name}{tuple(got)} lacks {wanted}"


@pytest.mark.parametrize(
    "make",
    [
        TrainingController,
        insights_helpers.FakeController,
        test_training_controls.FakeController,
        test_plots.FakeController,
    ],
    ids=["real", "insights fake", "controls fake", "plots fake"],
)
def test_controllers_satisfy_the_run_controller_protocol(qtbot, make):
    controller = make()
    try:
        assert_satisfies(controller, RunController)
    finally:
        if isinstance(controller, TrainingController):
            controller.shutdown()


def test_a_controller_missing_a_signal_is_caught(qtbot):
    from tests.ui.fake_controller import FakeRunController

    members = {n: v for n, v in vars(FakeRunController).items() if not n.startswith("__")}
    for dropped in ("weightsReset", "reset_weights"):
        kept = {n: v for n, v in members.items() if n != dropped}
        incomplete = type("Incomplete", (QObject,), kept)
        with pytest.raises(AssertionError):
            assert_satisfies(incomplete(), RunController)


@pytest.mark.parametrize("cls", [BridgeFakeSession, window_fixtures.FakeSession], ids=["bridge", "window"])
def test_fake_sessions_satisfy_the_session_protocol(cls):
    assert_satisfies(cls(Project(), None, None), RunnableSession)


def test_snapshot_session_is_a_weight_source():
    assert_satisfies(insights_helpers.SnapshotSession(Project(), []), WeightSource)


def test_states_and_reasons_are_enums_that_equal_their_strings():
    assert RunState("paused") is RunState.PAUSED and RunState.PAUSED == "paused"
    assert [s.active for s in RunState] == [False, True, True, True, False]
    report = RunFinished("diverged", "NaN", 3)
    assert report.reason is FinishReason.DIVERGED and report.reason.is_failure
    assert not RunFinished("stopped", "", 3).reason.is_failure
    with pytest.raises(ValueError):
        RunFinished("exploded", "", 3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reason", "short", "status"),
    [
        ("completed", "Done · 7 epochs in 0:03", "Training finished: 7 epochs."),
        ("stopped", "Stopped after 7 epochs", "Training stopped after 7 epochs; the weights are kept."),
        ("diverged", "Diverged after 7 epochs", "Training diverged: why"),
        ("failed", "Training failed", "Training failed: why"),
    ],
)
def test_one_place_turns_a_finish_into_text(reason, short, status):
    report = RunFinished(reason, "why", 7, 3.0)
    assert finish_text(report, "short") == short
    assert finish_text(report) == status
    assert finish_text(report, "line") == f"Finished ({reason}) after 7 epochs in 3.0 s. why"
