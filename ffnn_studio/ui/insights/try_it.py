"""Try it: set the inputs by hand and watch what the trained network predicts.

One control per column of the data (``data.input_fields``): a slider over the
training range with a spin box for numbers, a combo box for a text column;
"Start from" fills them from a real row. The output (each class's probability
as a bar, or the predicted value) follows every move.

Predictions come from ``core.forward`` on the GUI thread (one row through a
small MLP: microseconds): from ``session.weights_snapshot()`` after a run, and
during one from the weights the controller's deliveries carry, at most every
``TRY_IT_REFRESH_MS`` and only while shown. For 2-D data a click on the
decision boundary sets the point, and the boundary marks it.

Contract: reads the controller's session and prepared data; no engine.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.forward import ForwardModel, LayerActivation, activations_for
from ffnn_studio.core.reports import ChunkReport, RunState
from ffnn_studio.core.spec import Project, Task
from ffnn_studio.data.input_fields import (
    FieldValue,
    InputField,
    NumericField,
    default_values,
    encode_inputs,
    input_fields,
    row_values,
)
from ffnn_studio.ui.insights.shown import LiveThrottle, RefreshWhenShown
from ffnn_studio.ui.run.protocols import RunController

log = logging.getLogger(__name__)

#: Live predictions during a run follow the deliveries of weights at most this often.
TRY_IT_REFRESH_MS = 200
#: Steps of a slider over a field's training range.
SLIDER_STEPS = 1000
#: Rows "Start from" lists (training rows first, then validation rows).
MAX_LISTED_ROWS = 2000
NO_MODEL = "No trained model yet. Press Train; then set the inputs here and watch what the network predicts."
STALE_MODEL = "The data set changed since the last run: train again to try the network on it."


def _decimals(field: NumericField) -> int:
    span = field.high - field.low
    if span <= 0 or not math.isfinite(span):
        return 3
    return int(min(6, max(2, 3 - math.floor(math.log10(span)))))


class NumericControl(QWidget):
    """A slider over a field's training range and a spin box for the exact value."""

    valueChanged = Signal()

    def __init__(self, field: NumericField, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._value = field.mean
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"tryItSlider{index}")
        self.slider.setAccessibleName(f"{field.name} slider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip(f"Training range {field.low:.6g} to {field.high:.6g}")
        self.spin = QDoubleSpinBox()
        self.spin.setObjectName(f"tryItSpin{index}")
        self.spin.setAccessibleName(field.name)
        self.spin.setDecimals(_decimals(field))
        span = max(field.high - field.low, 1e-6)
        # Typed values may leave the training range (the slider stops at its ends).
        self.spin.setRange(field.low - 10 * span, field.high + 10 * span)
        self.spin.setSingleStep(span / 100)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(90)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._on_slider)
        self.spin.valueChanged.connect(self._on_spin)

    def value(self) -> float:
        """The exact value: a row's own, not the spin box's rounding of it."""
        return self._value

    def set_value(self, value: float) -> None:
        self._value = float(value)
        with QSignalBlocker(self.spin):
            self.spin.setValue(self._value)
        self._place_slider(self._value)

    def _place_slider(self, value: float) -> None:
        f = self.field
        t = (value - f.low) / (f.high - f.low) if f.high > f.low else 0.5
        with QSignalBlocker(self.slider):
            self.slider.setValue(round(min(max(t, 0.0), 1.0) * SLIDER_STEPS))

    def _on_slider(self, position: int) -> None:
        f = self.field
        self._value = f.low + (f.high - f.low) * position / SLIDER_STEPS
        with QSignalBlocker(self.spin):
            self.spin.setValue(self._value)
        self.valueChanged.emit()

    def _on_spin(self, value: float) -> None:
        self._value = float(value)
        self._place_slider(self._value)
        self.valueChanged.emit()


class TryItView(RefreshWhenShown, QWidget):
    """Inputs set by hand (or from a row, or a click on the boundary) and the network's output."""

    #: The prediction was updated.
    predicted = Signal()
    #: The point of 2-D numeric data that is being tried moved (x, y).
    pointChanged = Signal(float, float)

    def __init__(
        self, parent: QWidget | None = None, *, interval_ms: int = TRY_IT_REFRESH_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tryItView")
        self.setAccessibleName("Try it")
        self._controller: Any = None
        self._document: Any = None
        self._session: Any = None
        self._project: Project | None = None
        self._prepared: Any = None
        self._task: Task | None = None
        self._activations: tuple[LayerActivation, ...] = ()
        self._model: ForwardModel | None = None
        self._throttle = LiveThrottle(interval_ms)
        self.fields: tuple[InputField, ...] = ()
        self.controls: dict[str, NumericControl | QComboBox] = {}
        #: The last prediction for the inputs ((k,) probabilities or (1,) value), or None.
        self.output: np.ndarray | None = None

        self.message = QLabel(NO_MODEL)
        self.message.setObjectName("tryItMessage")
        self.message.setAccessibleName("Try it message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

        self.content = QWidget()
        self.content.setObjectName("tryItContent")
        content = QVBoxLayout(self.content)
        content.setContentsMargins(6, 6, 6, 6)

        start = QFormLayout()
        self.row_combo = QComboBox()
        self.row_combo.setObjectName("tryItRowCombo")
        self.row_combo.setAccessibleName("Start from a row")
        self.row_combo.setToolTip("Fill the inputs from a real row of the data set")
        self.row_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.row_combo.setMinimumContentsLength(12)
        start.addRow("&Start from:", self.row_combo)
        content.addLayout(start)

        self.output_box = QGroupBox("Prediction")
        self.output_box.setObjectName("tryItOutput")
        self.output_box.setAccessibleName("Prediction")
        self.output_grid = QGridLayout(self.output_box)
        self.output_grid.setColumnStretch(1, 1)
        self.source_label = QLabel()
        self.source_label.setObjectName("tryItSource")
        self.source_label.setAccessibleName("Weights used")
        self.source_label.setWordWrap(True)
        self.source_label.setStyleSheet("color: gray")
        self.bars: list[QProgressBar] = []
        self.class_labels: list[QLabel] = []
        self.value_label = QLabel()
        self.value_label.setObjectName("tryItValue")
        self.value_label.setAccessibleName("Predicted value")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value_label.setFont(font)
        content.addWidget(self.output_box)

        inputs_box = QGroupBox("Inputs")
        inputs_box.setObjectName("tryItInputs")
        box_layout = QVBoxLayout(inputs_box)
        box_layout.setContentsMargins(2, 2, 2, 2)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("tryItInputsScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.inputs = QWidget()
        self.inputs_form = QFormLayout(self.inputs)
        self.inputs_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.scroll.setWidget(self.inputs)
        box_layout.addWidget(self.scroll)
        content.addWidget(inputs_box, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.content, 1)
        self.content.hide()
        self.row_combo.activated.connect(self._on_row_chosen)

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: RunController, document: Any = None) -> None:
        """Follow a controller's runs and (optionally) a ``ProjectDocument``."""
        self.follow_runs(controller, self._on_weights_reset)
        if document is not None:
            self._document = document
            document.loaded.connect(self._on_document_loaded)
            document.changed.connect(self._on_document_changed)

    def follow_boundary(self, boundary: Any) -> None:
        """A click on ``boundary`` sets the point tried; the boundary marks the point."""
        boundary.pointClicked.connect(self.set_point)
        self.pointChanged.connect(boundary.show_probe)

    @Slot(object)
    def _on_started(self, _info: Any) -> None:
        c = self._controller
        if c.session is None or c.last_prepared is None:
            return
        self.set_source(c.session, c.last_prepared, getattr(c.session, "project", None))
        self._throttle.reset()
        self.refresh_if_shown()

    @Slot(object)
    def _on_state(self, state: Any) -> None:
        if RunState(state) in (RunState.PAUSED, RunState.IDLE):
            self.refresh_if_shown()

    @Slot(object)
    def _on_report(self, report: ChunkReport) -> None:
        weights = self.live_weights(report)
        if weights is not None:
            self.refresh(weights, live=True)

    @Slot(object)
    def _on_finished(self, _report: Any) -> None:
        self.refresh_if_shown()

    @Slot(bool)
    def _on_weights_reset(self, _done: bool) -> None:
        self.refresh_if_shown()

    @Slot()
    def _on_document_loaded(self) -> None:
        self.clear_session(NO_MODEL)

    @Slot()
    def _on_document_changed(self) -> None:
        project = self._document.project
        if (
            self._session is not None
            and self._project is not None
            and project.data != self._project.data
        ):
            self.clear_session(STALE_MODEL)

    # --- the model -------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """True when a trained model's inputs and output are shown."""
        return not self.content.isHidden()

    def clear_session(self, message: str = NO_MODEL) -> None:
        self._session = None
        self._model = None
        self.output = None
        self.message.setText(message)
        self.message.show()
        self.content.hide()

    def set_source(self, session: Any, prepared: Any, project: Project | None = None) -> None:
        """Predict with ``session``'s weights on ``prepared``'s inputs from now on."""
        project = project if project is not None else getattr(session, "project", None)
        if project is None:
            raise ValueError("the project of the session is needed for its activations")
        self._session = session
        self._project = project
        self._task = prepared.task
        self._activations = activations_for(project, prepared.task)
        fields = input_fields(prepared)
        if fields != self.fields or prepared is not self._prepared:
            self._prepared = prepared
            if fields != self.fields:
                self._build_controls(fields)
            self._fill_rows(prepared)
        self._build_output(prepared)
        self.message.hide()
        self.content.show()

    def refresh(self, weights: Any = None, *, live: bool = False) -> bool:
        """Take ``weights`` (default: the session's current ones) and predict again."""
        session = self._session
        if session is None or self._prepared is None:
            return False
        try:
            if weights is None:
                weights = session.weights_snapshot()
            self._model = ForwardModel(
                weights, self._activations, self._prepared.mean, self._prepared.variance
            )
        except Exception:
            log.debug("try-it weights do not fit", exc_info=True)
            return False
        epochs = getattr(session, "epochs_completed", None)
        c = self._controller
        loaded = getattr(c, "loaded_from", None) if c is not None and c.session is session else None
        if live:
            self.source_label.setText("Live: the latest weights of the run in progress.")
        elif loaded is not None:
            self.source_label.setText(f"The model opened from {loaded}, not trained here.")
        else:
            done = (
                f" after {epochs} epoch{'s' if epochs != 1 else ''}"
                if isinstance(epochs, int)
                else ""
            )
            self.source_label.setText(f"The trained network{done}.")
        self.predict()
        return True

    # --- inputs ----------------------------------------------------------------------

    def values(self) -> dict[str, FieldValue]:
        """The inputs as set now, by field name."""
        out: dict[str, FieldValue] = {}
        for name, control in self.controls.items():
            out[name] = (
                control.value() if isinstance(control, NumericControl) else control.currentText()
            )
        return out

    def set_values(self, values: dict[str, FieldValue]) -> None:
        """Set some or all inputs, then predict once."""
        for name, value in values.items():
            control = self.controls.get(name)
            if isinstance(control, NumericControl):
                control.set_value(float(value))
            elif control is not None:
                with QSignalBlocker(control):
                    control.setCurrentIndex(max(control.findText(str(value)), 0))
        self.predict()

    @property
    def plane_fields(self) -> tuple[NumericField, NumericField] | None:
        """The two numeric fields of 2-D data (the boundary's axes), or None."""
        f = self.fields
        if len(f) == 2 and all(isinstance(x, NumericField) for x in f):
            return f[0], f[1]  # type: ignore[return-value]
        return None

    @Slot(float, float)
    def set_point(self, x: float, y: float) -> None:
        """For 2-D data: try the point (x, y) of the input plane."""
        plane = self.plane_fields
        if plane is None or not self.available:
            return
        self.set_values({plane[0].name: x, plane[1].name: y})

    def _build_controls(self, fields: tuple[InputField, ...]) -> None:
        while self.inputs_form.rowCount():
            self.inputs_form.removeRow(0)
        self.fields = fields
        self.controls = {}
        for i, field in enumerate(fields):
            label = QLabel(field.name)
            label.setToolTip(field.name)
            if isinstance(field, NumericField):
                control: NumericControl | QComboBox = NumericControl(field, i)
                control.valueChanged.connect(self.predict)
                label.setBuddy(control.spin)
            else:
                control = QComboBox()
                control.setObjectName(f"tryItCombo{i}")
                control.setAccessibleName(field.name)
                control.addItems(list(field.categories))
                control.currentIndexChanged.connect(self.predict)
                label.setBuddy(control)
            self.controls[field.name] = control
            self.inputs_form.addRow(label, control)
        self.set_values(default_values(fields))

    def _fill_rows(self, prepared: Any) -> None:
        combo = self.row_combo
        combo.clear()
        combo.addItem("Typical values (means, commonest text)", None)
        names = prepared.class_names
        parts = (
            ("training", prepared.x_train, prepared.y_train, prepared.train_index),
            ("validation", prepared.x_val, prepared.y_val, prepared.val_index),
        )
        listed = 0
        for part, _x, y, index in parts:
            for i in range(len(y)):
                if listed >= MAX_LISTED_ROWS:
                    break
                target = (
                    names[int(y[i])] if prepared.task.is_classification else f"{float(y[i]):.4g}"
                )
                combo.addItem(f"Row {int(index[i]) + 1} ({part}) → {target}", (part, i))
                listed += 1

    @Slot(int)
    def _on_row_chosen(self, item: int) -> None:
        choice = self.row_combo.itemData(item)
        if choice is None:
            self.set_values(default_values(self.fields))
            return
        part, i = choice
        x = self._prepared.x_train if part == "training" else self._prepared.x_val
        self.set_values(row_values(self.fields, x[i]))

    # --- output ----------------------------------------------------------------------

    def _build_output(self, prepared: Any) -> None:
        grid = self.output_grid
        while grid.count():
            item = grid.takeAt(0)
            widget = item.widget()
            if widget is not None and widget not in (self.value_label, self.source_label):
                widget.deleteLater()
        self.bars, self.class_labels = [], []
        if prepared.task is Task.REGRESSION:
            grid.addWidget(QLabel("Predicted value:"), 0, 0)
            grid.addWidget(self.value_label, 0, 1)
            row = 1
        else:
            names = prepared.class_names or tuple(
                f"class {k}" for k in range(max(prepared.n_classes, 2))
            )
            for k, name in enumerate(names):
                label = QLabel(name)
                label.setObjectName(f"tryItClassLabel{k}")
                bar = QProgressBar()
                bar.setObjectName(f"tryItProbability{k}")
                bar.setAccessibleName(f"Probability of {name}")
                bar.setRange(0, 1000)
                bar.setTextVisible(True)
                grid.addWidget(label, k, 0)
                grid.addWidget(bar, k, 1)
                self.class_labels.append(label)
                self.bars.append(bar)
            row = len(names)
        grid.addWidget(self.source_label, row, 0, 1, 2)

    def probabilities(self) -> np.ndarray | None:
        """Each class's probability for the inputs (binary: both classes), or None."""
        out = self.output
        if out is None or self._task is None or self._task is Task.REGRESSION:
            return None
        if self._task is Task.BINARY or out.shape[0] == 1:
            p = float(out[0])
            return np.array([1.0 - p, p])
        return np.asarray(out, dtype=np.float64)

    @Slot()
    def predict(self) -> None:
        """The network's output for the inputs as set now, shown as bars or a value."""
        model, prepared = self._model, self._prepared
        if model is None or prepared is None or not self.fields:
            return
        x = self.input_row()
        self.output = np.asarray(model(x)[0], dtype=np.float64)
        probs = self.probabilities()
        if probs is None:
            self.value_label.setText(f"{float(self.output[0]):.5g}")
        else:
            best = int(np.argmax(probs))
            for k, (bar, label) in enumerate(zip(self.bars, self.class_labels, strict=False)):
                p = float(probs[k]) if k < len(probs) else 0.0
                bar.setValue(round(p * 1000))
                bar.setFormat(f"{100 * p:.1f} %")
                font = label.font()
                font.setBold(k == best)
                label.setFont(font)
        plane = self.plane_fields
        if plane is not None:
            self.pointChanged.emit(float(x[0, plane[0].column]), float(x[0, plane[1].column]))
        self.predicted.emit()

    def input_row(self) -> np.ndarray:
        """The model's input row (1, d) for the inputs as set now."""
        return encode_inputs(self.fields, self.values(), int(self._prepared.n_features))
