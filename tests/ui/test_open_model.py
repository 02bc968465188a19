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
