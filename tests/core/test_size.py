"""Parameter and multiply-add counts of a network spec, before anything is built."""

from __future__ import annotations

from ffnn_studio.core.size import count_text, size_breakdown
from ffnn_studio.core.spec import DenseLayer, DropoutLayer, NetworkSpec


def test_counts_each_layer_and_the_total() -> None:
    net = NetworkSpec((DenseLayer(16), DropoutLayer(0.2), DenseLayer(8, use_bias=False)))
    size = size_breakdown(net, n_inputs=3, n_outputs=2)
    assert [s.parameters for s in size.layers] == [3 * 16 + 16, 0, 16 * 8]
    assert [s.multiply_adds for s in size.layers] == [48, 0, 128]
    assert size.output.parameters == 8 * 2 + 2
    assert size.parameters == 64 + 128 + 18
    assert size.multiply_adds == 48 + 128 + 16


def test_unknown_input_width_leaves_the_first_layer_and_totals_unknown() -> None:
    net = NetworkSpec((DenseLayer(4), DenseLayer(5)))
    size = size_breakdown(net, n_inputs=None, n_outputs=1)
    assert size.layers[0].parameters is None
    assert size.layers[1].parameters == 4 * 5 + 5
    assert size.output.parameters == 6
    assert size.parameters is None and size.multiply_adds is None


def test_out_of_range_units_make_that_layer_and_the_next_unknown() -> None:
    net = NetworkSpec((DenseLayer(0), DenseLayer(5)))
    size = size_breakdown(net, n_inputs=2, n_outputs=1)
    assert size.layers[0].parameters is None and size.layers[1].parameters is None
    assert size.output.parameters == 6
    assert size.parameters is None


def test_no_hidden_layers_is_the_output_layer_alone() -> None:
    size = size_breakdown(NetworkSpec(), n_inputs=4, n_outputs=3)
    assert size.layers == ()
    assert size.parameters == 15 and size.multiply_adds == 12


def test_count_text_is_short() -> None:
    assert [count_text(n) for n in (None, 7, 9_999, 45_600, 7_890_000)] == [
        "?",
        "7",
        "9,999",
        "45.6 k",
        "7.89 M",
    ]
