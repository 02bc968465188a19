"""What the window names and shows follows the document: a comparison's variants train beside
its run, never in its place, and a project switched to a CSV file is named after it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ffnn_studio.core.reports import ChunkReport, EpochEnd, LayerInfo, RunFinished, RunStarted
from ffnn_studio.core.runs import COMPARE_ACTIVATIONS
from ffnn_studio.engine.codegen import generate_script
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from ffnn_studio.ui.run.bridge import TrainingController, prepare_project_data
from tests.ui.window_fixtures import (
    FakeSession,
    fake_controller,
    sample_project,
)


class _History:
    def __init__(self) -> None:
        self.rows: list[float] = []

    @property
    def epochs(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.rows, dtype=np.float64)


class LayeredSession(FakeSession):
    """A fake session whose reported layers are its project's Dense layers."""

    def __init__(self, project, data, sink) -> None:  # type: ignore[no-untyped-def]
        super().__init__(project, data, sink)
        self.history = _History()

    def run(self, epochs: int | None = None) -> RunFinished:
        epochs = epochs or self.project.training.epochs
        dense = self.project.network.dense_layers
        layers = (
            *(
                LayerInfo(i, f"dense_{i + 1}", layer.units, layer.activation)
                for i, layer in enumerate(dense)
            ),
            LayerInfo(None, "output", 1, "sigmoid"),
        )
        start = self.epochs_completed
        self.sink.run_started(
            RunStarted("fake", 10, layers, epochs, 4, 80, 20, "binary", "accuracy", start)
        )
        for e in range(start, start + epochs):
            self.epochs_completed = e + 1
            self.history.rows.append(0.5)
            self.sink.chunk(ChunkReport((EpochEnd(e + 1, 0.5, 0.6, 0.7, 0.65, 0.01, 0.1),)))
        report = RunFinished("completed", "done", self.epochs_completed, 0.1)
        self.sink.finished(report)
        return report


def _legend(window: MainWindow) -> list[str]:
    return [label.text for _sample, label in window.plots.weights_plot.legend.items]


def _window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    # Real data (no TensorFlow): the diagram and the boundary take a run's data set.
    controller = TrainingController(
        prepare_data=prepare_project_data, session_factory=LayeredSession, warm_up=lambda: None
    )
    window = MainWindow(ProjectDocument(sample_project()), controller=controller, interactive=False)
    qtbot.addWidget(window)
    return window


def _compare_activations(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    runs = window.insights.runs
    with qtbot.waitSignal(runs.sweep.sweepFinished, timeout=20_000) as blocker:
        assert runs.compare_activations()
        # While the variants train, the document's run cannot start beside them.
        assert not window.train()
    assert blocker.args[1] is True
    assert runs.store.runs[-1].variant.startswith("Step")


def test_comparison_keeps_the_windows_model_and_plots(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    before = _legend(window)
    assert before == ["dense_1 (8 relu)", "dense_2 (4 tanh)", "output (1 sigmoid)"]
    session = window.controller.session

    _compare_activations(qtbot, window)

    # Export writes the stack's network: the session of the document's last run.
    exported = window.export_actions._session()
    assert exported is session
    assert [layer.activation for layer in exported.project.network.dense_layers] == ["relu", "tanh"]
    assert _legend(window) == before
    assert (
        window.insights.diagram._session is session and window.insights.boundary._session is session
    )
    assert window.export_actions.model_action.isEnabled()
    # Every variant was recorded, after the document's own run.
    assert len(window.insights.runs.store.runs) == 1 + len(COMPARE_ACTIVATIONS)
    # Train continues the document's session, not the last variant's.
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    assert window.controller.session is session and session.epochs_completed == 6


def test_comparison_before_any_run_leaves_nothing_to_export(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    _compare_activations(qtbot, window)
    assert window.controller.session is None
    assert window.export_actions._session() is None
    assert _legend(window) == []
    assert window.insights.diagram._session is None and window.insights.boundary._session is None


def test_a_project_switched_to_a_csv_is_named_after_the_file(qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    from ffnn_studio.core.examples import default_project
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.core.spec import CsvDataSource
    from ffnn_studio.ui.document.commands import SetDataSourceCommand

    csv = tmp_path / "wine.csv"
    csv.write_text("a,b,target\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    window = MainWindow(
        ProjectDocument(default_project()), controller=fake_controller(), interactive=False
    )
    qtbot.addWidget(window)
    assert "Two spirals" in window.windowTitle()
    doc = window.document
    assert doc.push(SetDataSourceCommand(doc, CsvDataSource(path=str(csv), target="target")))
    assert doc.project.name == "Wine" and "wine.csv" in doc.project.description
    assert "Wine" in window.windowTitle()

    asked: list[str] = []

    def save_name(parent, caption, start, *rest):  # type: ignore[no-untyped-def]
        asked.append(Path(start).name)
        return ("", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    window.export_actions.export_script()
    assert not window.save_as()
    assert asked == ["wine.py", "wine.ffnn.json"]
    script = generate_script(doc.project)
    assert "Wine" in script.split('"""')[1] and "spirals" not in script.split('"""')[1].lower()
    saved = doc.save(tmp_path / "p.ffnn.json")
    assert load_project(saved).name == "Wine"
    doc.undo_stack.undo()
    assert doc.project.name == "Two spirals"
