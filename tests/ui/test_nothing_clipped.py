"""At 1280×800 no label, button, check box or column header of the docks is cut off."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QWidget,
)

from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from tests.ui.window_fixtures import (
    FakeSession,
    fake_controller,
    sample_project,
)


class _History:
    def __init__(self, session: FakeSession) -> None:
        self.session = session

    @property
    def epochs(self) -> int:
        return self.session.epochs_completed

    def column(self, name: str) -> list[float]:
        return [0.5 / (e + 1) for e in range(self.epochs)]


class HistorySession(FakeSession):
    """A fake session with a history, so the Runs tab lists its run."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.history = _History(self)


def _shown(widget: QWidget) -> bool:
    # Hidden tabs and tabified docks hide their widgets, so visibility is enough.
    return widget.isVisible()


def clipped_texts(root: QWidget) -> list[str]:
    """Every visible text of ``root`` that is wider than the room its widget has."""
    out: list[str] = []
    for label in root.findChildren(QLabel):
        text = label.text()
        if label.buddy() is not None:
            text = text.replace("&", "")  # a mnemonic, drawn as an underline
        if not _shown(label) or not text or label.wordWrap() or "<" in text or "\n" in text:
            continue
        room = label.contentsRect().width() - 2 * label.margin()
        if label.fontMetrics().horizontalAdvance(text) > room:
            out.append(f"label {label.objectName()!r}: {text!r}")
    for button in root.findChildren(QAbstractButton):
        text = button.text().replace("&", "")
        if not _shown(button) or not text:
            continue
        if isinstance(button, (QPushButton, QCheckBox)):
            need = button.sizeHint().width()
            if button.width() < need:
                out.append(f"button {button.objectName()!r}: {text!r} ({button.width()} < {need})")
    for header in root.findChildren(QHeaderView):
        if not header.isVisible() or header.orientation() != Qt.Orientation.Horizontal:
            continue
        model = header.model()
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
            need = header.fontMetrics().horizontalAdvance(text) + 2 * header.style().pixelMetric(
                QStyle.PixelMetric.PM_HeaderMargin
            )
            if header.sectionSize(section) < need:
                out.append(f"header {header.objectName() or model.objectName()!r}: {text!r}")
    return out


@pytest.fixture
def small_window(qtbot) -> MainWindow:
    window = MainWindow(
        ProjectDocument(sample_project()),
        controller=fake_controller(HistorySession),
        interactive=False,
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1280, 800))
    return window


def test_nothing_is_clipped_in_the_docks_at_1280x800(qtbot, small_window) -> None:
    window = small_window
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    problems: list[str] = []
    for dock in (window.training_dock, window.data_dock):
        dock.raise_()
        qtbot.waitUntil(lambda d=dock: d.widget().isVisible())
        problems += clipped_texts(dock)
    window.insights_dock.raise_()
    for index in range(window.insights.count()):
        window.insights.setCurrentIndex(index)
        qtbot.waitUntil(lambda i=index: _shown(window.insights.widget(i)))
        problems += clipped_texts(window.insights)
    assert window.insights.runs.model.rowCount() == 1
    for dock in (window.palette_dock, window.stack_dock, window.inspector_dock):
        problems += clipped_texts(dock)
    assert problems == [], "\n".join(problems)


def test_the_inspector_shows_its_basic_fields_without_scrolling(qtbot, small_window) -> None:
    window = small_window
    inspector = window.inspector
    area = window.inspector_dock.widget()
    basic = (
        inspector.units,
        inspector.activation,
        inspector.use_bias,
        inspector.initializer,
        *inspector.regularizers.values(),
    )
    for field in basic:
        bottom = field.mapTo(inspector, field.rect().bottomLeft()).y()
        assert bottom <= area.viewport().height(), field.objectName()


def test_the_network_diagram_titles_neither_overlap_nor_leave_the_view(qtbot, small_window) -> None:
    from ffnn_studio.core.examples import default_project

    window = small_window
    window.document.reset(default_project())  # three hidden layers of 64: five columns
    window.insights_dock.raise_()
    diagram = window.insights.diagram
    window.insights.setCurrentWidget(diagram)
    qtbot.waitUntil(lambda: _shown(diagram.view) and len(diagram.scene.headers) == 5)
    diagram.view.fit()
    view = diagram.view
    boxes = []
    for label in diagram.scene.headers:
        top_left = view.mapFromScene(label.parentItem().scenePos())
        rect = label.boundingRect().translated(label.pos()).translated(top_left.x(), top_left.y())
        boxes.append(rect)
        assert view.viewport().rect().contains(rect.toAlignedRect()), label.text()
    for a, b in itertools.pairwise(boxes):
        assert a.right() <= b.left(), "column titles overlap"
