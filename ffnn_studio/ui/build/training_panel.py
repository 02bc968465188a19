"""The training panel: loss, optimizer and its hyper-parameters, the run's schedule.

Contract: reads the document's training settings and pushes training
commands; keeps no copy of the project. No engine.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.catalog import LOSSES, OPTIMIZERS, TRAINING
from ffnn_studio.core.spec import Task
from ffnn_studio.core.validation import validate_training
from ffnn_studio.ui.build.param_widgets import (
    editor_signal,
    fill_choice_combo,
    help_label,
    make_param_editor,
    problems_label,
    select_combo_data,
    set_editor_value,
    show_problems,
)
from ffnn_studio.ui.build.schedule_box import InitSeedSpin, ScheduleBox
from ffnn_studio.ui.build.strategy_combo import make_strategy_combo, strategy_tooltip
from ffnn_studio.ui.document.commands import (
    EditOptimizerParamCommand,
    EditTrainingCommand,
    SetOptimizerCommand,
)
from ffnn_studio.ui.document.document import DataShape, ProjectDocument

CROSS_ENTROPY_REGRESSION = (
    "Cross-entropy compares predicted class probabilities with class labels; this data set "
    "is a regression task (real-valued targets), so use mean squared error."
)


class TrainingPanel(QWidget):
    """Edits ``project.training``; every change is an undo command."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.setAccessibleName("Training settings")
        self.document = document
        self._loss_task: Task | str | None = "unset"
        self._form_optimizer: str | None = None
        self.optimizer_editors: dict[str, QWidget] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        # -- loss
        loss_box = QGroupBox("Loss")
        loss_box.setObjectName("lossGroup")
        loss_form = QFormLayout(loss_box)
        self.loss = QComboBox()
        self.loss.setObjectName("lossCombo")
        self.loss.setAccessibleName("Loss")
        loss_form.addRow("&Loss:", self.loss)
        self.loss_help = help_label("lossHelp", "Loss help")
        loss_form.addRow(self.loss_help)
        layout.addWidget(loss_box)

        # -- optimizer
        opt_box = QGroupBox("Optimizer")
        opt_box.setObjectName("optimizerGroup")
        opt_layout = QVBoxLayout(opt_box)
        top = QFormLayout()
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("optimizerCombo")
        self.optimizer.setAccessibleName("Optimizer")
        fill_choice_combo(self.optimizer, OPTIMIZERS)
        top.addRow("&Optimizer:", self.optimizer)
        opt_layout.addLayout(top)
        self.optimizer_help = help_label("optimizerHelp", "Optimizer help")
        opt_layout.addWidget(self.optimizer_help)
        self.optimizer_params = QWidget()
        self.optimizer_params.setObjectName("optimizerParams")
        self.optimizer_params.setAccessibleName("Optimizer hyper-parameters")
        self.optimizer_form = QFormLayout(self.optimizer_params)
        self.optimizer_form.setContentsMargins(0, 0, 0, 0)
        opt_layout.addWidget(self.optimizer_params)
        layout.addWidget(opt_box)

        # -- schedule
        sched_box = QGroupBox("Schedule")
        sched_box.setObjectName("scheduleGroup")
        sched = QFormLayout(sched_box)
        self.epochs = make_param_editor(TRAINING.epochs, "epochsSpin")
        self.batch_size = make_param_editor(TRAINING.batch_size, "batchSizeSpin")
        self.validation_fraction = make_param_editor(TRAINING.validation_fraction, "validationSpin")
        self.seed = make_param_editor(TRAINING.seed, "seedSpin")
        assert isinstance(self.validation_fraction, QWidget)
        self.validation_fraction.setSingleStep(0.05)  # type: ignore[attr-defined]
        sched.addRow("&Epochs:", self.epochs)
        sched.addRow("&Batch size:", self.batch_size)
        sched.addRow("&Validation fraction:", self.validation_fraction)
        self.test_fraction = make_param_editor(TRAINING.test_fraction, "testFractionSpin")
        self.test_fraction.setSingleStep(0.05)  # type: ignore[attr-defined]
        sched.addRow("&Test fraction:", self.test_fraction)
        sched.addRow("&Seed:", self.seed)
        self.init_seed = InitSeedSpin(document)
        sched.addRow("&Initial-weights seed:", self.init_seed)
        self.strategy = make_strategy_combo()
        sched.addRow("Strate&gy:", self.strategy)
        layout.addWidget(sched_box)
        self.lr_schedule = ScheduleBox(document)
        layout.addWidget(self.lr_schedule)

        # -- early stopping
        self.early_stopping = QGroupBox("Early stopping")
        self.early_stopping.setObjectName("earlyStoppingGroup")
        self.early_stopping.setAccessibleName("Early stopping")
        self.early_stopping.setCheckable(True)
        self.early_stopping.setToolTip(
            "Stop when the validation loss has not improved for 'patience' epochs: "
            "a remedy for over-fitting."
        )
        es = QFormLayout(self.early_stopping)
        self.patience = make_param_editor(TRAINING.patience, "patienceSpin")
        assert isinstance(self.patience, QSpinBox)
        es.addRow("&Patience:", self.patience)
        self.restore_best = QCheckBox("&Restore best weights")
        self.restore_best.setObjectName("restoreBestCheck")
        self.restore_best.setAccessibleName("Restore best weights")
        self.restore_best.setToolTip("When stopping early, go back to the epoch with the lowest validation loss.")
        es.addRow(self.restore_best)
        layout.addWidget(self.early_stopping)

        self.problems = problems_label("trainingProblems", "Training problems")
        layout.addWidget(self.problems)
        layout.addStretch(1)

        self.loss.currentIndexChanged.connect(lambda i: self._edit("loss", self.loss.itemData(i)))
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_chosen)
        self.strategy.currentIndexChanged.connect(lambda i: self._edit("strategy", self.strategy.itemData(i)))
        for name in ("epochs", "batch_size", "validation_fraction", "seed", "patience"):
            widget = getattr(self, name)
            convert = float if name == "validation_fraction" else int
            editor_signal(widget).connect(lambda v, n=name, c=convert: self._edit(n, c(v)))
        editor_signal(self.test_fraction).connect(lambda v: self._edit("test_fraction", float(v)))
        self.early_stopping.toggled.connect(lambda v: self._edit("early_stopping", bool(v)))
        self.restore_best.toggled.connect(lambda v: self._edit("restore_best_weights", bool(v)))

        document.changed.connect(self.refresh)
        document.lockedChanged.connect(self.refresh)
        self.refresh()

    # -- edits

    def _edit(self, field: str, value: object) -> None:
        if value is None or getattr(self.document.project.training, field) == value:
            return
        if not self.document.push(EditTrainingCommand(self.document, field, value)):
            self.refresh()

    def _on_optimizer_chosen(self, index: int) -> None:
        name = self.optimizer.itemData(index)
        if name is None or name == self.document.project.training.optimizer.name:
            return
        if not self.document.push(SetOptimizerCommand(self.document, name)):
            self.refresh()

    def _edit_optimizer_param(self, name: str, value: float | bool) -> None:
        if self.document.project.training.optimizer.resolved().get(name) == value:
            return
        if not self.document.push(EditOptimizerParamCommand(self.document, name, value)):
            self.refresh()

    # -- document → widgets

    def _task(self) -> Task | None:
        shape = self.document.data_shape()
        return shape.task if isinstance(shape, DataShape) else self.document.project.known_task()

    def _rebuild_optimizer_form(self, name: str) -> None:
        """One editor per catalog hyper-parameter of the optimizer."""
        while self.optimizer_form.rowCount():
            self.optimizer_form.removeRow(0)
        self.optimizer_editors = {}
        entry = OPTIMIZERS.get(name)
        self._form_optimizer = name
        if entry is None:
            return
        for param in entry.params:
            editor = make_param_editor(param, f"optimizer_{param.name}")
            self.optimizer_editors[param.name] = editor
            if isinstance(editor, QCheckBox):
                self.optimizer_form.addRow(editor)
                editor.toggled.connect(lambda v, n=param.name: self._edit_optimizer_param(n, bool(v)))
            else:
                self.optimizer_form.addRow(f"{param.label}:", editor)
                editor_signal(editor).connect(
                    lambda v, n=param.name, k=param.kind: self._edit_optimizer_param(
                        n, int(v) if k == "int" else float(v)
                    )
                )

    def add_section(self, widget: QWidget) -> None:
        """Add a box of the window's own (not a project setting) under the training settings."""
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.problems), widget)

    def refresh(self) -> None:
        training = self.document.project.training
        self.setEnabled(not self.document.locked)

        task = self._task()
        if task != self._loss_task:
            self._loss_task = task
            disabled = {"cross_entropy": CROSS_ENTROPY_REGRESSION} if task is Task.REGRESSION else {}
            fill_choice_combo(self.loss, LOSSES, disabled=disabled)
        select_combo_data(self.loss, training.loss)
        loss = LOSSES.get(training.loss)
        help_text = f"{loss.help}<br><i>{loss.formula}</i>" if loss else ""
        if task is Task.REGRESSION:
            help_text += "<br><b>Cross-entropy is unavailable:</b> " + CROSS_ENTROPY_REGRESSION
        self.loss_help.setText(help_text)
        self.loss.setToolTip(loss.help if loss else "")

        opt = training.optimizer
        select_combo_data(self.optimizer, opt.name)
        entry = OPTIMIZERS.get(opt.name)
        self.optimizer_help.setText(entry.help if entry else "")
        self.optimizer.setToolTip(entry.help if entry else "")
        if opt.name != self._form_optimizer:
            self._rebuild_optimizer_form(opt.name)
        values = opt.resolved()
        for name, editor in self.optimizer_editors.items():
            set_editor_value(editor, values[name])

        for name in ("epochs", "batch_size", "validation_fraction", "seed", "patience"):
            set_editor_value(getattr(self, name), getattr(training, name))
        select_combo_data(self.strategy, training.strategy)
        self.strategy.setToolTip(strategy_tooltip(training.strategy))
        set_editor_value(self.test_fraction, training.test_fraction)
        with QSignalBlocker(self.early_stopping):
            self.early_stopping.setChecked(training.early_stopping)
        # A checkable group box disables its children when unchecked; the signal
        # blocker above skipped that, so redo it by hand.
        for child in (self.patience, self.restore_best):
            child.setEnabled(training.early_stopping)
        with QSignalBlocker(self.restore_best):
            self.restore_best.setChecked(training.restore_best_weights)

        show_problems(self.problems, [str(p) for p in validate_training(training, task)])
