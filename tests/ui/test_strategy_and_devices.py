"""The Training panel's strategy choice, and the devices in the status bar and About."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ffnn_studio.engine import devices as engine_devices
from ffnn_studio.engine.devices import DeviceInfo
from ffnn_studio.ui.build.training_panel import TrainingPanel
from ffnn_studio.ui.devices_text import devices_about_rows, devices_status
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from ffnn_studio.ui.menus import about_html
from tests.ui.window_fixtures import fake_controller

CPU_AND_GPU = [
    DeviceInfo("/physical_device:CPU:0", "CPU", memory_bytes=16_000_000_000),
    DeviceInfo("/physical_device:GPU:0", "GPU", "NVIDIA A100", 40_000_000_000),
]


@pytest.fixture
def known(monkeypatch):
    def set_known(devices):
        monkeypatch.setattr(engine_devices, "_known", devices)

    return set_known


def test_the_strategy_combo_edits_the_project_with_undo(qtbot, document: ProjectDocument):
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    combo = panel.strategy
    assert combo.objectName() == "strategyCombo" and combo.accessibleName()
    assert combo.currentData() == "default"
    combo.setCurrentIndex(combo.findData("mirrored"))
    assert document.project.training.strategy == "mirrored"
    assert "MirroredStrategy" in combo.toolTip()
    document.undo_stack.undo()
    assert document.project.training.strategy == "default"
    assert combo.currentData() == "default"


def test_multi_worker_is_shown_but_runs_from_the_command_line_only(qtbot, document):
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    item = panel.strategy.model().item(panel.strategy.findData("multi-worker"))
    assert not item.isEnabled()
    assert "ffnn-studio train" in panel.strategy.itemData(
        panel.strategy.findData("multi-worker"), Qt.ItemDataRole.ToolTipRole
    )


def test_devices_text_before_and_after_tensorflow_was_asked(known):
    known(None)
    assert devices_status() == ("", "")
    assert devices_about_rows() == []
    known(CPU_AND_GPU)
    short, tip = devices_status()
    assert short == "Training on 1 GPU"
    assert "GPU 0: NVIDIA A100, 40.0 GB" in tip and "16.0 GB" in tip
    assert ("Device", "GPU 0: NVIDIA A100, 40.0 GB") in devices_about_rows()
    known(CPU_AND_GPU[:1])
    assert devices_status()[0] == "Training on the CPU"
    assert any(name == "GPU" and "none" in text for name, text in devices_about_rows())


def test_the_status_bar_shows_the_devices_once_warmed_up(qtbot, known, document):
    controller = fake_controller()
    window = MainWindow(document, controller=controller)
    qtbot.addWidget(window)
    known(CPU_AND_GPU)
    assert window.devices_label.text() == ""  # nothing asked at start-up
    controller.warmedUp.emit()
    assert window.devices_label.text() == "Training on 1 GPU"
    assert "NVIDIA A100" in window.devices_label.toolTip()
    assert "NVIDIA A100" in about_html()
