"""The Training panel's learning-rate schedule (with its plot) and initial-weights seed.

Contract: reads the document's training settings and pushes training
commands; keeps no copy of the project. No engine (the plot is the schedule's
numpy twin, ``core.schedule_math``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.catalog import DATASETS, SCHEDULES, TRAINING
from ffnn_studio.core.schedule_math import learning_rates, schedule_params
from ffnn_studio.core.spec import BuiltinDataSource, Project, ScheduleSpec
from ffnn_studio.ui.build.param_widgets import (
    editor_signal,
    fill_choice_combo,
    help_label,
    make_param_editor,
    select_combo_data,
    set_editor_value,
)
from ffnn_studio.ui.document.commands import EditTrainingCommand
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.widgets.small_plot import SmallPlot

#: Steps an epoch is drawn with when the data's size is not known from the project.
DEFAULT_STEPS_PER_EPOCH = 10
#: What the initial-weights seed field shows when the weights follow the seed.
FOLLOWS_SEED = "Same as seed"


def steps_per_epoch_estimate(project: Project) -> int:
    """Steps an epoch takes, as far as the project tells (a built-in set's size)."""
    data = project.data
    if not isinstance(data, BuiltinDataSource) or data.name not in DATASETS:
        return DEFAULT_STEPS_PER_EPOCH
    n = data.resolved_params().get("n_samples")
    if not isinstance(n, int | float) or isinstance(n, bool):
        return DEFAULT_STEPS_PER_EPOCH
    train = max(1, int(n) - math.ceil(int(n) * project.training.validation_fraction))
    return -(-train // max(1, project.training.batch_size))


def schedule_curve(project: Project) -> tuple[np.ndarray, np.ndarray]:
    """(epoch, learning rate of the epoch's last step) over the project's run."""
    t = project.training
    spe = steps_per_epoch_estimate(project)
    epochs = np.arange(1, max(1, t.epochs) + 1)
    rates = learning_rates(
        t.lr_schedule,
        t.optimizer.learning_rate,
        epochs * spe - 1,
        steps_per_epoch=spe,
        epochs=t.epochs,
    )
    return epochs.astype(np.float64), rates


class SchedulePlot(SmallPlot):
    """The learning rate over the run's epochs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("schedulePlot", "Learning rate over the run", (110, 140), parent)
        item = self.getPlotItem()
        item.setLabel("bottom", "epoch")
        left = item.getAxis("left")
        # Rates such as 0.001 as they are, not as "1" with a hidden "×1e-3".
        left.enableAutoSIPrefix(False)
        left.setWidth(48)
        self.curve = item.plot(pen=pg.mkPen("#0072B2", width=2))

    def show_project(self, project: Project) -> None:
        if project.training.lr_schedule.name not in SCHEDULES:
            self.curve.setData([], [])
            return
        x, y = schedule_curve(project)
        self.curve.setData(x, y)
        hi = float(y.max()) if y.size else 1.0
        self.getPlotItem().setYRange(0.0, hi * 1.08 if hi > 0 else 1.0, padding=0)
        self.getPlotItem().setXRange(0.5 if len(x) > 1 else 0.0, float(x[-1]), padding=0.02)


class ScheduleBox(QGroupBox):
    """Edits ``training.lr_schedule``: the schedule, its parameters and the warm-up."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__("Learning-rate schedule", parent)
        self.setObjectName("lrScheduleGroup")
        self.setAccessibleName("Learning-rate schedule")
        self.document = document
        self.editors: dict[str, QWidget] = {}
        self._form_schedule: str | None = None

        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.combo = QComboBox()
        self.combo.setObjectName("lrScheduleCombo")
        self.combo.setAccessibleName("Learning-rate schedule")
        fill_choice_combo(self.combo, SCHEDULES)
        top.addRow("Sc&hedule:", self.combo)
        self.warmup = make_param_editor(TRAINING.warmup_epochs, "warmupSpin")
        top.addRow("&Warm-up epochs:", self.warmup)
        layout.addLayout(top)
        self.params = QWidget()
        self.params.setObjectName("lrScheduleParams")
        self.params.setAccessibleName("Schedule parameters")
        self.form = QFormLayout(self.params)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.params)
        self.help = help_label("lrScheduleHelp", "Schedule help")
        layout.addWidget(self.help)
        self.plot = SchedulePlot()
        layout.addWidget(self.plot)

        self.combo.currentIndexChanged.connect(self._on_chosen)
        editor_signal(self.warmup).connect(lambda v: self._push(warmup_epochs=int(v)))
        document.changed.connect(self.refresh)
        self.refresh()

    def _spec(self) -> ScheduleSpec:
        return self.document.project.training.lr_schedule

    def _push(self, **changes: object) -> None:
        old = self._spec()
        new = ScheduleSpec(
            name=str(changes.get("name", old.name)),
            params=dict(changes.get("params", old.params)),  # type: ignore[call-overload]
            warmup_epochs=int(changes.get("warmup_epochs", old.warmup_epochs)),  # type: ignore[call-overload]
        )
        if new == old:
            return
        if not self.document.push(EditTrainingCommand(self.document, "lr_schedule", new)):
            self.refresh()

    def _on_chosen(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name is not None and name != self._spec().name:
            # Another schedule starts at its defaults.
            self._push(name=name, params={})

    def _edit_param(self, name: str, value: float | int | bool) -> None:
        spec = self._spec()
        if spec.name in SCHEDULES and schedule_params(spec).get(name) == value:
            return
        self._push(params={**spec.params, name: value})

    def _rebuild(self, name: str) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self._form_schedule = name
        entry = SCHEDULES.get(name)
        for param in entry.params if entry else ():
            editor = make_param_editor(param, f"schedule_{param.name}")
            self.editors[param.name] = editor
            if isinstance(editor, QCheckBox):
                self.form.addRow(editor)
            else:
                self.form.addRow(f"{param.label}:", editor)
            convert = int if param.kind == "int" else float
            editor_signal(editor).connect(
                lambda v, n=param.name, c=convert: self._edit_param(n, c(v))
            )
        self.params.setVisible(bool(self.editors))

    def refresh(self) -> None:
        spec = self._spec()
        select_combo_data(self.combo, spec.name)
        if spec.name != self._form_schedule:
            self._rebuild(spec.name)
        entry = SCHEDULES.get(spec.name)
        if entry is not None:
            values = schedule_params(spec)
            for name, editor in self.editors.items():
                set_editor_value(editor, values[name])
            self.help.setText(f"{entry.help}<br><i>{entry.formula}</i>")
            self.combo.setToolTip(entry.help)
        set_editor_value(self.warmup, spec.warmup_epochs)
        self.plot.show_project(self.document.project)


class InitSeedSpin(QSpinBox):
    """The initial-weights seed: a number pins the weights; "Same as seed" follows the seed."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("initSeedSpin")
        self.setAccessibleName(TRAINING.init_seed.label)
        self.setToolTip(TRAINING.init_seed.help)
        self.document = document
        # One below the smallest seed stands for "unset".
        self.setRange(
            int(TRAINING.init_seed.minimum or 0) - 1, int(TRAINING.init_seed.maximum or 0)
        )
        self.setSpecialValueText(FOLLOWS_SEED)
        self.setKeyboardTracking(False)
        self.valueChanged.connect(self._on_value)
        document.changed.connect(self.refresh)
        self.refresh()

    def _on_value(self, value: int) -> None:
        new = None if value == self.minimum() else int(value)
        if new == self.document.project.training.init_seed:
            return
        if not self.document.push(EditTrainingCommand(self.document, "init_seed", new)):
            self.refresh()

    def refresh(self) -> None:
        init = self.document.project.training.init_seed
        set_editor_value(self, self.minimum() if init is None else init)
