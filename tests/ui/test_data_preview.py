"""The data preview: scatter (raw or PCA), class counts, feature statistics, notes.

scikit-learn's sets load on a worker thread: tests wait for ``loaded``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from ffnn_studio.core.spec import BuiltinDataSource, CsvDataSource, Task
from ffnn_studio.data import load_dataset, prepare
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.ui.dataset.data_preview import (
    MAX_POINTS,
    PROJECTION_FEATURES,
    PROJECTION_ONE,
    PROJECTION_PCA,
    DataPreview,
    summarize,
)
from ffnn_studio.ui.run import background

FILES = Path(__file__).resolve().parents[1] / "data" / "files"


@pytest.fixture
def preview(qtbot) -> DataPreview:
    widget = DataPreview()
    qtbot.addWidget(widget)
    widget.resize(420, 620)
    widget.show()
    return widget


def load(qtbot, preview: DataPreview, source, base_dir=None) -> None:
    with qtbot.waitSignal(preview.loaded, timeout=20_000):
        preview.set_source(source, base_dir)


def scatter_points(preview: DataPreview) -> list[pg.ScatterPlotItem]:
    return [i for i in preview.plot.items if isinstance(i, pg.ScatterPlotItem)]


def point_count(preview: DataPreview, symbol: str | None = None) -> int:
    total = 0
    for item in scatter_points(preview):
        if symbol is None or item.opts["symbol"] == symbol:
            total += len(item.data)
    return total


def table(model) -> list[list[str]]:
    return [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_iris_shows_three_classes_of_fifty_as_principal_components(qtbot, preview) -> None:
    preview.set_source(BuiltinDataSource("xor", {"n_samples": 100}))
    assert preview.graphics.isVisible()
    preview.set_source(BuiltinDataSource("iris"))
    # A real set loads on a worker thread: the call returns before the data is there,
    # and the previous data set is hidden meanwhile.
    assert preview.loading and preview.summary is None
    assert preview.message.text() == "Loading Iris…"
    assert not preview.graphics.isVisible() and preview.title.text() == ""
    with qtbot.waitSignal(preview.loaded, timeout=20_000):
        pass
    s = preview.summary
    assert s.projection == PROJECTION_PCA
    assert point_count(preview) == 150
    assert preview.plot.getAxis("bottom").labelText.startswith("PC 1 (")
    assert "principal components" in preview.title.text()
    rows = table(preview.classes_model)
    assert [r[:3] for r in rows] == [
        ["setosa", "50", "33.3%"],
        ["versicolor", "50", "33.3%"],
        ["virginica", "50", "33.3%"],
    ]
    assert preview.tabs.tabText(0) == "Classes"
    swatch = preview.classes_model.data(
        preview.classes_model.index(0, 0), Qt.ItemDataRole.DecorationRole
    )
    assert swatch.name() == "#e69f00"  # the decision boundary's class 0


def test_spirals_are_drawn_as_their_two_features(qtbot, preview) -> None:
    with qtbot.waitSignal(preview.loaded, timeout=1000):
        preview.set_source(BuiltinDataSource("spirals", {"n_samples": 400}))
    assert not preview.loading  # synthetic sets are generated inline
    s = preview.summary
    assert s.projection == PROJECTION_FEATURES
    assert point_count(preview) == 400
    assert len(scatter_points(preview)) == 2  # one item per class
    dataset = preview.dataset
    assert np.allclose(s.xy, dataset.x)
    assert preview.plot.getAxis("bottom").labelText == "x1"
    assert preview.plot.getAxis("left").labelText == "x2"
    assert [r[:2] for r in table(preview.classes_model)] == [["A", "200"], ["B", "200"]]
    assert "400 rows · 2 features · binary, 2 classes" in preview.title.text()


def test_pca_is_scikit_learns_on_standardized_features() -> None:
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    dataset = load_dataset(BuiltinDataSource("wine"))
    s = summarize(dataset)
    assert s.projection == PROJECTION_PCA
    expected = PCA(n_components=2).fit_transform(StandardScaler().fit_transform(dataset.x))
    # Components are defined up to their sign.
    for j in range(2):
        sign = np.sign(expected[0, j]) * np.sign(s.xy[0, j])
        assert np.allclose(s.xy[:, j], sign * expected[:, j], atol=1e-3)
    assert s.x_label.startswith("PC 1 (36%")


def test_feature_statistics_table(qtbot, preview) -> None:
    load(qtbot, preview, BuiltinDataSource("iris"))
    dataset = preview.dataset
    model = preview.features_model
    assert model.rowCount() == 4
    assert [model.data(model.index(r, 0)) for r in range(4)] == list(dataset.feature_names)
    x = dataset.x.astype(np.float64)
    for r in range(4):
        values = [model.value(r, c) for c in range(1, 5)]
        expected = [x[:, r].mean(), x[:, r].std(), x[:, r].min(), x[:, r].max()]
        assert values == pytest.approx(expected, rel=1e-5)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "feature"


def test_regression_colours_by_target_with_a_colour_bar(qtbot, preview) -> None:
    load(qtbot, preview, BuiltinDataSource("plane", {"n_samples": 300}))
    s = preview.summary
    assert s.class_counts.size == 0
    assert preview.tabs.tabText(0) == "Target"
    row = table(preview.classes_model)[0]
    assert row[:2] == ["target", "300"]
    y = preview.dataset.y.astype(np.float64)
    assert preview.classes_model.value(0, 2) == pytest.approx(y.mean(), rel=1e-5)
    assert preview._color_bar is not None
    assert point_count(preview) == 300
    brushes = {b.color().name() for b in scatter_points(preview)[0].data["brush"]}
    assert len(brushes) > 20  # a colour map, not a class palette


def test_one_feature_is_drawn_against_the_target(qtbot, preview) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    dataset = Dataset("line", x, 2 * x[:, 0] + 1, Task.REGRESSION, ("size",), ())
    with qtbot.waitSignal(preview.loaded):
        preview.show_dataset(dataset)
    assert preview.summary.projection == PROJECTION_ONE
    assert np.allclose(preview.summary.xy[:, 1], dataset.y)
    assert preview.plot.getAxis("left").labelText == "target"


def test_a_split_shows_training_and_validation(qtbot, preview) -> None:
    dataset = load_dataset(BuiltinDataSource("blobs", {"n_samples": 300}))
    prepared = prepare(dataset, 0.2, 0)
    with qtbot.waitSignal(preview.loaded):
        preview.show_prepared(prepared)
    assert point_count(preview, "o") == prepared.n_train == 240
    assert point_count(preview, "t") == prepared.n_val == 60
    model = preview.classes_model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "class",
        "rows",
        "share",
        "training",
        "validation",
    ]
    assert [[r[3], r[4]] for r in table(model)] == [["80", "20"]] * 3
    assert "240 training / 60 validation" in preview.title.text()


def test_big_sets_are_sampled(qtbot, preview) -> None:
    with qtbot.waitSignal(preview.loaded):
        preview.set_source(BuiltinDataSource("circle", {"n_samples": MAX_POINTS + 500}))
    assert point_count(preview) == MAX_POINTS
    assert f"sample of {MAX_POINTS:,} of the {MAX_POINTS + 500:,} rows" in preview.title.text()
    assert int(preview.summary.class_counts.sum()) == MAX_POINTS + 500


def test_csv_source_loads_in_the_background_with_its_notes(qtbot, preview) -> None:
    source = CsvDataSource(path=str(FILES / "missing.csv"), target="bought", missing="mean")
    load(qtbot, preview, source)
    dataset = preview.dataset
    assert dataset.n_samples == 7
    notes = preview.notes.text()
    assert "dropped 1 row without a target value" in notes
    assert "filled missing values" in notes
    assert preview.tabs.tabText(2) == "Notes (2)"


def test_a_missing_csv_file_is_reported(qtbot, preview) -> None:
    source = CsvDataSource(path=str(FILES / "nowhere.csv"), target="y")
    with qtbot.waitSignal(preview.failed, timeout=10_000) as failed:
        preview.set_source(source)
    assert "CSV file not found" in failed.args[0]
    assert "nowhere.csv" in preview.message.text()
    assert preview.summary is None
    assert not preview.graphics.isVisible()


def test_the_same_source_is_not_loaded_again(qtbot, preview) -> None:
    source = BuiltinDataSource("xor", {"n_samples": 100})
    load(qtbot, preview, source)
    with qtbot.assertNotEmitted(preview.loaded):
        preview.set_source(BuiltinDataSource("xor", {"n_samples": 100}))

    csv = CsvDataSource(path=str(FILES / "flowers.csv"), target="species")
    dataset = load_dataset(csv)
    with qtbot.waitSignal(preview.loaded):
        preview.show_dataset(dataset, source=csv)
    with qtbot.assertNotEmitted(preview.loaded):
        preview.set_source(csv)  # the dialog's data set is shown: no second read
    assert not preview.loading


def test_a_newer_source_wins_over_a_slower_older_one(qtbot, preview) -> None:
    preview.set_source(BuiltinDataSource("digits"))
    assert preview.loading
    older = preview._task
    with qtbot.waitSignal(preview.loaded):
        preview.set_source(BuiltinDataSource("gaussians", {"n_samples": 100}))
    with qtbot.waitSignal(older.finished, timeout=20_000):
        pass  # the digits load ends after the gaussians are shown; its result is dropped
    assert older.was_cancelled
    assert background.running_count() == 0
    assert preview.dataset.name == "gaussians"
    assert point_count(preview) == 100


def test_clear_and_names(qtbot, preview) -> None:
    load(qtbot, preview, BuiltinDataSource("circle", {"n_samples": 100}))
    preview.clear()
    assert preview.summary is None and preview.message.text() == "No data set."
    for widget in (
        preview,
        preview.graphics,
        preview.classes_table,
        preview.features_table,
        preview.notes,
        preview.title,
        preview.tabs,
    ):
        assert widget.objectName() and widget.accessibleName(), widget
