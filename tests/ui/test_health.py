"""The per-layer health table: figures, warning icons and tooltips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from ffnn_studio.core.reports import ChunkReport, LayerInfo, LayerProbe, ProbeReport, RunStarted
from ffnn_studio.core.spec import DenseLayer, NetworkSpec
from ffnn_studio.ui.insights.health import (
    DEAD,
    SATURATED,
    VANISHING,
    LayerHealthModel,
    LayerHealthView,
    layer_warnings,
    warning_icon,
)
from tests.ui.insights_helpers import (
    FakeController,
    save_shot,
    spirals_project,
    train,
)

INFOS = (
    LayerInfo(0, "dense_1", 16, "sigmoid"),
    LayerInfo(1, "dense_2", 16, "relu"),
    LayerInfo(2, "dense_3", 8, "tanh"),
    LayerInfo(None, "output", 1, "sigmoid"),
)


def _report(*layers: LayerProbe, epoch: float = 2.5) -> ProbeReport:
    return ProbeReport(step=100, epoch=epoch, layers=tuple(layers))


def _started(infos=INFOS) -> RunStarted:
    return RunStarted("summary", 100, infos, 5, 10, 800, 200, "binary", "accuracy")


SICK = _report(
    LayerProbe(3.0, 2e-6, 1e-7, saturated_fraction=0.1),  # vanishing gradient
    LayerProbe(4.0, 0.05, 1e-3, dead_fraction=0.8),  # mostly dead ReLUs
    LayerProbe(2.0, 0.02, 1e-3, saturated_fraction=0.9),  # saturated tanh
    LayerProbe(1.0, 0.1, 2e-3),  # healthy output
)


def test_warnings_logic() -> None:
    kinds = [{w.kind for w in ws} for ws in layer_warnings(INFOS, SICK.layers)]
    assert kinds == [{VANISHING}, {DEAD}, {SATURATED}, set()]
    # Exactly at the limits: not flagged.
    calm = [
        LayerProbe(1.0, 1e-3 * 0.1 * 1.0001, 0.0, saturated_fraction=0.5),
        LayerProbe(1.0, 0.1, 0.0, dead_fraction=0.5),
    ]
    assert layer_warnings(INFOS[:2], calm) == [[], []]


def test_model_flags_layers_with_icon_and_tooltip(qtbot) -> None:
    view = LayerHealthView()
    qtbot.addWidget(view)
    controller = FakeController()
    view.attach(controller)
    controller.started.emit(_started())
    m: LayerHealthModel = view.model
    assert m.rowCount() == 4 and m.columnCount() == 6
    assert "No figures yet" in m.data(m.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    healthy = _report(*[replace(p, grad_norm=0.1, dead_fraction=None, saturated_fraction=None) for p in SICK.layers])
    controller.reported.emit(ChunkReport(probes=(healthy, SICK)))  # a batch: the latest figures count
    assert m.flagged_rows() == [0, 1, 2]
    warn_image = warning_icon().pixmap(16, 16).toImage()

    def is_warning(icon: object) -> bool:
        return isinstance(icon, QIcon) and icon.pixmap(16, 16).toImage() == warn_image

    for row, word in ((0, "Vanishing gradient"), (1, "Dead ReLUs"), (2, "Saturated units")):
        icon = m.data(m.index(row, 0), Qt.ItemDataRole.DecorationRole)
        assert is_warning(icon)
        tip = m.data(m.index(row, 0), Qt.ItemDataRole.ToolTipRole)
        assert tip.startswith(word)
    vanishing_tip = m.data(m.index(0, 2), Qt.ItemDataRole.ToolTipRole)
    assert "ReLU" in vanishing_tip and "initialization" in vanishing_tip
    dead_tip = m.data(m.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert "80 %" in dead_tip and "lower learning rate" in dead_tip
    healthy_icon = m.data(m.index(3, 0), Qt.ItemDataRole.DecorationRole)
    assert isinstance(healthy_icon, QIcon) and not is_warning(healthy_icon)
    assert m.data(m.index(3, 0), Qt.ItemDataRole.ToolTipRole) == "This layer looks healthy."
    # Figures as text.
    assert m.data(m.index(0, 2), Qt.ItemDataRole.DisplayRole) == "2e-06"
    assert m.data(m.index(1, 4), Qt.ItemDataRole.DisplayRole) == "80 %"
    assert m.data(m.index(0, 4), Qt.ItemDataRole.DisplayRole) == "—"
    assert m.data(m.index(2, 5), Qt.ItemDataRole.DisplayRole) == "90 %"
    assert m.data(m.index(1, 0), Qt.ItemDataRole.DisplayRole) == "layer 2 · 16 relu"
    assert "3 layers need attention" in view.summary.text()
    # A healthy report clears the warnings.
    controller.reported.emit(ChunkReport(probes=(SICK, healthy)))
    assert m.flagged_rows() == []
    assert "healthy" in view.summary.text()


def test_probes_without_a_start_name_layers_by_position(qtbot) -> None:
    m = LayerHealthModel()
    m.update_probes(SICK)
    assert m.rowCount() == 4
    assert m.data(m.index(0, 0), Qt.ItemDataRole.DisplayRole) == "layer 1"


def test_health_table_after_real_training(qtbot, real_controller, tmp_path: Path) -> None:
    view = LayerHealthView()
    qtbot.addWidget(view)
    view.resize(760, 260)
    view.attach(real_controller)
    view.show()
    # A deep sigmoid stack with tiny initial weights: the textbook vanishing gradient.
    project = spirals_project(epochs=3)
    deep = tuple(DenseLayer(16, "sigmoid", kernel_initializer="random_normal") for _ in range(6))
    project = replace(project, network=NetworkSpec(deep))
    train(qtbot, real_controller, project)
    m = view.model
    assert m.rowCount() == 7 and m.probes
    assert any(VANISHING in m.warning_kinds(r) for r in range(m.rowCount()))
    save_shot(view, tmp_path, "health_deep_sigmoid")
