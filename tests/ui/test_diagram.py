"""The network diagram: weight colours and widths, cheap updates, blocks, neuron details."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ffnn_studio.core.forward import ForwardModel, activations_for
from ffnn_studio.core.reports import ChunkReport
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    Task,
)
from ffnn_studio.data import load_dataset, prepare
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.insights.diagram import (
    MAX_DRAWN_UNITS,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    ColumnSpec,
    NetworkDiagramScene,
    NetworkDiagramView,
    columns_for,
)
from tests.ui.insights_helpers import (
    FakeController,
    SnapshotSession,
    save_shot,
    spirals_project,
    train,
)

PROJECT = Project(
    network=NetworkSpec((DenseLayer(3, "tanh"), DropoutLayer(0.2), DenseLayer(2, "relu"))),
    data=BuiltinDataSource("circle", {"n_samples": 120}),
)


def _weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)),
        (rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=2).astype(np.float32)),
        (rng.normal(size=(2, 1)).astype(np.float32), rng.normal(size=1).astype(np.float32)),
    ]


def test_columns_follow_the_network() -> None:
    cols = columns_for(PROJECT, 2, Task.BINARY, 2)
    assert cols == (
        ColumnSpec("Input", 2),
        ColumnSpec("Layer 1", 3, "tanh"),
        ColumnSpec("Layer 3", 2, "relu"),
        ColumnSpec("Output", 1, "sigmoid"),
    )
    assert columns_for(PROJECT, 4, Task.MULTICLASS, 3)[-1] == ColumnSpec("Output", 3, "softmax")


def _rgb(color: QColor) -> str:
    return QColor(color.red(), color.green(), color.blue()).name()


def test_line_colours_follow_signs_and_widths_grow_with_magnitude(qtbot) -> None:
    scene = NetworkDiagramScene()
    scene.set_columns(columns_for(PROJECT, 2, Task.BINARY, 2))
    kernel1 = np.array([[0.1, -0.5, 1.2], [-2.0, 0.02, 0.7]], np.float32)
    weights = [(kernel1, np.zeros(3, np.float32)), *_weights()[1:]]
    weights[1] = (np.array([[0.3, -0.3], [1.0, -1.5], [-0.05, 0.6]], np.float32), np.zeros(2, np.float32))
    assert scene.set_weights(weights)
    for block, (kernel, _bias) in enumerate(weights):
        lines = scene.lines[block]
        assert lines is not None and lines.shape == kernel.shape
        for (j, k), w in np.ndenumerate(kernel):
            color = _rgb(lines[j, k].pen().color())
            assert color == QColor(POSITIVE_COLOR if w >= 0 else NEGATIVE_COLOR).name(), (block, j, k)
    # Widths grow with |w|: order the lines of every kernel by |w|.
    flat_w = np.concatenate([np.abs(k).ravel() for k, _ in weights])
    flat_lines = [line for lines in scene.lines for line in lines.ravel()]
    widths = np.array([line.pen().widthF() for line in flat_lines])
    order = np.argsort(flat_w)
    assert (np.diff(widths[order]) >= -1e-9).all()
    assert widths[np.argmax(flat_w)] > 4 * widths[np.argmin(flat_w)]
    # Opacity too: the biggest weight is drawn more opaque than the smallest.
    alphas = np.array([line.pen().color().alphaF() for line in flat_lines])
    assert alphas[np.argmax(flat_w)] > alphas[np.argmin(flat_w)]


def test_new_weights_restyle_existing_items_without_rebuilding(qtbot) -> None:
    scene = NetworkDiagramScene()
    cols = columns_for(PROJECT, 2, Task.BINARY, 2)
    assert scene.set_columns(cols)
    first_line = scene.lines[0][0, 0]
    neuron = scene.neuron_item(1, 0)
    scene.set_weights(_weights(0))
    pen_before = first_line.pen().widthF(), _rgb(first_line.pen().color())
    w = _weights(0)
    w[0][0][0, 0] = -5.0 if w[0][0][0, 0] > 0 else 5.0
    scene.set_weights(w)
    assert not scene.set_columns(cols)
    assert scene.rebuild_count == 1
    assert scene.lines[0][0, 0] is first_line and scene.neuron_item(1, 0) is neuron
    assert (first_line.pen().widthF(), _rgb(first_line.pen().color())) != pen_before
    # A snapshot of another architecture is refused, not drawn wrongly.
    assert not scene.set_weights(_weights(0)[:2])
    wider = (*cols[:1], ColumnSpec("Layer 1", 4, "tanh"), *cols[2:])
    assert scene.set_columns(wider) and scene.rebuild_count == 2


def test_wide_layer_is_a_block_with_a_weight_histogram(qtbot) -> None:
    project = Project(network=NetworkSpec((DenseLayer(MAX_DRAWN_UNITS + 8, "relu"), DenseLayer(4, "tanh"))))
    scene = NetworkDiagramScene()
    scene.set_columns(columns_for(project, 2, Task.BINARY, 2))
    assert 1 in scene.blocks and scene.neurons[1] == []
    assert scene.lines[0] is None and scene.lines[1] is None and scene.lines[2] is not None
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(2, 40)).astype(np.float32)
    kernel[kernel < 0] *= 0.1  # most mass positive → the upper (positive) bars are longer
    weights = [
        (kernel, np.zeros(40, np.float32)),
        (rng.normal(size=(40, 4)).astype(np.float32), np.zeros(4, np.float32)),
        (rng.normal(size=(4, 1)).astype(np.float32), np.zeros(1, np.float32)),
    ]
    assert scene.set_weights(weights)
    block = scene.blocks[1]
    assert block.counts.sum() == kernel.size
    n = len(block.counts)
    assert block.counts[: n // 2].sum() == (kernel >= 0).sum() or block.counts[: n // 2].sum() == (kernel > 0).sum()
    widths = [bar.rect().width() for bar in block.bars]
    assert max(widths) > 0


def _prepared():
    return prepare(load_dataset(PROJECT.data), 0.2, 0)


def test_clicking_a_neuron_shows_its_weights_and_activation_map(qtbot) -> None:
    prepared = _prepared()
    weights = _weights(1)
    view = NetworkDiagramView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_source(SnapshotSession(PROJECT, weights), prepared, PROJECT)
    assert view.refresh()
    item = view.scene.neuron_item(2, 1)  # layer 3 (the relu layer), unit 2
    pos = view.view.mapFromScene(item.sceneBoundingRect().center())
    with qtbot.waitSignal(view.scene.neuronSelected, timeout=2000) as blocker:
        qtbot.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [2, 1]
    np.testing.assert_allclose(view.detail.weights, weights[1][0][:, 1])
    assert "unit 2" in view.detail.title.text()
    assert view.detail.unit_spin.value() == 2
    # The activation map is this unit's output over the input plane.
    model = ForwardModel(weights, activations_for(PROJECT, Task.BINARY), prepared.mean, prepared.variance)
    pts, _rect, shape = view._map_grid
    expected = model.layers(pts)[1][:, 1].reshape(shape)
    np.testing.assert_allclose(view.detail.map_values, expected, atol=1e-6)
    assert view.detail.map_widget.isVisible()
    assert (view.detail.map_values >= 0).all()  # a ReLU unit
    # Browsing with the spin box moves the selection.
    view.detail.unit_spin.setValue(1)
    assert view.scene.selected == (2, 0)
    np.testing.assert_allclose(view.detail.weights, weights[1][0][:, 0])


def test_no_activation_map_for_data_with_more_features(qtbot) -> None:
    prepared = prepare(load_dataset(BuiltinDataSource("iris")), 0.2, 0)
    project = Project(network=NetworkSpec((DenseLayer(3, "tanh"),)), data=BuiltinDataSource("iris"))
    rng = np.random.default_rng(0)
    weights = [(rng.normal(size=(4, 3)), rng.normal(size=3)), (rng.normal(size=(3, 3)), rng.normal(size=3))]
    view = NetworkDiagramView()
    qtbot.addWidget(view)
    view.show()
    view.set_source(SnapshotSession(project, weights), prepared, project)
    view.refresh()
    view.select_neuron(1, 2)
    np.testing.assert_allclose(view.detail.weights, weights[0][0][:, 2])
    assert view.detail.map_widget.isHidden()


def test_document_architecture_and_live_refresh(qtbot) -> None:
    doc = ProjectDocument(PROJECT)
    controller = FakeController()
    view = NetworkDiagramView(interval_ms=20)
    qtbot.addWidget(view)
    view.attach(controller, doc)
    view.show()
    assert [c.units for c in view.scene.columns] == [2, 3, 2, 1]
    session = SnapshotSession(PROJECT, _weights(2))
    controller.session, controller.last_prepared = session, _prepared()
    controller.started.emit(None)
    assert view.refresh_count == 1 and session.snapshots == 1
    controller.stateChanged.emit("running")
    # The deliveries' weights are drawn (throttled), without asking the session for them.
    delivered = tuple(_weights(3))

    def deliver_until_drawn() -> bool:
        controller.reported.emit(ChunkReport(weights=delivered))
        return view.refresh_count >= 3

    qtbot.waitUntil(deliver_until_drawn, timeout=5000)
    assert session.snapshots == 1
    np.testing.assert_allclose(view._weights[0][0], delivered[0][0])
    count = view.refresh_count
    controller.reported.emit(ChunkReport(epochs=()))  # no weights: nothing to draw
    assert view.refresh_count == count
    assert view.scene.rebuild_count == 1  # the document's and the session's architecture agree


def test_hidden_diagram_refreshes_when_shown(qtbot) -> None:
    controller = FakeController()
    view = NetworkDiagramView(interval_ms=20)
    qtbot.addWidget(view)
    view.attach(controller)
    session = SnapshotSession(PROJECT, _weights(2))
    controller.session, controller.last_prepared = session, _prepared()
    controller.started.emit(None)
    controller.finished.emit(None)
    assert session.snapshots == 0  # another tab in front: no work
    view.show()
    assert session.snapshots == 1 and view.refresh_count == 1
    controller.finished.emit(None)
    assert session.snapshots == 2


def test_diagram_with_real_training(qtbot, real_controller, tmp_path: Path) -> None:
    view = NetworkDiagramView()
    qtbot.addWidget(view)
    view.resize(1100, 640)
    view.attach(real_controller)
    view.show()
    # One layer wider than MAX_DRAWN_UNITS (a block with its histogram), two drawn in full.
    project = replace(
        spirals_project(epochs=12),
        network=NetworkSpec((DenseLayer(48, "relu"), DenseLayer(16, "relu"), DenseLayer(8, "tanh"))),
    )
    train(qtbot, real_controller, project)
    weights = real_controller.session.weights_snapshot()
    assert view.scene.set_weights(weights)
    assert view.scene.lines[0] is None and view.scene.lines[1] is None
    assert view.scene.blocks[1].counts.sum() == weights[0][0].size
    for block in (2, 3):
        kernel = weights[block][0]
        lines = view.scene.lines[block]
        positive = [[_rgb(line.pen().color()) == QColor(POSITIVE_COLOR).name() for line in row] for row in lines]
        np.testing.assert_array_equal(np.array(positive), kernel >= 0)
    view.select_neuron(3, 5)
    assert view.detail.map_values is not None and view.detail.weights.shape == (16,)
    save_shot(view, tmp_path, "diagram_spirals")
