"""The window's menus: examples by title, every dock in View, the Help menu."""

from __future__ import annotations

import pytest

from ffnn_studio.core.examples import list_examples, load_example
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from tests.ui.window_fixtures import (  # noqa: F401  (fixtures)
    errors_fixture,
    fake_controller,
    isolated_settings_fixture,
    sample_project,
)


@pytest.fixture
def make_window(qtbot, errors):
    def make() -> MainWindow:
        window = MainWindow(ProjectDocument(sample_project()), controller=fake_controller())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def test_open_example_lists_the_projects_titles(qtbot, make_window) -> None:
    window = make_window()
    actions = [a for a in window.examples_menu.actions() if a.objectName().startswith("example:")]
    assert len(actions) == len(list_examples())
    for action in actions:
        name = action.objectName().removeprefix("example:")
        assert action.text() == load_example(name).name
    assert "Two spirals" in [a.text() for a in actions]
    spirals = next(a for a in actions if a.text() == "Two spirals")
    spirals.trigger()
    assert window.document.project.name == "Two spirals"
