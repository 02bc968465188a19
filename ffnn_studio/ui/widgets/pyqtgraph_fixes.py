"""Workarounds for defects of the installed pyqtgraph, applied once at start-up.

Contract: nothing here runs on import. ``apply_pyqtgraph_fixes()`` (called by
``ui.app.ensure_application``) probes each defect and patches only a pyqtgraph
that has it, so a fixed release is left untouched. Imports pyqtgraph, no
other part of the studio.
"""

from __future__ import annotations

import re
import sys
from xml.dom import minidom

#: A path as Qt 6.11's SVG generator writes it for every ViewBox: closed with "Z".
_CLOSED_PATH = "M0,0 L4,0 L4,3 L0,3 L0,0 Z"


def _open_closed_paths(d: str) -> str:
    """SVG path data with each close ("Z") written as a line back to the subpath's start."""
    out: list[str] = []
    start: str | None = None
    for token in re.sub(r"\s*[Zz]", " Z", d).split():
        if token == "Z":
            if start is not None:
                out.append("L" + start)
            continue
        if token[0] in "Mm":
            start = token[1:]
        out.append(token)
    return " ".join(out)


def _svg_module():  # type: ignore[no-untyped-def]
    from pyqtgraph.exporters import SVGExporter

    return sys.modules[SVGExporter.__module__]


def svg_export_fails_on_closed_paths() -> bool:
    """True when pyqtgraph's SVG coordinate correction cannot parse a closed path.

    pyqtgraph 0.13.7 and 0.14.0 split path data into "x,y" pairs and raise
    ValueError on the "Z" (pyqtgraph issues #3485, #3495), which made every SVG
    export of a plot fail, the plot context menu's "Export…" dialog included.
    """
    correct = getattr(_svg_module(), "correctCoordinates", None)
    if correct is None:
        return False
    doc = minidom.parseString(
        '<g><g transform="matrix(1,0,0,1,0,0)">'
        f'<path d="{_CLOSED_PATH}"/></g></g>'
    )
    try:
        correct(doc.documentElement, [], None, {})
    except ValueError:
        return True
    return False


def _fix_svg_closed_paths() -> None:
    module = _svg_module()
    original = module.correctCoordinates

    def correct_coordinates(node, defs, item, options):  # type: ignore[no-untyped-def]
        for path in node.getElementsByTagName("path"):
            d = path.getAttribute("d")
            if "Z" in d or "z" in d:
                path.setAttribute("d", _open_closed_paths(d))
        return original(node, defs, item, options)

    # The exporter looks the function up in its module namespace, so patching
    # it there fixes both SVGExporter.export and the context menu's dialog.
    module.correctCoordinates = correct_coordinates


def apply_pyqtgraph_fixes() -> tuple[str, ...]:
    """Patch the defects the installed pyqtgraph has; returns the names of those patched."""
    applied: list[str] = []
    if svg_export_fails_on_closed_paths():
        _fix_svg_closed_paths()
        applied.append("svg-closed-paths")
    return tuple(applied)
