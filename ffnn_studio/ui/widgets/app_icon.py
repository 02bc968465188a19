"""The application icon: the bundled SVG and its PNG sizes as a QIcon, and the PNGs' rendering.

``python -m ffnn_studio.ui.widgets.app_icon`` renders the PNG sizes from the
SVG again (after the SVG changed); a test checks that the shipped PNGs match it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QIcon, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from ffnn_studio.core.atomic import atomic_write_bytes
from ffnn_studio.core.desktop import ICON_SIZES, icon_png_path, icon_svg_path


def app_icon() -> QIcon:
    """The window and application icon: every shipped PNG size, and the SVG for the rest."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_png_path(size)
        if path.is_file():
            icon.addFile(str(path))
    svg = icon_svg_path()
    if svg.is_file():
        # Sizes between the PNGs scale from the nearest one; the SVG is for
        # platforms whose Qt has the SVG icon engine.
        icon.addFile(str(svg))
    return icon


def render_icon(size: int, svg: Path | None = None) -> QImage:
    """The SVG rendered at ``size`` × ``size`` pixels, on a transparent background."""
    renderer = QSvgRenderer(str(svg or icon_svg_path()))
    if not renderer.isValid():
        raise ValueError(f"{svg or icon_svg_path()} is not a valid SVG image")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def write_icon_pngs() -> list[Path]:
    """Render every shipped PNG size from the SVG into the resources folder."""
    written = []
    for size in ICON_SIZES:
        target = icon_png_path(size)
        atomic_write_bytes(target, png_bytes(render_icon(size)))
        written.append(target)
    return written


if __name__ == "__main__":
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    for path in write_icon_pngs():
        print(path)
