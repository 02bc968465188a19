"""Try it: the inputs set by hand or from a row, and the network's prediction for them."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QComboBox

from ffnn_studio.core.forward import ForwardModel, activations_for
from ffnn_studio.core.reports import ChunkReport
from ffnn_studio.core.spec import CsvDataSource, DenseLayer, NetworkSpec, Project, Task
from ffnn_studio.data import Dataset, prepare
from ffnn_studio.data.csv_import import read_csv_dataset
from ffnn_studio.data.input_fields import CategoricalField, NumericField, input_fields
from ffnn_studio.ui.document.commands import SetDataSourceCommand
from ffnn_studio.ui.insights.panel import InsightsPanel
from ffnn_studio.ui.insights.try_it import NO_MODEL, STALE_MODEL, NumericControl, TryItView
from tests.ui.insights_helpers import (
    FakeController,
    SnapshotSession,
    save_shot,
    spirals_project,
    train,
)

PROJECT = Project(network=NetworkSpec((DenseLayer(5, "tanh"),)))


def random_weights(widths: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(a, b)).astype(np.float32), rng.normal(size=b).astype(np.float32))
        for a, b in itertools.pairwise(widths)
    ]


def plane_data():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, size=(80, 2)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int32)
    return prepare(Dataset("plane", x, y, Task.BINARY, ("u", "v"), ("low", "high")), 0.25, 0)


@pytest.fixture
def shown_view(qtbot) -> TryItView:
    view = TryItView()
    qtbot.addWidget(view)
    view.resize(400, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_says_clearly_when_there_is_no_trained_model(qtbot, shown_view, document) -> None:
    shown_view.attach(FakeController(), document)
    assert not shown_view.available and shown_view.message.isVisible()
    assert shown_view.message.text() == NO_MODEL


def test_the_output_is_the_models_own_prediction_for_a_row(
    qtbot, real_controller, shown_view
) -> None:
    shown_view.attach(real_controller)
    train(qtbot, real_controller, spirals_project(epochs=3))
    session, prepared = real_controller.session, real_controller.last_prepared
    assert shown_view.available
    combo = shown_view.row_combo
    for item in (7, combo.count() - 1):  # a training row, and the last validation row
        part, i = combo.itemData(item)
        x = (prepared.x_train if part == "training" else prepared.x_val)[i : i + 1]
        combo.setCurrentIndex(item)
        combo.activated.emit(item)
        np.testing.assert_allclose(shown_view.input_row(), x, rtol=0, atol=1e-6)
        expected = session.predict(x)[0]
        np.testing.assert_allclose(shown_view.output, expected, rtol=1e-5, atol=1e-6)
        p = float(expected[0])
        assert shown_view.bars[1].value() == round(p * 1000) and shown_view.bars[
            0
        ].value() == round((1 - p) * 1000)


def test_a_text_column_gets_a_combo_box_and_its_one_hot_encoding(
    qtbot, shown_view, tmp_path: Path
) -> None:
    rows = ["size,color,label"] + [
        f"{s},{c},{'big' if s > 5 else 'small'}"
        for s, c in zip(range(12), ["red", "green", "blue"] * 4, strict=True)
    ]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    prepared = prepare(read_csv_dataset(CsvDataSource("t.csv", "label"), tmp_path), 0.25, 0)
    fields = input_fields(prepared)
    assert [type(f) for f in fields] == [NumericField, CategoricalField]
    weights = random_weights([prepared.n_features, 5, 1])
    shown_view.set_source(SnapshotSession(PROJECT, weights), prepared, PROJECT)
    shown_view.refresh()
    combo = shown_view.controls["color"]
    assert isinstance(combo, QComboBox) and isinstance(shown_view.controls["size"], NumericControl)
    assert [combo.itemText(i) for i in range(combo.count())] == ["blue", "green", "red"]
    model = ForwardModel(
        weights, activations_for(PROJECT, prepared.task), prepared.mean, prepared.variance
    )
    # Start from a green row: the combo shows its colour and the output is the row's.
    names = prepared.feature_names
    green = names.index("color=green")
    item = next(
        k
        for k in range(1, shown_view.row_combo.count())
        if shown_view.row_combo.itemData(k)[0] == "training"
        and prepared.x_train[shown_view.row_combo.itemData(k)[1], green] == 1
    )
    shown_view.row_combo.activated.emit(item)
    i = shown_view.row_combo.itemData(item)[1]
    assert combo.currentText() == "green"
    np.testing.assert_allclose(shown_view.output, model(prepared.x_train[i : i + 1])[0], rtol=1e-6)
    # Another colour: the same row with the other one-hot column set.
    combo.setCurrentIndex(combo.findText("red"))
    x = prepared.x_train[i : i + 1].copy()
    x[0, green], x[0, names.index("color=red")] = 0, 1
    np.testing.assert_allclose(shown_view.input_row(), x)
    np.testing.assert_allclose(shown_view.output, model(x)[0], rtol=1e-6)


def test_clicking_the_boundary_sets_the_sliders(qtbot) -> None:
    panel = InsightsPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 640)
    panel.show()
    prepared = plane_data()
    session = SnapshotSession(PROJECT, random_weights([2, 5, 1]))
    for view in (panel.boundary, panel.try_it):
        view.set_source(session, prepared, PROJECT)
    panel.try_it.refresh()
    panel.setCurrentWidget(panel.boundary)
    qtbot.waitExposed(panel.boundary.graphics)
    panel.boundary.refresh()
    vb = panel.boundary.plot.getViewBox()
    graphics = panel.boundary.graphics
    target = QPointF(0.75, -1.25)
    at = graphics.mapFromScene(vb.mapViewToScene(target))
    with qtbot.waitSignal(panel.boundary.pointClicked):
        qtbot.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(at.x(), at.y()))
    values = panel.try_it.values()
    (x_per_px, y_per_px) = vb.viewPixelSize()
    assert values["u"] == pytest.approx(0.75, abs=2 * x_per_px + 0.01)
    assert values["v"] == pytest.approx(-1.25, abs=2 * y_per_px + 0.01)
    u_slider = panel.try_it.controls["u"]
    assert isinstance(u_slider, NumericControl)
    field = u_slider.field
    assert u_slider.slider.value() == round(
        (values["u"] - field.low) / (field.high - field.low) * 1000
    )
    # The boundary marks the point tried.
    xs, ys = panel.boundary.probe.getData()
    assert (xs[0], ys[0]) == pytest.approx((values["u"], values["v"]), abs=1e-3)
    # And the output is the network's at that point.
    model = ForwardModel(
        session.weights, activations_for(PROJECT, prepared.task), prepared.mean, prepared.variance
    )
    np.testing.assert_allclose(
        panel.try_it.output, model(np.array([[values["u"], values["v"]]], np.float32))[0], rtol=1e-5
    )


def test_live_weights_update_the_prediction_and_a_data_change_marks_it_stale(
    qtbot, shown_view, document
) -> None:
    controller = FakeController()
    shown_view.attach(controller, document)
    prepared = plane_data()
    first, second = random_weights([2, 5, 1], 1), random_weights([2, 5, 1], 2)
    controller.session, controller.last_prepared = SnapshotSession(PROJECT, first), prepared
    controller.started.emit(None)
    before = shown_view.output.copy()
    controller.reported.emit(ChunkReport(weights=tuple(second)))
    assert "Live" in shown_view.source_label.text()
    assert not np.allclose(shown_view.output, before)
    document.push(SetDataSourceCommand.builtin(document, "blobs"))
    assert not shown_view.available and shown_view.message.text() == STALE_MODEL


def test_screenshot_of_a_multiclass_try_it(qtbot, shown_view, tmp_path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=90).astype(np.int32)
    names = (
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
        "a",
        "b",
    )
    prepared = prepare(
        Dataset("iris", x, y, Task.MULTICLASS, names, ("setosa", "versicolor", "virginica")), 0.2, 0
    )
    shown_view.set_source(SnapshotSession(PROJECT, random_weights([6, 5, 3])), prepared, PROJECT)
    shown_view.refresh()
    probs = shown_view.probabilities()
    assert probs is not None and probs.sum() == pytest.approx(1.0, abs=1e-5)
    save_shot(shown_view, tmp_path, "try_it_multiclass")
