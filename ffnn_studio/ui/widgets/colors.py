"""Colours shared by the layer stack and the per-layer plots, and plot theming.

The palette is Okabe & Ito's colour-blind-safe set (black left out, it vanishes
on dark themes; yellow last, it is faint on white). ``layer_color(i)`` numbers
the *trainable* layers the way the engine reports them (``RunStarted.layers``,
``ProbeReport.layers``): the hidden Dense layers in stack order, Dropout layers
not counted, then the output layer. The layer stack must count the same way,
so Dense layer i has one colour everywhere.

Contract: colours and plot theming only; imports Qt and pyqtgraph, nothing
of the studio.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

#: Okabe-Ito: blue, orange, bluish green, vermillion, sky blue, reddish purple, yellow.
LAYER_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
)

#: Training and validation curves of the loss and metric plots.
TRAINING_COLOR = "#0072B2"
VALIDATION_COLOR = "#D55E00"


def layer_color(i: int) -> QColor:
    """The colour of trainable layer ``i`` (0-based; see the module docstring)."""
    if i < 0:
        raise ValueError(f"layer index must be >= 0, got {i}")
    base = QColor(LAYER_PALETTE[i % len(LAYER_PALETTE)])
    cycle = i // len(LAYER_PALETTE)
    # Past the palette, repeat it darker so neighbours still differ in lightness.
    return base.darker(100 + 45 * cycle) if cycle else base


def layer_colors(n: int) -> list[QColor]:
    """The colours of the first ``n`` trainable layers."""
    return [layer_color(i) for i in range(n)]


def apply_plot_palette(
    palette: QPalette, graphics: pg.GraphicsLayoutWidget, plot: pg.PlotItem, legend: pg.LegendItem
) -> None:
    """Give a pyqtgraph plot the widget palette's base and text colours (light or dark)."""
    bg = palette.color(QPalette.ColorRole.Base)
    fg = palette.color(QPalette.ColorRole.Text)
    graphics.setBackground(bg)
    for axis in ("left", "bottom"):
        ax = plot.getAxis(axis)
        ax.setPen(fg)
        ax.setTextPen(fg)
    legend.setBrush(pg.mkBrush(bg.red(), bg.green(), bg.blue(), 210))
    legend.setLabelTextColor(fg)
