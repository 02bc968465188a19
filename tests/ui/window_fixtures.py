"""Helpers shared by the window tests: a sample project, fake sessions and controllers.

The fixtures themselves (``isolated_settings``, ``document``, ``errors``) are
in ``tests/ui/conftest.py``, which pytest applies to every window test.
"""

from __future__ import annotations

import threading
from typing import Any

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
    DropoutLayer,
    NetworkSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.run.bridge import TrainingController


def sample_project() -> Project:
    """Two Dense layers around a Dropout, on the spirals."""
    return Project(
        name="Sample",
        network=NetworkSpec((DenseLayer(8, "relu"), DropoutLayer(0.25), DenseLayer(4, "tanh"))),
        data=BuiltinDataSource("spirals", {"n_samples": 200}),
        training=TrainingSettings(epochs=3, batch_size=16),
    )


def layer_kinds(document: ProjectDocument) -> list[str]:
    return [layer.kind for layer in document.project.network.layers]


class FakeSession:
    """A stand-in for the engine's TrainingSession: reports epochs without TensorFlow.

    With ``hold`` set, ``run`` stops after the first epoch until ``stop()``.
    """

    hold = False

    def __init__(self, project: Project, data: Any, sink: Any) -> None:
        self.project, self.sink = project, sink
        self.epochs_completed = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def reset_weights(self) -> None:
        self.epochs_completed = 0

    def run(self, epochs: int | None = None) -> RunFinished:
        self._stop.clear()
        epochs = epochs or self.project.training.epochs
        start = self.epochs_completed
        layers = (LayerInfo(0, "dense_1", 8, "relu"), LayerInfo(None, "output", 1, "sigmoid"))
        self.sink.run_started(
            RunStarted("fake", 10, layers, epochs, 4, 80, 20, "binary", "accuracy", start)
        )
        reason = "completed"
        for e in range(start, start + epochs):
            self.epochs_completed = e + 1
            self.sink.chunk(
                ChunkReport(
                    (EpochEnd(e + 1, 0.5, 0.6, 0.7, 0.65, 0.01, 0.1),),
                    (ProbeReport(e * 4, e + 1.0, (LayerProbe(1.0, 0.1, 0.01),) * 2),),
                    Progress(e * 4, e, 0.5, 0.5, 1234.0, 0.1),
                )
            )
            if self.hold:
                self._stop.wait(30)
            if self._stop.is_set():
                reason = "stopped"
                break
        report = RunFinished(reason, reason, self.epochs_completed, 0.1)
        self.sink.finished(report)
        return report


class HoldingSession(FakeSession):
    hold = True


def fake_controller(session_cls: type[FakeSession] | None = None) -> TrainingController:
    """A controller whose sessions are fakes (no data loading, no TensorFlow)."""
    return TrainingController(
        prepare_data=lambda project, base_dir: None,
        session_factory=session_cls or FakeSession,
        warm_up=lambda: None,
    )
