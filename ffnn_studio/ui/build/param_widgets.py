"""Editors for catalog parameters: ranges, steps and tooltips come from ``catalog.Param``.

Contract: builds editors from ``core.catalog`` parameters; holds no state
and pushes no commands itself. Imports Qt and the core.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from ffnn_studio.core.catalog import Entry, Param

#: The 1-2-5 series per decade that log-scale spin boxes step through.
_MANTISSAS = (1.0, 2.0, 5.0)


def step_125(value: float, up: bool) -> float:
    """The next value of the 1-2-5 series above (or below) ``value`` > 0."""
    exp = math.floor(math.log10(value))
    candidates = [m * 10.0**e for e in range(exp - 1, exp + 2) for m in _MANTISSAS]
    if up:
        return min(c for c in candidates if c > value * (1 + 1e-9))
    return max(c for c in candidates if c < value * (1 - 1e-9))


class FloatSpinBox(QDoubleSpinBox):
    """A float spin box that shows values compactly (``0.001``, ``1e-05``), accepts
    scientific notation, and with ``log_steps`` steps through 1, 2, 5 × 10ᵏ.

    ``log_floor`` is the smallest non-zero value a log step reaches; stepping
    down from it goes to the minimum (0 for regularization strengths).
    """

    def __init__(self, parent: QWidget | None = None, *, log_steps: bool = False, log_floor: float = 1e-5) -> None:
        super().__init__(parent)
        self.log_steps = log_steps
        self.log_floor = log_floor
        self.setDecimals(10)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        s = text.strip()
        if s in ("", "-", "+", ".", "-.", "+.") or s.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        try:
            value = float(s)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if not math.isfinite(value):
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:
        if not self.log_steps:
            super().stepBy(steps)
            return
        value = self.value()
        for _ in range(abs(steps)):
            up = steps > 0
            if value <= 0:
                value = max(self.log_floor, self.minimum()) if up else value
            elif not up and value <= self.log_floor * (1 + 1e-9):
                value = self.minimum()
            else:
                value = step_125(value, up)
            value = min(max(value, self.minimum()), self.maximum())
        self.setValue(value)
        self.selectAll()


def param_bounds(param: Param) -> tuple[float, float]:
    """The closed range a spin box can hold for a param with possibly open ends."""
    lo = param.minimum if param.minimum is not None else -1e9
    hi = param.maximum if param.maximum is not None else 1e9
    if param.kind == "int":
        if not param.min_inclusive:
            lo += 1
        if not param.max_inclusive:
            hi -= 1
        return lo, hi
    span = hi - lo if param.minimum is not None and param.maximum is not None else 1.0
    eps = 1e-6 if param.log_scale else 1e-4 * span
    if not param.min_inclusive:
        lo += eps
    if not param.max_inclusive:
        hi -= eps
    return lo, hi


def param_tooltip(param: Param, extra: str = "") -> str:
    parts = [f"<b>{param.label}</b>"]
    if param.help:
        parts.append(param.help)
    if extra:
        parts.append(extra)
    parts.append(f"<i>Valid: {param.range_text()} (default {param.default:g})</i>")
    return "<br>".join(parts)


def make_param_editor(param: Param, object_name: str, *, log_steps: bool | None = None) -> QWidget:
    """A spin box (int/float) or check box (bool) bounded by the param's range."""
    widget: QWidget
    if param.kind == "bool":
        widget = QCheckBox(param.label)
    elif param.kind == "int":
        spin = QSpinBox()
        lo, hi = param_bounds(param)
        spin.setRange(int(max(lo, -(2**31))), int(min(hi, 2**31 - 1)))
        spin.setKeyboardTracking(False)
        spin.setAccelerated(True)
        widget = spin
    else:
        log = param.log_scale if log_steps is None else log_steps
        fspin = FloatSpinBox(log_steps=log)
        lo, hi = param_bounds(param)
        fspin.setRange(lo, hi)
        if not log:
            span = (hi - lo) if param.maximum is not None and param.minimum is not None else 1.0
            fspin.setSingleStep(10 ** math.floor(math.log10(max(span, 1e-9))) / 20)
        widget = fspin
    widget.setObjectName(object_name)
    widget.setAccessibleName(param.label)
    widget.setToolTip(param_tooltip(param))
    widget.setAccessibleDescription(param.help or param.label)
    return widget


def set_editor_value(widget: QWidget, value: object) -> None:
    """Show ``value`` without emitting the editor's change signal."""
    with QSignalBlocker(widget):
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QSpinBox):
            if widget.value() != int(value):  # type: ignore[call-overload]
                widget.setValue(int(value))  # type: ignore[call-overload]
        elif isinstance(widget, QDoubleSpinBox) and widget.value() != float(value):  # type: ignore[arg-type]
            widget.setValue(float(value))  # type: ignore[arg-type]


def editor_signal(widget: QWidget):
    """The signal an editor emits with its new value."""
    if isinstance(widget, QCheckBox):
        return widget.toggled
    return widget.valueChanged  # type: ignore[attr-defined]


def fill_choice_combo(combo: QComboBox, entries: dict[str, Entry], *, disabled: dict[str, str] | None = None) -> None:
    """Catalog entries as combo items: label shown, name as data, help as tooltip.

    ``disabled`` maps names to the reason the entry cannot be chosen here.
    """
    disabled = disabled or {}
    # Long labels ("Random normal (σ=0.05)") must not widen the docks.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    with QSignalBlocker(combo):
        combo.clear()
        for name, entry in entries.items():
            combo.addItem(entry.label, name)
            i = combo.count() - 1
            tip = entry.help if not entry.formula else f"{entry.help}\n{entry.formula}"
            if name in disabled:
                tip = f"{disabled[name]}\n\n{tip}"
                item = combo.model().item(i)  # type: ignore[attr-defined]
                item.setEnabled(False)
            combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)


def select_combo_data(combo: QComboBox, data: object) -> None:
    with QSignalBlocker(combo):
        combo.setCurrentIndex(combo.findData(data))


def help_label(object_name: str, accessible: str) -> QLabel:
    """A small word-wrapped label for catalog help text."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    label.setFont(font)
    return label


def problems_label(object_name: str, accessible: str) -> QLabel:
    """A label for inline validation errors, hidden while there are none."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setStyleSheet("color: #c0392b;")
    label.hide()
    return label


def show_problems(label: QLabel, messages: list[str]) -> None:
    label.setText("<br>".join(f"⚠ {m}" for m in messages))
    label.setAccessibleDescription("; ".join(messages))
    label.setVisible(bool(messages))
