"""The application icon: the shipped PNGs are the SVG's renderings, and the window wears it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from ffnn_studio.core.desktop import ICON_SIZES, icon_png_path
from ffnn_studio.ui.widgets.app_icon import app_icon, render_icon


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    return rows.reshape(image.height(), image.width(), 4).astype(int)


def test_the_shipped_pngs_are_renderings_of_the_svg(qapp) -> None:
    for size in ICON_SIZES:
        shipped = QImage(str(icon_png_path(size)))
        assert (shipped.width(), shipped.height()) == (size, size)
        diff = np.abs(pixels(shipped) - pixels(render_icon(size)))
        # Renderers of other Qt versions may differ by a shade at the edges;
        # an SVG changed without rendering the PNGs again differs by far more.
        assert diff.mean() < 2.0, (
            f"{icon_png_path(size).name} differs from the SVG: "
            "run python -m ffnn_studio.ui.widgets.app_icon"
        )


def test_the_icon_is_not_blank(qapp) -> None:
    image = pixels(render_icon(64))
    assert image[32, 32, 3] == 255  # opaque in the middle
    assert image[0, 0, 3] == 0  # transparent rounded corner
    assert len({tuple(p) for p in image.reshape(-1, 4)[::7]}) > 20


def test_the_window_icon_offers_every_size(qapp) -> None:
    icon = app_icon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert set(ICON_SIZES) <= sizes
    assert icon.pixmap(QSize(48, 48)).width() == 48
