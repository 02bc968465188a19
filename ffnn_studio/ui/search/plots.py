"""The search's plots, drawn with pyqtgraph from the trials: parallel coordinates,
parameter importances, and the best trial's curves beside the window's run.

Contract: plain views of trial records (``engine.search.TrialRecord``, read by
attribute) and parameter specs; no engine import, no state of their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from ffnn_studio.core.search_space import ParamSpec, format_value

PRUNED_COLOR = QColor(150, 150, 150, 110)
BEST_COLOR = QColor(220, 40, 40)


def _styled(widget: pg.PlotWidget, owner: QWidget) -> pg.PlotItem:
    pal = owner.palette()
    widget.setBackground(pal.color(QPalette.ColorRole.Base))
    item = widget.getPlotItem()
    fg = pal.color(QPalette.ColorRole.Text)
    for axis in ("left", "bottom"):
        ax = item.getAxis(axis)
        ax.setPen(fg)
        ax.setTextPen(fg)
        ax.enableAutoSIPrefix(False)
    return item


def _axis_positions(values: Sequence[Any], spec: ParamSpec | None) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """Each value's height on its axis (0..1) and the axis's tick labels."""
    if any(isinstance(v, str) for v in values) or (spec is not None and not spec.is_range):
        order: list[Any] = list(spec.choices) if spec is not None and not spec.is_range else []
        for v in values:
            if v not in order:
                order.append(v)
        n = max(len(order) - 1, 1)
        pos = np.array([order.index(v) / n for v in values], dtype=float)
        return pos, [(i / n, str(v)) for i, v in enumerate(order)]
    nums = np.array([float(v) for v in values], dtype=float)
    log = spec is not None and spec.log
    lo = float(spec.low) if spec is not None and spec.low is not None else float(np.nanmin(nums))
    hi = float(spec.high) if spec is not None and spec.high is not None else float(np.nanmax(nums))
    f = np.log10 if log else (lambda a: a)
    a, b = f(lo), f(hi)
    span = b - a if b != a else 1.0
    pos = (f(nums) - a) / span
    return pos, [(0.0, f"{lo:.3g}"), (1.0, f"{hi:.3g}")]


class ParallelCoordinates(pg.PlotWidget):
    """One vertical axis per parameter and one for the objective; one line per trial."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchParallelPlot")
        self.setAccessibleName("Parallel coordinates of the trials")
        self.item = _styled(self, self)
        self.item.hideAxis("left")
        self.item.hideAxis("bottom")
        self.item.setMouseEnabled(x=False, y=False)
        self.item.hideButtons()
        self.lines: list[pg.PlotCurveItem] = []
        self.axis_names: list[str] = []

    def show_trials(self, records: Sequence[Any], specs: Mapping[str, ParamSpec], objective: str,
                    best_number: int | None, maximize: bool) -> None:
        self.item.clear()
        self.lines = []
        shown = [r for r in records if r.state in ("complete", "pruned") and r.value is not None]
        names = [n for n in specs if any(n in r.params for r in shown)]
        names += [n for r in shown for n in r.params if n not in names]
        self.axis_names = [*names, objective]
        fg = self.palette().color(QPalette.ColorRole.Text)
        if not shown:
            text = pg.TextItem("Finished trials appear here as lines across the parameters.", color=fg, anchor=(0.5, 0.5))
            text.setPos(0.5, 0.5)
            self.item.addItem(text)
            self.item.setRange(xRange=(0, 1), yRange=(0, 1))
            return
        columns = []
        for n in names:
            values = [r.params.get(n) for r in shown]
            known = [v for v in values if v is not None]
            pos, ticks = _axis_positions(known, specs.get(n))
            full = np.full(len(values), np.nan)
            full[[i for i, v in enumerate(values) if v is not None]] = pos
            columns.append((full, ticks))
        scores = np.array([float(r.value) for r in shown])
        finite = scores[np.isfinite(scores)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        score_pos = np.clip((scores - lo) / span, 0, 1)
        score_pos[~np.isfinite(score_pos)] = 1.0 if not maximize else 0.0
        columns.append((score_pos, [(0.0, f"{lo:.4g}"), (1.0, f"{hi:.4g}")]))
        x = np.arange(len(columns), dtype=float)
        cmap = pg.colormap.get("viridis")
        # Good trials drawn last, on top; the colour says how good (yellow best).
        goodness = score_pos if maximize else 1 - score_pos
        order = sorted(range(len(shown)), key=lambda i: (shown[i].state == "complete", goodness[i]))
        for i in order:
            r = shown[i]
            y = np.array([c[0][i] for c in columns])
            if r.number == best_number:
                continue
            if r.state == "pruned":
                pen = pg.mkPen(PRUNED_COLOR, width=1, style=Qt.PenStyle.DashLine)
            else:
                pen = pg.mkPen(cmap.map(float(goodness[i]), mode="qcolor"), width=2)
            line = pg.PlotCurveItem(x, y, pen=pen, connect="finite")
            self.item.addItem(line)
            self.lines.append(line)
        for i, r in enumerate(shown):
            if r.number == best_number:
                y = np.array([c[0][i] for c in columns])
                line = pg.PlotCurveItem(x, y, pen=pg.mkPen(BEST_COLOR, width=4), connect="finite")
                self.item.addItem(line)
                self.lines.append(line)
        axis_pen = pg.mkPen(fg, width=1)
        for j, (name, (_pos, ticks)) in enumerate(zip(self.axis_names, columns, strict=True)):
            self.item.addItem(pg.PlotCurveItem([j, j], [0, 1], pen=axis_pen))
            head = pg.TextItem(name, color=fg, anchor=(0.5, 1.6))
            head.setPos(j, 1.0)
            self.item.addItem(head)
            for at, label in ticks[:12]:
                t = pg.TextItem(label, color=fg, anchor=(-0.1, 0.5))
                t.setPos(j, at)
                self.item.addItem(t)
        # Room left of the first axis for its centred name, right of the last for its ticks.
        self.item.setRange(xRange=(-0.45, len(columns) - 0.45), yRange=(-0.05, 1.12), padding=0)


class ImportancePlot(pg.PlotWidget):
    """Each parameter's importance as a horizontal bar (largest on top)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchImportancePlot")
        self.setAccessibleName("Parameter importances")
        self.item = _styled(self, self)
        self.item.setMouseEnabled(x=False, y=False)
        self.item.hideButtons()
        self.item.setLabel("bottom", "importance (share of the objective's variation, fANOVA)")
        self.values: dict[str, float] = {}

    def show_importances(self, values: Mapping[str, float] | None, message: str = "") -> None:
        self.item.clear()
        self.values = dict(values or {})
        fg = self.palette().color(QPalette.ColorRole.Text)
        if not self.values:
            text = pg.TextItem(message or "Importances need at least 2 completed trials.", color=fg, anchor=(0.5, 0.5))
            text.setPos(0.5, 0.5)
            self.item.addItem(text)
            self.item.getAxis("left").setTicks([[]])
            self.item.setRange(xRange=(0, 1), yRange=(0, 1))
            return
        names = sorted(self.values, key=self.values.get)
        widths = [self.values[n] for n in names]
        bars = pg.BarGraphItem(x0=0, y=np.arange(len(names)), height=0.6, width=widths,
                               brush=pg.mkBrush(70, 130, 200))
        self.item.addItem(bars)
        for i, w in enumerate(widths):
            t = pg.TextItem(f"{w:.2f}", color=fg, anchor=(0, 0.5))
            t.setPos(w, i)
            self.item.addItem(t)
        self.item.getAxis("left").setTicks([[(i, n) for i, n in enumerate(names)]])
        self.item.setRange(xRange=(0, max(max(widths), 1e-9) * 1.15), yRange=(-0.6, len(names) - 0.4), padding=0)


class CurvesPlot(pg.PlotWidget):
    """The best trial's loss curves beside the window's own run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchCurvesPlot")
        self.setAccessibleName("Best trial's curves and the current run's")
        self.item = _styled(self, self)
        self.item.setLabel("bottom", "epoch")
        self.item.setLabel("left", "loss")
        self.item.showGrid(x=True, y=True, alpha=0.15)
        self.legend = self.item.addLegend(labelTextSize="8pt", offset=(-10, 10))
        self.legend.setLabelTextColor(self.palette().color(QPalette.ColorRole.Text))
        self.names: list[str] = []

    def show_curves(self, best: Any | None, current: Mapping[str, np.ndarray] | None) -> None:
        self.item.clear()
        self.legend.clear()
        self.names = []
        runs: list[tuple[str, Mapping[str, Any], QColor]] = []
        if best is not None:
            runs.append((f"best trial {best.number}", best.history, BEST_COLOR))
        if current:
            runs.append(("current run", current, QColor(40, 110, 200)))
        for label, history, color in runs:
            for key, style, suffix in (("loss", Qt.PenStyle.SolidLine, "training"),
                                       ("val_loss", Qt.PenStyle.DashLine, "validation")):
                y = np.asarray(history.get(key, []), dtype=float)
                if not y.size or not np.isfinite(y).any():
                    continue
                name = f"{label} · {suffix}"
                self.item.plot(np.arange(1, y.size + 1), y, pen=pg.mkPen(color, width=2, style=style), name=name)
                self.names.append(name)
        if not self.names:
            text = pg.TextItem("The best trial's curves appear here.",
                               color=self.palette().color(QPalette.ColorRole.Text), anchor=(0.5, 0.5))
            text.setPos(0.5, 0.5)
            self.item.addItem(text)
        self.item.enableAutoRange()


def value_text(name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format_value(name, value)
