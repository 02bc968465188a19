"""The size of a network at a glance: parameters per layer, their total, multiply-adds per sample.

Counts what the built Keras model holds (``model.count_params()``): each Dense
layer's kernel (inputs × units) and bias (units, unless switched off), the
output layer's too. Dropout has none, and the input scaling layer holds its
statistics as constants, not weights. A sample's forward pass costs one
multiply-add per kernel entry.

Contract: pure Python on the spec; no Qt, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

from ffnn_studio.core.catalog import UNITS
from ffnn_studio.core.spec import DenseLayer, NetworkSpec


@dataclass(frozen=True)
class LayerSize:
    """One layer's parameters and multiply-adds per sample (None: not known)."""

    parameters: int | None
    multiply_adds: int | None


@dataclass(frozen=True)
class SizeBreakdown:
    """Per hidden layer (in stack order), the output layer, and the totals (None: not known)."""

    layers: tuple[LayerSize, ...]
    output: LayerSize
    parameters: int | None
    multiply_adds: int | None


_UNKNOWN = LayerSize(None, None)


def size_breakdown(
    network: NetworkSpec, n_inputs: int | None, n_outputs: int | None
) -> SizeBreakdown:
    """Parameters and multiply-adds of every layer for data ``n_inputs`` wide with ``n_outputs`` outputs.

    An unknown width (``None``: the data set cannot be read) makes the first
    Dense layer's size, and the totals, unknown; so does a unit count out of range
    for its own layer and the next.
    """
    width: int | None = int(n_inputs) if n_inputs is not None and n_inputs > 0 else None
    sizes: list[LayerSize] = []
    for layer in network.layers:
        if not isinstance(layer, DenseLayer):
            sizes.append(LayerSize(0, 0))
            continue
        units = int(layer.units) if UNITS.check(layer.units) is None else None
        if width is None or units is None:
            sizes.append(_UNKNOWN)
            width = units  # the next layer's inputs are known again if this width is
            continue
        sizes.append(_dense(width, units, layer.use_bias is not False))
        width = units
    outputs = int(n_outputs) if n_outputs is not None and n_outputs > 0 else None
    output = _dense(width, outputs, True) if width is not None and outputs is not None else _UNKNOWN
    every = (*sizes, output)
    known = all(s.parameters is not None for s in every)
    return SizeBreakdown(
        tuple(sizes),
        output,
        sum(s.parameters or 0 for s in every) if known else None,
        sum(s.multiply_adds or 0 for s in every) if known else None,
    )


def _dense(n_in: int, units: int, bias: bool) -> LayerSize:
    return LayerSize(n_in * units + (units if bias else 0), n_in * units)


def count_text(n: int | None) -> str:
    """``1,234``, ``45.6 k``, ``7.9 M``: short enough for a row of the stack; "?" if unknown."""
    if n is None:
        return "?"
    if n < 10_000:
        return f"{n:,}"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= scale:
            return f"{n / scale:.3g} {suffix}"
    return f"{n:,}"
