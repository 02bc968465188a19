"""The layer inspector: edits the selected layer's fields as undo commands.

Contract: reads the document's current layer and pushes
``EditLayerCommand``; keeps no copy of the project. No engine.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.activation_math import activate, derivative
from ffnn_studio.core.catalog import (
    ACTIVATIONS,
    DROPOUT_RATE,
    INITIALIZERS,
    LAYER_KINDS,
    REGULARIZERS,
    UNITS,
)
from ffnn_studio.core.spec import DenseLayer, DropoutLayer
from ffnn_studio.ui.build.param_widgets import (
    FloatSpinBox,
    editor_signal,
    fill_choice_combo,
    help_label,
    make_param_editor,
    param_bounds,
    param_tooltip,
    problems_label,
    select_combo_data,
    set_editor_value,
    show_problems,
)
from ffnn_studio.ui.document.commands import EditLayerCommand
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.widgets.colors import layer_color
from ffnn_studio.ui.widgets.small_plot import SmallPlot

_NOT_HIDDEN = "Only for the output layer: a hidden layer needs an element-wise activation."


class ActivationPlot(SmallPlot):
    """f(x) and f'(x) of one activation over [-5, 5]."""

    X = np.linspace(-5.0, 5.0, 401)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("activationPlot", "Activation and derivative plot", (130, 170), parent)
        item = self.getPlotItem()
        item.addLegend(offset=(6, 4), labelTextSize="8pt", labelTextColor=self.foreground)
        self.f_curve = item.plot(name="f(x)", pen=pg.mkPen("#0072B2", width=2))
        self.df_curve = item.plot(
            name="f′(x)", pen=pg.mkPen("#D55E00", width=1.6, style=Qt.PenStyle.DashLine)
        )
        item.setXRange(-5, 5, padding=0.02)

    def show_activation(self, name: str, alpha: float | None, color=None) -> None:
        if name not in ACTIVATIONS:
            self.f_curve.setData([], [])
            self.df_curve.setData([], [])
            return
        x = self.X
        if name == "softmax":
            # Softmax over (x, 0): the two-class view of the curve.
            pair = np.stack([x, np.zeros_like(x)], axis=-1)
            f = activate(name, pair)[:, 0]
            df = derivative(name, pair)[:, 0]
        else:
            f = activate(name, x, alpha)
            df = derivative(name, x, alpha)
        if color is not None:
            self.f_curve.setPen(pg.mkPen(color, width=2))
        self.f_curve.setData(x, f)
        self.df_curve.setData(x, df)
        lo = float(min(f.min(), df.min()))
        hi = float(max(f.max(), df.max()))
        lo, hi = max(lo, -5.0), min(hi, 5.0)
        pad = 0.1 * max(hi - lo, 1.0)
        self.getPlotItem().setYRange(lo - pad, hi + pad, padding=0)


class LayerInspector(QWidget):
    """The selected layer's fields; every change is an ``EditLayerCommand``."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerInspector")
        self.setAccessibleName("Layer inspector")
        self.document = document

        self.title = QLabel()
        self.title.setObjectName("inspectorTitle")
        self.title.setAccessibleName("Selected layer")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.kind_help = help_label("layerKindHelp", "Layer kind help")
        self.problems = problems_label("layerProblems", "Layer problems")

        self.pages = QStackedWidget()
        self.pages.setObjectName("inspectorPages")
        self.empty_page = QLabel("Select a layer in the stack to edit it.")
        self.empty_page.setObjectName("inspectorEmpty")
        self.empty_page.setAccessibleName("No layer selected")
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_page.setWordWrap(True)
        self.pages.addWidget(self.empty_page)
        self.pages.addWidget(self._build_dense_page())
        self.pages.addWidget(self._build_dropout_page())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.kind_help)
        layout.addWidget(self.problems)
        layout.addWidget(self.pages)
        layout.addStretch(1)

        document.changed.connect(self.refresh)
        document.currentLayerChanged.connect(self.refresh)
        document.lockedChanged.connect(self.refresh)
        self.refresh()

    # -- construction

    def _build_dense_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("denseInspector")
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.dense_form = form

        self.units = make_param_editor(UNITS, "unitsSpin")
        assert isinstance(self.units, QSpinBox)
        form.addRow("&Units:", self.units)

        self.activation = QComboBox()
        self.activation.setObjectName("activationCombo")
        self.activation.setAccessibleName("Activation")
        fill_choice_combo(
            self.activation,
            ACTIVATIONS,
            disabled={n: _NOT_HIDDEN for n, a in ACTIVATIONS.items() if not a.hidden},
        )
        form.addRow("&Activation:", self.activation)
        self.activation_help = help_label("activationHelp", "Activation help")
        self.plot = ActivationPlot()

        self.alpha = FloatSpinBox()
        self.alpha.setObjectName("alphaSpin")
        self.alpha.setAccessibleName("α")
        self.alpha_label = QLabel("α:")
        form.addRow(self.alpha_label, self.alpha)

        self.use_bias = QCheckBox("Use &bias")
        self.use_bias.setObjectName("useBiasCheck")
        self.use_bias.setAccessibleName("Use bias")
        self.use_bias.setToolTip("Add a learned bias b to every unit: a = f(X·Wᵀ + b).")
        form.addRow(self.use_bias)

        self.initializer = QComboBox()
        self.initializer.setObjectName("initializerCombo")
        self.initializer.setAccessibleName("Kernel initializer")
        fill_choice_combo(self.initializer, INITIALIZERS)
        form.addRow("&Initializer:", self.initializer)

        self.regularizers: dict[str, FloatSpinBox] = {}
        for name, entry in REGULARIZERS.items():
            param = entry.params[0]
            spin = make_param_editor(param, f"{name}Spin", log_steps=True)
            assert isinstance(spin, FloatSpinBox)
            spin.setToolTip(param_tooltip(param, entry.help))
            spin.setSpecialValueText("off")
            self.regularizers[name] = spin
            form.addRow(f"{entry.label} λ:", spin)
        # Every field first, so a short dock shows them all without scrolling;
        # the explanations and the plot of f and f' follow.
        form.addRow(self.activation_help)
        form.addRow(self.plot)
        self.regularizer_help = help_label("regularizerHelp", "Regularization help")
        self.regularizer_help.setText(
            "<br>".join(f"<b>{e.label}</b>: {e.help}" for e in REGULARIZERS.values())
        )
        form.addRow(self.regularizer_help)

        self.units.valueChanged.connect(lambda v: self._edit("units", int(v)))
        self.activation.currentIndexChanged.connect(
            lambda i: self._edit("activation", self.activation.itemData(i))
        )
        self.alpha.valueChanged.connect(lambda v: self._edit("alpha", float(v)))
        self.use_bias.toggled.connect(lambda v: self._edit("use_bias", bool(v)))
        self.initializer.currentIndexChanged.connect(
            lambda i: self._edit("kernel_initializer", self.initializer.itemData(i))
        )
        for name, spin in self.regularizers.items():
            spin.valueChanged.connect(lambda v, n=name: self._edit(n, float(v)))
        return page

    def _build_dropout_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("dropoutInspector")
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.rate = make_param_editor(DROPOUT_RATE, "rateSpin")
        assert isinstance(self.rate, FloatSpinBox)
        self.rate.setSingleStep(0.05)
        form.addRow("&Rate:", self.rate)
        editor_signal(self.rate).connect(lambda v: self._edit("rate", float(v)))
        return page

    # -- edits

    def _edit(self, field: str, value: object) -> None:
        row = self.document.current_layer
        if row < 0 or value is None:
            return
        layer = self.document.project.network.layers[row]
        if getattr(layer, field, None) == value:
            return
        if not self.document.push(EditLayerCommand(self.document, row, field, value)):
            self.refresh()  # refused: show the spec's value again

    # -- document → widgets

    def refresh(self) -> None:
        row = self.document.current_layer
        layers = self.document.project.network.layers
        self.pages.setEnabled(not self.document.locked)
        if not 0 <= row < len(layers):
            self.title.setText("No layer selected")
            self.kind_help.setText("")
            show_problems(self.problems, [])
            self.pages.setCurrentIndex(0)
            return
        layer = layers[row]
        entry = LAYER_KINDS[layer.kind]
        self.title.setText(f"Layer {row + 1} · {entry.label}")
        self.kind_help.setText(entry.help)
        self.kind_help.setToolTip(entry.help)
        show_problems(
            self.problems,
            [p.message if p.field is None else f"{p.field}: {p.message}"
             for p in self.document.problems() if p.layer == row],
        )
        if isinstance(layer, DenseLayer):
            self.pages.setCurrentIndex(1)
            self._show_dense(row, layer)
        elif isinstance(layer, DropoutLayer):
            self.pages.setCurrentIndex(2)
            set_editor_value(self.rate, layer.rate)

    def _show_dense(self, row: int, layer: DenseLayer) -> None:
        set_editor_value(self.units, layer.units)
        select_combo_data(self.activation, layer.activation)
        if self.activation.currentIndex() < 0:
            with QSignalBlocker(self.activation):
                self.activation.setCurrentIndex(-1)
        entry = ACTIVATIONS.get(layer.activation)
        if entry is not None:
            self.activation_help.setText(f"{entry.help}<br><i>{entry.formula}</i>")
            self.activation.setToolTip(entry.help)
        else:
            self.activation_help.setText("")
        has_alpha = bool(entry and entry.params)
        self.dense_form.setRowVisible(self.alpha, has_alpha)
        if has_alpha and entry is not None:
            param = entry.params[0]
            lo, hi = param_bounds(param)
            with QSignalBlocker(self.alpha):
                self.alpha.setRange(lo, hi)
                self.alpha.setSingleStep(0.01 if hi <= 1 else 0.1)
            self.alpha_label.setText(f"{param.label}:")
            self.alpha.setAccessibleName(param.label)
            self.alpha.setToolTip(param_tooltip(param))
            set_editor_value(self.alpha, layer.activation_alpha())
        dense_index = sum(isinstance(x, DenseLayer) for x in self.document.project.network.layers[:row])
        self.plot.show_activation(layer.activation, layer.activation_alpha(), layer_color(dense_index))
        with QSignalBlocker(self.use_bias):
            self.use_bias.setChecked(layer.use_bias)
        select_combo_data(self.initializer, layer.kernel_initializer)
        for name, spin in self.regularizers.items():
            set_editor_value(spin, getattr(layer, name))
