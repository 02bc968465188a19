"""The window's TensorBoard option: a preference in the settings that makes the controller log runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ffnn_studio.config import TENSORBOARD_DIR_KEY, TENSORBOARD_ENABLED_KEY
from ffnn_studio.core.naming import slugify
from ffnn_studio.ui.build.tensorboard_option import TensorBoardOption
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow, studio_settings
from tests.ui.insights_helpers import spirals_project, train
from tests.ui.window_fixtures import fake_controller, sample_project


def test_the_option_is_kept_in_the_settings(qtbot, tmp_path) -> None:
    settings = studio_settings()
    option = TensorBoardOption(settings)
    qtbot.addWidget(option)
    assert not option.isChecked() and option.log_dir() is None
    assert option.folder.text()  # a default folder is offered
    option.setChecked(True)
    option.set_folder(str(tmp_path / "tb"))
    assert option.log_dir() == tmp_path / "tb"
    settings.sync()
    again = TensorBoardOption(QSettings(settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.isChecked() and again.log_dir() == tmp_path / "tb"
    assert settings.value(TENSORBOARD_ENABLED_KEY, type=bool) is True
    assert settings.value(TENSORBOARD_DIR_KEY) == str(tmp_path / "tb")


def test_the_window_passes_the_option_to_the_controller(qtbot, errors) -> None:
    controller = fake_controller()
    window = MainWindow(ProjectDocument(sample_project()), controller=controller)
    qtbot.addWidget(window)
    option = window.tensorboard_option
    assert option.parent() is not None and window.training_panel.isAncestorOf(option)
    assert controller.tensorboard_dir is None
    option.setChecked(True)
    option.set_folder("~/runs")
    assert controller.tensorboard_dir == Path("~/runs").expanduser()
    option.setChecked(False)
    assert controller.tensorboard_dir is None


def test_a_window_run_with_the_option_writes_event_files(qtbot, real_controller, tmp_path) -> None:
    tf = pytest.importorskip("tensorflow")
    real_controller.tensorboard_dir = tmp_path / "logs"
    finished = train(qtbot, real_controller, spirals_project(epochs=3))
    assert finished.reason == "completed"
    (run,) = (tmp_path / "logs").iterdir()
    assert run.name.startswith(slugify(spirals_project().name) + "-")
    (events,) = (run / "train").glob("events.out.tfevents.*")
    tags = {
        (v.tag, e.step)
        for e in tf.compat.v1.train.summary_iterator(str(events))
        for v in e.summary.value
    }
    assert {("epoch_loss", s) for s in (1, 2, 3)} <= tags
    assert any(tag.startswith("gradients/") for tag, _ in tags)
    real_controller.tensorboard_dir = None
    train(qtbot, real_controller, spirals_project(epochs=2))
    assert len(list((tmp_path / "logs").iterdir())) == 1
