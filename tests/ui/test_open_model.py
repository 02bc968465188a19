"""File ▸ Open of a .keras model: a new project with its layers, and its weights start the first run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core.spec import DenseLayer, OptimizerSpec
from ffnn_studio.ui.document.commands import ProjectEditCommand
from ffnn_studio.ui.run.bridge import TrainingController
from tests.ui.test_export_dialog import (  # noqa: F401  (fixtures)
    discard_changes,
    infos,
    make_window,
    open_export_dialog,
    run_export,
)

keras = pytest.importorskip("keras")

OPEN_TIMEOUT_MS = 60_000
TRAIN_TIMEOUT_MS = 120_000


def xor_model(path: Path) -> object:
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(6, activation="relu", name="first"),
            keras.layers.Dense(1, activation="sigmoid", name="p"),
        ]
    )
    model.save(path)
    return model


def test_opening_a_keras_model_makes_a_project_whose_first_run_starts_from_its_weights(
    qtbot,
    make_window,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = xor_model(tmp_path / "xor_net.keras")
    window = make_window(controller=TrainingController())
    with qtbot.waitSignal(window.model_opener.opened, timeout=OPEN_TIMEOUT_MS):
        assert window.load_path(tmp_path / "xor_net.keras")
    doc = window.document
    assert doc.project.network.layers == (DenseLayer(6, "relu"),)
    assert doc.dirty and doc.path is None
    assert doc.initial_weights is not None
    assert "Opened xor_net.keras" in window.statusBar().currentMessage()

    # An edit keeps the weights for the first run; a tiny step keeps it next to them.
    project = doc.project
    tiny_step = replace(
        project.training, epochs=1, optimizer=OptimizerSpec("sgd", {"learning_rate": 1e-9})
    )
    doc.push(ProjectEditCommand(doc, replace(project, training=tiny_step), "Tiny step"))
    assert doc.initial_weights is not None
    with qtbot.waitSignal(window.controller.finished, timeout=TRAIN_TIMEOUT_MS) as done:
        assert window.train()
    assert done.args[0].reason.value == "completed", done.args[0].message
    assert doc.initial_weights is None  # taken by the run
    live = window.controller.session.weights_snapshot()
    expected = [layer.get_weights() for layer in model.layers]
    for (kernel, bias), (k, b) in zip(live, expected, strict=True):
        np.testing.assert_allclose(kernel, k, atol=1e-6)
        np.testing.assert_allclose(bias, b, atol=1e-6)


def test_a_model_with_an_unsupported_layer_is_refused_with_a_message(
    qtbot,
    make_window,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(3),
            keras.layers.LayerNormalization(name="ln"),
            keras.layers.Dense(1),
        ]
    )
    model.save(tmp_path / "odd.keras")
    window = make_window()
    before = window.document.project
    with qtbot.waitSignal(window.model_opener.failed, timeout=OPEN_TIMEOUT_MS):
        window.load_path(tmp_path / "odd.keras")
    assert any("layer 'ln' (LayerNormalization) is not supported" in e for e in window.errors)
    assert window.document.project == before


def test_an_opened_model_is_exported_and_tried_before_any_training_then_trains_further(
    qtbot,
    make_window,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = xor_model(tmp_path / "xor_net.keras")
    window = make_window(controller=TrainingController())
    with qtbot.waitSignal(window.model_opener.loaded, timeout=OPEN_TIMEOUT_MS):
        assert window.load_path(tmp_path / "xor_net.keras")
    controller = window.controller
    loaded = controller.session
    assert loaded is not None and loaded.epochs_completed == 0
    assert controller.loaded_from == "xor_net.keras" and controller.has_model
    assert "Loaded xor_net.keras (not trained here)" in window.statusBar().currentMessage()
    prepared = controller.last_prepared
    rows = np.concatenate([prepared.x_train[:16], prepared.x_val[:16]]).astype(np.float32)
    expected = np.asarray(model(rows, training=False))

    # Export, untrained: the file predicts what the opened model predicts.
    window.export_actions.update_actions()
    assert window.export_actions.model_action.isEnabled()
    assert window.predict_actions.action.isEnabled()
    target = tmp_path / "again.keras"
    dialog = open_export_dialog(window)
    dialog.set_output_path(target)
    assert "not trained here" in dialog.summary_label.text()
    run_export(qtbot, dialog)
    assert dialog.outcome is not None, dialog.error
    assert dialog.outcome.result.ok, dialog.outcome.result.message
    import ffnn_studio.engine.activations  # noqa: F401  (the studio's step, should a file use it)

    exported = keras.models.load_model(target, compile=False)
    np.testing.assert_allclose(np.asarray(exported(rows, training=False)), expected, atol=1e-5)
    dialog.close()

    # Try it: a row's output is the opened model's prediction.
    try_it = window.insights.try_it
    window.insights_dock.raise_()
    window.insights.setCurrentWidget(try_it)
    qtbot.waitUntil(lambda: try_it.available, timeout=5_000)
    assert "opened from xor_net.keras, not trained here" in try_it.source_label.text()
    combo = try_it.row_combo
    for item in (3, combo.count() - 1):
        part, i = combo.itemData(item)
        x = (prepared.x_train if part == "training" else prepared.x_val)[i : i + 1]
        combo.setCurrentIndex(item)
        combo.activated.emit(item)
        np.testing.assert_allclose(try_it.output, np.asarray(model(x))[0], rtol=1e-5, atol=1e-6)

    # The decision boundary is the opened model's.
    boundary = window.insights.boundary
    window.insights.setCurrentWidget(boundary)
    qtbot.waitUntil(lambda: boundary.grid_output is not None, timeout=5_000)
    grid = np.asarray(boundary.grid_points, np.float32)
    np.testing.assert_allclose(boundary.grid_output, np.asarray(model(grid)), atol=1e-5)

    # The Evaluation view scores the opened model's own outputs.
    evaluation = window.insights.evaluation
    window.insights.setCurrentWidget(evaluation)
    qtbot.waitUntil(lambda: evaluation.outputs is not None, timeout=5_000)
    x_part, _y, _rows = prepared.split(evaluation.part_key)
    np.testing.assert_allclose(evaluation.outputs, np.asarray(model(x_part)), atol=1e-5)

    # Train trains that same session further: its epochs count on from the loaded weights.
    with qtbot.waitSignal(controller.finished, timeout=TRAIN_TIMEOUT_MS) as done:
        assert window.train(2)
    assert done.args[0].reason.value == "completed", done.args[0].message
    assert controller.session is loaded and loaded.epochs_completed == 2
    assert controller.loaded_from is None and window.document.initial_weights is None


def test_a_model_whose_width_fits_no_data_set_opens_and_says_what_its_weights_wait_for(
    qtbot,
    make_window,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)]
    )
    model.save(tmp_path / "five.keras")
    window = make_window(controller=TrainingController())
    with qtbot.waitSignal(window.model_opener.loadFailed, timeout=OPEN_TIMEOUT_MS) as failed:
        assert window.load_path(tmp_path / "five.keras")
    assert "takes 5 input features" in failed.args[0]
    message = window.statusBar().currentMessage()
    assert message.startswith("Opened five.keras; its weights wait for the first run")
    assert window.errors == []  # a status, not an error dialog: the project is open
    assert window.document.initial_weights is not None
    assert not window.controller.has_model and not window.controller.busy
