"""A look at the data before training: a scatter of the points, class counts, feature statistics.

Two-feature data sets are drawn as they are; wider ones as their first two
principal components (scikit-learn's PCA of the standardized features), the
way one would first look at them. Classes take the decision boundary's
colours; regression targets its colour map.

Loading is kept off the GUI thread where it takes time: the synthetic
generators are plain numpy and run inline, while the scikit-learn sets (whose
import alone takes about a second), CSV files and the PCA of a wide data set
run on a worker thread (``ui.background``).

Contract: shows a ``data.Dataset``; computes nothing the training needs. No
engine.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.catalog import DATASETS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import BuiltinDataSource, CsvDataSource, DataSource, Task
from ffnn_studio.data.dataset import Dataset, PreparedData
from ffnn_studio.ui.insights.boundary import REGRESSION_COLORMAP, class_color, output_colors
from ffnn_studio.ui.run.background import BackgroundTask, TaskState
from ffnn_studio.ui.widgets.colors import apply_plot_palette

log = logging.getLogger(__name__)

#: Most points the scatter draws; larger data sets show a fixed random sample.
MAX_POINTS = 3000
#: Rows the PCA is fitted on at most (a sample of a big CSV is as good as all of it).
PCA_FIT_ROWS = 20_000
#: More classes than this (digits: 10) would hide the points under the legend;
#: the Classes table's colour swatches name them instead.
MAX_LEGEND_CLASSES = 6

PROJECTION_FEATURES = "features"
PROJECTION_PCA = "pca"
PROJECTION_ONE = "one feature"


@dataclass(frozen=True, eq=False)
class DataSummary:
    """What the preview shows of a data set, computed without Qt (possibly on a worker)."""

    dataset: Dataset
    prepared: PreparedData | None
    #: Rows of the data set the scatter shows, and their 2-D coordinates.
    shown: np.ndarray
    xy: np.ndarray
    x_label: str
    y_label: str
    #: ``PROJECTION_FEATURES``, ``PROJECTION_PCA`` or ``PROJECTION_ONE``.
    projection: str
    #: Rows per class (classification), else empty.
    class_counts: np.ndarray
    #: Rows per class in the training and validation parts (with a split), else None.
    train_counts: np.ndarray | None
    val_counts: np.ndarray | None
    #: Per feature: mean, std, min, max.
    feature_stats: np.ndarray
    #: The regression target's mean, std, min, max; None for classification.
    target_stats: np.ndarray | None

    @property
    def n_points(self) -> int:
        return len(self.shown)


def _stats(values: np.ndarray) -> np.ndarray:
    """mean, std, min, max of each column of ``values`` (n, d) → (d, 4)."""
    if len(values) == 0:
        return np.full((values.shape[1], 4), np.nan)
    v = values.astype(np.float64)
    return np.stack([v.mean(axis=0), v.std(axis=0), v.min(axis=0), v.max(axis=0)], axis=1)


def _sample(n: int, limit: int, seed: int = 0) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def _pca(x: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, tuple[float, float]] | None:
    """The shown rows' first two principal components of the standardized features.

    None when the features do not vary (nothing to project).
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    fit_rows = _sample(len(x), PCA_FIT_ROWS, seed=1)
    scaler = StandardScaler().fit(x[fit_rows])
    z_fit = scaler.transform(x[fit_rows])
    if len(fit_rows) < 2 or not np.any(z_fit.std(axis=0) > 0):
        return None
    with warnings.catch_warnings():
        # A data set of rank 1 makes the second component's variance 0/0.
        warnings.simplefilter("ignore", RuntimeWarning)
        pca = PCA(n_components=2, random_state=0).fit(z_fit)
        xy = pca.transform(scaler.transform(x[shown]))
    ratios = np.nan_to_num(pca.explained_variance_ratio_, nan=0.0)
    return xy, (float(ratios[0]), float(ratios[1]))


def summarize(dataset: Dataset, prepared: PreparedData | None = None) -> DataSummary:
    """The scatter coordinates, class counts and statistics of ``dataset`` (and its split)."""
    x, y = dataset.x, dataset.y
    names = dataset.feature_names
    shown = _sample(len(x), MAX_POINTS)
    classification = dataset.task.is_classification
    projection = PROJECTION_FEATURES
    if dataset.n_features >= 3:
        result = _pca(x, shown)
        if result is not None:
            xy, (r1, r2) = result
            projection = PROJECTION_PCA
            x_label = f"PC 1 ({r1:.0%} of the variance)"
            y_label = f"PC 2 ({r2:.0%} of the variance)"
        else:
            xy = x[shown, :2].astype(np.float64)
            x_label, y_label = names[0], names[1]
    elif dataset.n_features == 2:
        xy = x[shown].astype(np.float64)
        x_label, y_label = names[0], names[1]
    else:
        projection = PROJECTION_ONE
        first = x[shown, 0] if dataset.n_features else np.zeros(len(shown))
        xy = np.stack([first, y[shown].astype(np.float64)], axis=1)
        x_label = names[0] if names else ""
        y_label = "class" if classification else "target"

    k = dataset.n_classes
    class_counts = np.bincount(y, minlength=k) if classification else np.zeros(0, np.int64)
    train_counts = val_counts = None
    if prepared is not None and classification:
        train_counts = np.bincount(prepared.y_train, minlength=k)
        val_counts = np.bincount(prepared.y_val, minlength=k)
    target_stats = None if classification else _stats(y[:, None])[0]
    return DataSummary(
        dataset=dataset,
        prepared=prepared,
        shown=shown,
        xy=np.asarray(xy, dtype=np.float64),
        x_label=x_label,
        y_label=y_label,
        projection=projection,
        class_counts=class_counts,
        train_counts=train_counts,
        val_counts=val_counts,
        feature_stats=_stats(x),
        target_stats=target_stats,
    )


def _number(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:.4g}"


class SimpleTableModel(QAbstractTableModel):
    """A read-only table of rows of values; numbers right-aligned, optional colour swatches."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: tuple[str, ...] = ()
        self._rows: list[tuple[Any, ...]] = []
        self._colors: list[QColor | None] = []

    def set_rows(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        colors: Sequence[QColor | None] | None = None,
    ) -> None:
        self.beginResetModel()
        self._headers = tuple(headers)
        self._rows = [tuple(r) for r in rows]
        self._colors = list(colors) if colors is not None else [None] * len(self._rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def value(self, row: int, column: int) -> Any:
        """The raw value of a cell (numbers stay numbers)."""
        return self._rows[row][column]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, bool
        )
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if isinstance(value, (float, np.floating)):
                return _number(float(value))
            return f"{value:,}" if numeric else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return self._colors[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, (float, np.floating)):
            return repr(float(value))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None


def _table(name: str, accessible: str, model: SimpleTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(20)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def stretch_names() -> None:
        # The name column takes the spare width; numbers stay next to their names.
        if model.columnCount():
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    model.modelReset.connect(stretch_names)
    return view


def _task_text(dataset: Dataset) -> str:
    if dataset.task is Task.REGRESSION:
        return "regression"
    kind = "binary" if dataset.task is Task.BINARY else "multi-class"
    return f"{kind}, {dataset.n_classes} classes"


def _load(source: DataSource, base_dir: Path | None, state: TaskState) -> Dataset:
    if isinstance(source, CsvDataSource):
        from ffnn_studio.data.csv_import import read_csv_dataset

        return read_csv_dataset(source, base_dir, state.progress, state.cancelled)
    from ffnn_studio.data.loading import load_dataset

    return load_dataset(source, base_dir)


def _fast(source: DataSource) -> bool:
    """True for sources that load in milliseconds without scikit-learn (the 2-D generators)."""
    if not isinstance(source, BuiltinDataSource):
        return False
    entry = DATASETS.get(source.name)
    return entry is not None and entry.synthetic


class DataPreview(QWidget):
    """Scatter, class counts, feature statistics and import notes of one data set."""

    #: A data set is shown (after a background load, or at once for fast ones).
    loaded = Signal()
    #: Loading failed; the message names the problem.
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPreview")
        self.setAccessibleName("Data preview")
        self.summary: DataSummary | None = None
        self.error: str | None = None
        self._key: str | None = None
        self._generation = 0
        self._task: BackgroundTask | None = None
        self._color_bar: pg.ColorBarItem | None = None
        self._scatter_items: list[pg.ScatterPlotItem] = []

        self.title = QLabel()
        self.title.setObjectName("dataPreviewTitle")
        self.title.setAccessibleName("Data set summary")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLabel("No data set.")
        self.message.setObjectName("dataPreviewMessage")
        self.message.setAccessibleName("Data preview message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("dataPreviewPlot")
        self.graphics.setAccessibleName("Scatter plot of the data")
        self.graphics.setMinimumHeight(220)
        self.plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.legend = pg.LegendItem(offset=(-6, 6), labelTextSize="8pt")
        self.legend.setParentItem(self.plot.getViewBox())
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, 6))

        self.classes_model = SimpleTableModel(self)
        self.classes_table = _table("dataPreviewClasses", "Class counts", self.classes_model)
        self.features_model = SimpleTableModel(self)
        self.features_table = _table(
            "dataPreviewFeatures", "Feature statistics", self.features_model
        )
        self.notes = QLabel()
        self.notes.setObjectName("dataPreviewNotes")
        self.notes.setAccessibleName("Import notes")
        self.notes.setWordWrap(True)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("dataPreviewTabs")
        self.tabs.setAccessibleName("Data details")
        self.tabs.addTab(self.classes_table, "Classes")
        self.tabs.addTab(self.features_table, "Features")
        self.tabs.addTab(self.notes, "Notes")
        self.tabs.setMinimumHeight(170)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.graphics, 3)
        layout.addWidget(self.tabs, 2)
        self._apply_palette()
        self._show_content(False)

    # ------------------------------------------------------------------ inputs

    @property
    def dataset(self) -> Dataset | None:
        return self.summary.dataset if self.summary is not None else None

    @property
    def loading(self) -> bool:
        return self._task is not None

    def set_source(self, source: DataSource | None, base_dir: Path | None = None) -> None:
        """Show the data a project's source describes; the same source again is a no-op.

        Fast (synthetic) sources are shown at once; the rest load on a worker
        thread and ``loaded`` (or ``failed``) follows.
        """
        if source is None:
            self.clear()
            return
        key = repr((source, base_dir))
        if key == self._key:
            return
        self._start(key)
        if _fast(source):
            try:
                dataset = _load(source, base_dir, TaskState())
            except StudioError as exc:
                self._fail(str(exc))
                return
            if dataset.n_features <= 2:
                self._present(summarize(dataset))
                return
            self._summarize_in_background(dataset, None)
            return
        label = source.describe()
        self._show_busy(f"Loading {label}…")

        def work(state: TaskState) -> DataSummary:
            return summarize(_load(source, base_dir, state))

        self._run(work)

    def show_dataset(
        self,
        dataset: Dataset,
        prepared: PreparedData | None = None,
        *,
        source: DataSource | None = None,
        base_dir: Path | None = None,
    ) -> None:
        """Show a data set already loaded (e.g. by the CSV dialog, or a run's split).

        ``source`` names where it came from, so a following ``set_source`` with
        the same source does not load it again.
        """
        key = repr((source, base_dir)) if source is not None else f"dataset:{id(dataset)}"
        self._start(key)
        if dataset.n_features <= 2:
            self._present(summarize(dataset, prepared))
        else:
            self._summarize_in_background(dataset, prepared)

    def show_prepared(self, prepared: PreparedData, source: DataSource | None = None) -> None:
        """Show a split data set: training points as circles, validation as triangles."""
        self.show_dataset(prepared.dataset, prepared, source=source)

    def clear(self) -> None:
        self._start(None)
        self.summary = None
        self.error = None
        self.title.setText("")
        self.message.setText("No data set.")
        self.message.show()
        self._show_content(False)

    # ------------------------------------------------------------------ loading

    def _start(self, key: str | None) -> None:
        """Forget what is loading; results of older loads are dropped."""
        self._key = key
        self._generation += 1
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _summarize_in_background(self, dataset: Dataset, prepared: PreparedData | None) -> None:
        self._show_busy(f"Projecting {dataset.name} onto its principal components…")
        self._run(lambda _state: summarize(dataset, prepared))

    def _show_busy(self, text: str) -> None:
        """While loading, the previous data set is hidden: its plot would pass for the new one's."""
        self.summary = None
        self.error = None
        self.title.setText("")
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.message.show()
        self._show_content(False)

    def _run(self, work: Any) -> None:
        generation = self._generation
        task = BackgroundTask(work, self, name="dataPreviewTask")
        task.succeeded.connect(lambda summary: self._on_done(generation, summary, None))
        task.failed.connect(lambda error: self._on_done(generation, None, error))
        task.finished.connect(task.deleteLater)
        self._task = task
        task.start()

    def _on_done(
        self, generation: int, summary: DataSummary | None, error: BaseException | None
    ) -> None:
        if generation != self._generation:
            return
        self._task = None
        if summary is not None:
            self._present(summary)
        elif isinstance(error, StudioError):
            self._fail(str(error))
        else:
            log.error("data preview failed", exc_info=error)
            self._fail(f"Unexpected error while loading the data: {type(error).__name__}: {error}")

    def _fail(self, message: str) -> None:
        self.summary = None
        self.error = message
        self.title.setText("")
        self.message.setText(f"⚠ {message}")
        self.message.setStyleSheet("color: #c0392b;")
        self.message.show()
        self._show_content(False)
        self.failed.emit(message)

    # ------------------------------------------------------------------ drawing

    def _show_content(self, visible: bool) -> None:
        self.graphics.setVisible(visible)
        self.tabs.setVisible(visible)

    def _present(self, summary: DataSummary) -> None:
        self.summary = summary
        self.error = None
        self.message.setStyleSheet("")
        self.message.hide()
        self._draw_title(summary)
        self._draw_scatter(summary)
        self._fill_classes(summary)
        self._fill_features(summary)
        self._fill_notes(summary)
        self._show_content(True)
        self.loaded.emit()

    def _draw_title(self, s: DataSummary) -> None:
        d = s.dataset
        parts = [
            f"<b>{d.name}</b>",
            f"{d.n_samples:,} rows",
            f"{d.n_features} feature{'s' if d.n_features != 1 else ''}",
            _task_text(d),
        ]
        if s.prepared is not None:
            parts.append(f"{s.prepared.n_train:,} training / {s.prepared.n_val:,} validation")
        lines = [" · ".join(parts)]
        if s.projection == PROJECTION_PCA:
            lines.append(
                f"<i>{d.n_features} features drawn as their first two principal components "
                "(PCA of the standardized features).</i>"
            )
        if d.n_classes > MAX_LEGEND_CLASSES:
            lines.append("<i>Class colours: see the Classes tab.</i>")
        if s.n_points < d.n_samples:
            lines.append(f"<i>Showing a sample of {s.n_points:,} of the {d.n_samples:,} rows.</i>")
        self.title.setText("<br>".join(lines))

    def _clear_plot(self) -> None:
        for item in self._scatter_items:
            self.plot.removeItem(item)
        self._scatter_items = []
        self.legend.clear()
        if self._color_bar is not None:
            self.graphics.removeItem(self._color_bar)
            self._color_bar = None

    def _add_points(self, xy: np.ndarray, symbol: str, **opts: Any) -> None:
        if len(xy) == 0:
            return
        pen = (
            pg.mkPen(20, 20, 20, 200, width=1.0) if symbol == "t" else pg.mkPen(255, 255, 255, 160)
        )
        item = pg.ScatterPlotItem(
            x=xy[:, 0], y=xy[:, 1], symbol=symbol, size=8 if symbol == "t" else 6, pen=pen, **opts
        )
        self.plot.addItem(item)
        self._scatter_items.append(item)

    def _draw_scatter(self, s: DataSummary) -> None:
        self._clear_plot()
        d = s.dataset
        y = d.y[s.shown]
        if s.prepared is not None:
            validation = np.isin(s.shown, s.prepared.val_index)
        else:
            validation = np.zeros(len(s.shown), dtype=bool)
        if d.task.is_classification:
            for k in range(d.n_classes):
                brush = pg.mkBrush(class_color(k))
                of_class = y == k
                self._add_points(s.xy[of_class & ~validation], "o", brush=brush)
                self._add_points(s.xy[of_class & validation], "t", brush=brush)
                if d.n_classes <= MAX_LEGEND_CLASSES:
                    sample = pg.ScatterPlotItem(symbol="o", brush=brush, pen=pg.mkPen("w"), size=8)
                    self.legend.addItem(sample, d.class_names[k])
        else:
            finite = y[np.isfinite(y)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            hi = hi if hi > lo else lo + 1.0
            rgba = output_colors(y[:, None], Task.REGRESSION, 0, (lo, hi))
            brushes = np.array([pg.mkBrush(*c) for c in rgba.tolist()], dtype=object)
            self._add_points(s.xy[~validation], "o", brush=list(brushes[~validation]))
            self._add_points(s.xy[validation], "t", brush=list(brushes[validation]))
            self._color_bar = pg.ColorBarItem(
                values=(lo, hi),
                colorMap=pg.colormap.get(REGRESSION_COLORMAP),
                interactive=False,
                width=12,
                label="target",
            )
            self.graphics.addItem(self._color_bar, row=0, col=1)
        if s.prepared is not None:
            grey = pg.mkBrush(160, 160, 160)
            self.legend.addItem(pg.ScatterPlotItem(symbol="o", brush=grey, size=8), "training")
            self.legend.addItem(pg.ScatterPlotItem(symbol="t", brush=grey, size=9), "validation")
        self.plot.setLabel("bottom", s.x_label)
        self.plot.setLabel("left", s.y_label)
        self.plot.enableAutoRange()

    def _fill_classes(self, s: DataSummary) -> None:
        d = s.dataset
        if not d.task.is_classification:
            self.tabs.setTabText(0, "Target")
            stats = s.target_stats if s.target_stats is not None else np.full(4, np.nan)
            self.classes_model.set_rows(
                ("target", "rows", "mean", "std", "min", "max"),
                [("target", d.n_samples, *(float(v) for v in stats))],
            )
            return
        self.tabs.setTabText(0, "Classes")
        total = max(int(s.class_counts.sum()), 1)
        headers = ["class", "rows", "share"]
        if s.train_counts is not None and s.val_counts is not None:
            headers += ["training", "validation"]
        rows = []
        for k, name in enumerate(d.class_names):
            count = int(s.class_counts[k])
            row: list[Any] = [name, count, f"{count / total:.1%}"]
            if s.train_counts is not None and s.val_counts is not None:
                row += [int(s.train_counts[k]), int(s.val_counts[k])]
            rows.append(tuple(row))
        colors = [class_color(k) for k in range(d.n_classes)]
        self.classes_model.set_rows(headers, rows, colors)

    def _fill_features(self, s: DataSummary) -> None:
        rows = [
            (name, *(float(v) for v in stats))
            for name, stats in zip(s.dataset.feature_names, s.feature_stats, strict=True)
        ]
        self.features_model.set_rows(("feature", "mean", "std", "min", "max"), rows)

    def _fill_notes(self, s: DataSummary) -> None:
        notes = s.prepared.notes if s.prepared is not None else s.dataset.notes
        if notes:
            self.notes.setText("\n".join(f"• {n}" for n in notes))
        else:
            self.notes.setText("No notes: the data set was used as it is.")
        self.tabs.setTabText(2, f"Notes ({len(notes)})" if notes else "Notes")

    # ------------------------------------------------------------------ looks

    def _apply_palette(self) -> None:
        apply_plot_palette(self.palette(), self.graphics, self.plot, self.legend)
