"""File ▸ Predict CSV…: the trained model's predictions for a CSV file, on a background task."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QMenu, QPushButton

from ffnn_studio.core.spec import (
    CsvDataSource,
    DenseLayer,
    NetworkSpec,
    Project,
    TrainingSettings,
)
from tests.ui.test_export_dialog import (  # noqa: F401  (fixtures)
    discard_changes,
    infos,
    make_window,
    trained_window,
)

PREDICT_TIMEOUT_MS = 60_000


def csv_project(tmp_path: Path) -> Project:
    rng = np.random.default_rng(0)
    n = 80
    size = rng.uniform(0, 10, n).round(2)
    color = rng.choice(["red", "green", "blue"], n)
    kind = np.where((size > 5) ^ (color == "red"), "big", "small")
    pd.DataFrame({"size": size, "color": color, "kind": kind}).to_csv(
        tmp_path / "train.csv", index=False
    )
    return Project(
        name="Colors",
        network=NetworkSpec((DenseLayer(8, "relu"),)),
        data=CsvDataSource(str(tmp_path / "train.csv"), "kind", missing="mean"),
        training=TrainingSettings(epochs=2, batch_size=16),
    )


def rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {"id": np.arange(n), "color": rng.choice(["red", "blue"], n), "size": rng.uniform(0, 10, n)}
    )


def test_predict_csv_is_in_the_file_menu_and_waits_for_a_trained_model(make_window) -> None:  # noqa: F811
    window = make_window()
    names = [a.objectName() for a in window.findChild(QMenu, "fileMenu").actions()]
    assert names.index("exportPlotsAction") < names.index("predictCsvAction") < names.index("quitAction")
    action = window.predict_actions.action
    assert not action.isEnabled()
    assert "Train the network first" in action.statusTip()
    assert window.predict_actions.predict("a.csv", "b.csv") is None


def test_predict_csv_writes_the_model_s_predictions(
    qtbot,
    trained_window,  # noqa: F811
    tmp_path: Path,
) -> None:
    from ffnn_studio.engine.inference import predictor_for_session

    window = trained_window(csv_project(tmp_path))
    action = window.predict_actions.action
    assert action.isEnabled()
    source, target = tmp_path / "new.csv", tmp_path / "new.predictions.csv"
    table = rows(40)
    table.to_csv(source, index=False)
    with qtbot.waitSignal(window.predict_actions.predicted, timeout=PREDICT_TIMEOUT_MS) as done:
        task = window.predict_actions.predict(source, target)
        assert task is not None
    assert done.args[0].rows == 40
    out = pd.read_csv(target)
    expected = predictor_for_session(window.controller.session).predict(table)
    np.testing.assert_allclose(out[["P(big)", "P(small)"]].to_numpy(), expected.outputs, atol=1e-6)
    assert out["id"].tolist() == list(range(40))
    assert "Wrote 40 rows" in window.statusBar().currentMessage()

    # Bad input: a dialog names the missing column, and nothing is written.
    table.drop(columns=["color"]).to_csv(source, index=False)
    target.unlink()
    task = window.predict_actions.predict(source, target)
    with qtbot.waitSignal(task.finished, timeout=PREDICT_TIMEOUT_MS):
        pass
    assert any("lacks the model's column 'color'" in e for e in window.errors)
    assert not target.exists()


def test_cancel_in_the_progress_dialog_stops_the_prediction(
    qtbot,
    trained_window,  # noqa: F811
    tmp_path: Path,
) -> None:
    window = trained_window(csv_project(tmp_path))
    source, target = tmp_path / "many.csv", tmp_path / "many.predictions.csv"
    rows(100_000).to_csv(source, index=False)
    actions = window.predict_actions
    task = actions.predict(source, target)
    assert task is not None and actions.progress_dialog.objectName() == "predictCsvProgress"
    assert not actions.action.isEnabled()
    with qtbot.waitSignal(task.cancelled_, timeout=PREDICT_TIMEOUT_MS):
        actions.progress_dialog.findChild(QPushButton).click()
    assert window.statusBar().currentMessage() == "Prediction cancelled."
    qtbot.waitUntil(lambda: not actions.busy, timeout=PREDICT_TIMEOUT_MS)
    assert actions.action.isEnabled()
    # Whether it stopped before the end or not, no temporary file is left behind.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
