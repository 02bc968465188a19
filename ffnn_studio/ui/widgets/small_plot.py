"""A small, fixed plot for a panel: no panning, zooming or context menu.

Contract: a pyqtgraph widget; imports Qt and pyqtgraph only.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


class SmallPlot(pg.PlotWidget):
    """A plot of a few curves inside a form: light grid, axes in the palette's text colour."""

    def __init__(
        self, name: str, accessible: str, heights: tuple[int, int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, background=None)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setMinimumHeight(heights[0])
        self.setMaximumHeight(heights[1])
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.hideButtons()
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen(self.foreground)
            item.getAxis(axis).setPen(self.foreground)

    @property
    def foreground(self) -> QColor:
        """The palette's text colour, which the axes are drawn in."""
        return self.palette().color(QPalette.ColorRole.WindowText)
