"""The decision boundary view: grid evaluation, colours, live refresh, the non-2-D message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core.reports import ChunkReport
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.data import load_dataset, prepare
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.insights.boundary import (
    NEEDS_2D,
    DecisionBoundaryView,
    class_color,
    output_colors,
)
from tests.ui.insights_helpers import (
    FakeController,
    SnapshotSession,
    save_shot,
    spirals_project,
    train,
)


def _prepared(name: str, **params):
    return prepare(load_dataset(BuiltinDataSource(name, params)), 0.2, 0)


def _keras_weights(built, seed: int = 3):
    rng = np.random.default_rng(seed)
    for block in built.blocks:
        k = block.dense.kernel
        k.assign(rng.normal(0, 1, size=tuple(k.shape)).astype(np.float32))
        if block.dense.bias is not None:
            b = block.dense.bias
            b.assign(rng.normal(0, 0.5, size=tuple(b.shape)).astype(np.float32))
    return [
        (np.array(b.dense.kernel.numpy()), None if b.dense.bias is None else np.array(b.dense.bias.numpy()))
        for b in built.blocks
    ]


def test_output_colors() -> None:
    white = [255, 255, 255]
    rgba = output_colors(np.array([[0.0], [0.5], [1.0]]), Task.BINARY, 2)
    assert rgba.shape == (3, 4) and (rgba[:, 3] == 255).all()
    assert list(rgba[1, :3]) == white
    c0, c1 = class_color(0), class_color(1)
    # Class 0 side leans to class 0's colour, class 1 side to class 1's.
    d0 = np.abs(rgba[0, :3].astype(int) - [c0.red(), c0.green(), c0.blue()]).sum()
    d1 = np.abs(rgba[2, :3].astype(int) - [c1.red(), c1.green(), c1.blue()]).sum()
    assert d0 < np.abs(rgba[0, :3].astype(int) - white).sum()
    assert d1 < np.abs(rgba[2, :3].astype(int) - white).sum()
    # Multi-class: the argmax class's colour, paler when unsure.
    sure, unsure = output_colors(np.array([[0.0, 0.98, 0.02], [0.3, 0.4, 0.3]]), Task.MULTICLASS, 3)
    assert int(sure[:3].astype(int).sum()) < int(unsure[:3].astype(int).sum())
    c = class_color(1)
    ratio = (255 - sure[:3].astype(float)) / (255 - np.array([c.red(), c.green(), c.blue()], float))
    assert np.allclose(ratio, ratio[0], atol=0.02)  # a tint of class 1's colour
    # Regression: the colour map's ends at the value range's ends.
    reg = output_colors(np.array([[0.0], [10.0]]), Task.REGRESSION, 0, (0.0, 10.0))
    assert not np.array_equal(reg[0], reg[1])


MULTI = Project(
    network=NetworkSpec(
        (
            DenseLayer(8, "leaky_relu", alpha=0.2),
            DropoutLayer(0.3),
            DenseLayer(6, "elu", alpha=0.5),
            DenseLayer(5, "step"),
            DenseLayer(4, "tanh"),
        )
    ),
    data=BuiltinDataSource("blobs", {"n_samples": 300}),
)


def test_heatmap_grid_matches_keras_predict(qtbot) -> None:
    from ffnn_studio.engine.builder import build_model

    prepared = _prepared("blobs", n_samples=300)
    built = build_model(
        MULTI,
        n_features=2,
        task=prepared.task,
        n_classes=prepared.n_classes,
        mean=prepared.mean,
        variance=prepared.variance,
        compile=False,
    )
    weights = _keras_weights(built)
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.set_source(SnapshotSession(MULTI, weights), prepared)
    assert view.refresh()
    rows, cols = view.grid_shape
    assert rows >= 100 and cols >= 100
    pts = view.grid_points
    # The grid covers the data with a margin on every side.
    x_all = np.concatenate([prepared.x_train, prepared.x_val])
    assert (pts.min(axis=0) < x_all.min(axis=0)).all() and (pts.max(axis=0) > x_all.max(axis=0)).all()
    expected = built.model.predict(pts, batch_size=4096, verbose=0)
    assert view.grid_output.shape == expected.shape == (rows * cols, 3)
    np.testing.assert_allclose(view.grid_output, expected, atol=1e-5)
    image = view.image.image
    assert image.shape == (rows, cols, 4)
    # The picture is the colours of the outputs, row = y.
    np.testing.assert_array_equal(image.reshape(-1, 4), output_colors(expected, Task.MULTICLASS, 3))


def test_points_drawn_with_validation_symbol(qtbot) -> None:
    prepared = _prepared("xor", n_samples=200)
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.set_data(prepared)
    assert view.available
    assert len(view.train_points.data) == len(prepared.x_train)
    assert len(view.val_points.data) == len(prepared.x_val)
    assert view.val_points.opts["symbol"] == "t"
    assert view.train_points.opts["symbol"] == "o"
    # Class colours: the brush of every training point is its class's colour.
    brushes = [b.color().name() for b in view.train_points.data["brush"]]
    expected = [class_color(int(k)).name() for k in prepared.y_train]
    assert brushes == expected


def test_non_2d_data_shows_a_message(qtbot) -> None:
    prepared = prepare(load_dataset(BuiltinDataSource("iris")), 0.2, 0)
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.show()
    view.set_source(SnapshotSession(MULTI, []), prepared, MULTI)
    assert not view.available
    assert view.graphics.isHidden() and view.message.isVisible()
    assert NEEDS_2D in view.message.text() and "has 4" in view.message.text()
    assert view.refresh() is False


def test_document_preview_and_message(qtbot) -> None:
    doc = ProjectDocument(
        Project(
            network=NetworkSpec((DenseLayer(4),)),
            data=BuiltinDataSource("circle", {"n_samples": 100}),
            training=TrainingSettings(validation_fraction=0.2),
        )
    )
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.attach(FakeController(), doc)
    # The data points load in the background (the split imports scikit-learn).
    qtbot.waitUntil(lambda: view.available, timeout=10_000)
    assert len(view.train_points.data) == 80 and len(view.val_points.data) == 20
    doc.reset(replace(doc.project, data=BuiltinDataSource("iris")))
    assert not view.available
    assert NEEDS_2D in view.message.text()


def test_delivered_weights_refresh_while_running_throttled(qtbot) -> None:
    prepared = _prepared("circle", n_samples=100)
    project = Project(network=NetworkSpec((DenseLayer(3, "relu"),)))
    rng = np.random.default_rng(0)
    weights = [(rng.normal(size=(2, 3)), rng.normal(size=3)), (rng.normal(size=(3, 1)), rng.normal(size=1))]
    session = SnapshotSession(project, weights)
    controller = FakeController()
    controller.session, controller.last_prepared = session, prepared
    view = DecisionBoundaryView(interval_ms=200)
    qtbot.addWidget(view)
    view.attach(controller)
    view.show()
    controller.started.emit(None)
    assert view.refresh_count == 1 and session.snapshots == 1
    controller.stateChanged.emit("running")
    # A delivery's weights are drawn, without asking the session for them.
    delivered = tuple((k * -2.0, b + 1.0) for k, b in weights)
    controller.reported.emit(ChunkReport(weights=delivered))
    assert view.refresh_count == 2 and session.snapshots == 1
    np.testing.assert_allclose(view.grid_output, view.evaluate(delivered))
    # The next one, at once, is throttled; one without weights does nothing.
    controller.reported.emit(ChunkReport(weights=tuple(weights)))
    controller.reported.emit(ChunkReport(epochs=()))
    assert view.refresh_count == 2

    def deliver_until_drawn() -> bool:
        controller.reported.emit(ChunkReport(weights=tuple(weights)))
        return view.refresh_count == 3

    qtbot.waitUntil(deliver_until_drawn, timeout=5000)
    np.testing.assert_allclose(view.grid_output, view.evaluate(weights))
    assert session.snapshots == 1
    controller.stateChanged.emit("idle")  # the end of a run reads the session's final weights
    count = view.refresh_count
    assert count == 4 and session.snapshots == 2
    with qtbot.waitSignal(view.refreshed, timeout=2000):
        controller.finished.emit(None)
    assert view.refresh_count == count + 1


def test_refresh_rate_adapts_to_cost_but_stays_at_least_5_hz(qtbot) -> None:
    from ffnn_studio.config import BOUNDARY_MAX_INTERVAL_MS

    view = DecisionBoundaryView(interval_ms=100)
    qtbot.addWidget(view)
    for _ in range(20):
        view._adapt_interval(1.0)
    assert view.refresh_interval_ms == 100
    for _ in range(40):
        view._adapt_interval(50.0)
    assert view.refresh_interval_ms == BOUNDARY_MAX_INTERVAL_MS
    assert 1000 / BOUNDARY_MAX_INTERVAL_MS >= 6  # ≥ 5 Hz even when timer events arrive late


def test_hidden_view_does_no_work(qtbot) -> None:
    prepared = _prepared("circle", n_samples=100)
    project = Project(network=NetworkSpec((DenseLayer(3, "relu"),)))
    rng = np.random.default_rng(0)
    session = SnapshotSession(project, [(rng.normal(size=(2, 3)), None), (rng.normal(size=(3, 1)), None)])
    view = DecisionBoundaryView(interval_ms=10)
    qtbot.addWidget(view)
    view.set_source(session, prepared)
    view._on_report(ChunkReport(weights=tuple(session.weights)))
    assert session.snapshots == 0 and view.refresh_count == 0 and view.grid_output is None
    view.show()  # shown mid-run: drawn at once
    assert view.refresh_count == 1 and view.grid_output is not None


def test_same_data_keeps_the_points_and_a_hidden_view_refreshes_when_shown(qtbot, monkeypatch) -> None:
    prepared = _prepared("circle", n_samples=100)
    project = Project(network=NetworkSpec((DenseLayer(3, "relu"),)))
    rng = np.random.default_rng(0)
    session = SnapshotSession(project, [(rng.normal(size=(2, 3)), None), (rng.normal(size=(3, 1)), None)])
    controller = FakeController()
    controller.session, controller.last_prepared = session, prepared
    view = DecisionBoundaryView(interval_ms=20)
    qtbot.addWidget(view)
    view.attach(controller)
    drawn: list[object] = []
    monkeypatch.setattr(view, "_draw_points", drawn.append)
    controller.started.emit(None)
    assert drawn == [prepared] and session.snapshots == 0  # hidden: nothing evaluated
    view.show()
    assert session.snapshots == 1 and view.grid_output is not None
    # The next run on an equal copy of the data keeps the points on screen.
    controller.last_prepared = _prepared("circle", n_samples=100)
    controller.started.emit(None)
    assert drawn == [prepared] and session.snapshots == 2
    # Other data is drawn afresh.
    other = _prepared("circle", n_samples=120)
    controller.last_prepared = other
    controller.started.emit(None)
    assert drawn == [prepared, other] and session.snapshots == 3
    # A weight reset while another tab is in front waits for the view to show.
    view.hide()
    controller.weightsReset.emit(True)
    assert session.snapshots == 3
    view.show()
    assert session.snapshots == 4


# ------------------------------------------------------------------ real training


def _check_against_session(view: DecisionBoundaryView, session) -> None:
    expected = session.predict(view.grid_points)
    np.testing.assert_allclose(view.grid_output, expected, atol=1e-5)


def test_live_boundary_with_real_training(qtbot, real_controller, tmp_path: Path) -> None:
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.resize(720, 560)
    view.attach(real_controller)
    view.show()
    train(qtbot, real_controller, spirals_project(epochs=8))
    assert view.available and view.refresh_count >= 2
    _check_against_session(view, real_controller.session)
    save_shot(view, tmp_path, "boundary_spirals")


@pytest.mark.parametrize(
    ("name", "data", "loss"),
    [
        ("blobs", BuiltinDataSource("blobs", {"n_samples": 600}), "cross_entropy"),
        ("multi_gaussian", BuiltinDataSource("multi_gaussian", {"n_samples": 600}), "mse"),
    ],
)
def test_boundary_for_multiclass_and_regression(qtbot, real_controller, tmp_path: Path, name, data, loss) -> None:
    project = replace(
        spirals_project(epochs=6),
        data=data,
        training=replace(spirals_project().training, loss=loss, epochs=6),
    )
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.resize(720, 560)
    view.attach(real_controller)
    view.show()
    train(qtbot, real_controller, project)
    _check_against_session(view, real_controller.session)
    if name == "multi_gaussian":
        assert view.color_bar is not None
    save_shot(view, tmp_path, f"boundary_{name}")
