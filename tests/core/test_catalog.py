from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ffnn_studio.core.activation_math import activate, derivative
from ffnn_studio.core.catalog import ACTIVATIONS, DATASETS, LOSSES, OPTIMIZERS, REGULARIZERS, Param


def test_every_entry_explains_itself() -> None:
    for table in (ACTIVATIONS, OPTIMIZERS, LOSSES, REGULARIZERS, DATASETS):
        for name, entry in table.items():
            assert entry.name == name
            assert len(entry.help) > 30, name


def test_the_lecture_s_choices_are_all_there() -> None:
    assert set(ACTIVATIONS) >= {"step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "softmax"}
    assert set(OPTIMIZERS) >= {"sgd", "momentum", "adagrad", "rmsprop", "adam"}
    assert set(LOSSES) == {"mse", "cross_entropy"}


def test_every_default_is_valid() -> None:
    for table in (ACTIVATIONS, OPTIMIZERS, REGULARIZERS, DATASETS):
        for entry in table.values():
            for p in entry.params:
                assert p.check(p.default) is None, (entry.name, p.name)


def test_param_check_bounds() -> None:
    p = Param("rate", "Rate", "float", 0.5, 0.0, 1.0, max_inclusive=False)
    assert p.check(0.0) is None
    assert "in [0, 1)" in p.check(1.0)
    assert "a number" in p.check("x")
    assert "finite" in p.check(float("nan"))
    q = Param("n", "N", "int", 1, 1, None)
    assert "whole number" in q.check(1.5)
    assert q.check(3) is None and "at least 1" in q.check(0)


def test_param_check_takes_integers_beyond_float_range() -> None:
    from ffnn_studio.core.catalog import TRAINING

    too_big = TRAINING.epochs.check(10**400)
    assert too_big is not None and "in [1, 100 000]" in too_big and "401 digits" in too_big
    assert "negative number" in TRAINING.epochs.check(-(10**400))
    rate = Param("rate", "Rate", "float", 0.5, 0.0, 1.0)
    assert "in [0, 1]" in rate.check(10**400)
    assert TRAINING.seed.check(2**31 - 1) is None and TRAINING.seed.check(2**31) is not None


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in ("step", "softmax")])
def test_derivatives_match_finite_differences(name: str) -> None:
    x = np.linspace(-3, 3, 601)
    x = x[np.abs(x) > 1e-2]  # away from the kinks at 0
    h = 1e-5
    numeric = (activate(name, x + h) - activate(name, x - h)) / (2 * h)
    np.testing.assert_allclose(derivative(name, x), numeric, atol=1e-5)


def test_step_and_softmax() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(activate("step", x), [0, 1, 1])
    assert activate("softmax", x).sum() == pytest.approx(1.0)


def test_core_and_data_import_without_tensorflow_or_qt() -> None:
    code = (
        "import sys, ffnn_studio, ffnn_studio.core.validation, ffnn_studio.core.project_file, "
        "ffnn_studio.data, ffnn_studio.cli\n"
        "bad = [m for m in ('tensorflow', 'keras', 'PySide6', 'pyqtgraph') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
