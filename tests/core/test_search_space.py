"""The search space: parsing ``--param`` specs and applying a trial's values to a project."""

from __future__ import annotations

import re

import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.search_space import (
    ParamSpec,
    apply_params,
    grid_size,
    parse_param,
    parse_space,
)
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)


def test_ranges_and_choices_parse_with_their_types():
    assert parse_param("learning_rate=1e-4:1e-1:log") == ParamSpec("learning_rate", "float", 1e-4, 0.1, True)
    assert parse_param("units=16,32,64") == ParamSpec("units", "int", choices=(16, 32, 64))
    assert parse_param(" layers = 1:4 ") == ParamSpec("layers", "int", 1, 4, False)
    assert parse_param("units_2=8:64:LOG").log
    assert parse_param("activation=relu,tanh").choices == ("relu", "tanh")
    assert parse_param("optimizer=sgd,adam").choices == ("sgd", "adam")


@pytest.mark.parametrize("spec", ["learning_rate=1e-4:1e-1:log", "units=16,32,64", "dropout=0:0.5", "activation=relu,elu"])
def test_a_spec_is_written_back_as_it_parses(spec):
    assert parse_param(parse_param(spec).text()) == parse_param(spec)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("learning_rate", "write NAME=LOW:HIGH"),
        ("=1:2", "write NAME=LOW:HIGH"),
        ("lr=1e-3:1e-1", "unknown search parameter 'lr'"),
        ("units_0=4,8", "unknown search parameter 'units_0'"),
        ("learning_rate=0.1:0.001", "the low end 0.1 must be below the high end 0.001"),
        ("learning_rate=abc:1", "'abc' is not a number"),
        ("learning_rate=1e-3:1e-1:lin", "must be 'log'"),
        ("learning_rate=1e-3:1e-1:log:x", "LOW:HIGH or LOW:HIGH:log"),
        ("learning_rate=0:1:log", "out of range"),
        ("dropout=0:0.5:log", "a log range must start above 0"),
        ("units=16.5,32", "'16.5' is not a whole number"),
        ("units=0:8", "out of range"),
        ("dropout=0.1,1.0", "out of range"),
        ("units=16,16", "the choice 16 is given twice"),
        ("units=16,,32", "an empty choice"),
        ("activation=relu:tanh", "takes a list of choices, not a range"),
        ("activation=relu,softmax", "'softmax' is not one of the choices"),
        ("optimizer=adamw2", "'adamw2' is not one of the choices"),
        ("learning_rate=nan:1", "not a finite number"),
    ],
)
def test_bad_specs_are_rejected_with_a_message_naming_the_problem(spec, message):
    with pytest.raises(StudioError, match=re.escape(message)):
        parse_param(spec)


def test_a_space_names_each_parameter_once_and_at_least_one():
    with pytest.raises(StudioError, match="given twice"):
        parse_space(["units=4,8", "units=16:32"])
    with pytest.raises(StudioError, match="at least one parameter"):
        parse_space([])


def test_grid_values_enumerate_choices_and_short_integer_ranges_only():
    assert parse_param("layers=1:3").grid_values() == (1, 2, 3)
    assert grid_size(parse_space(["layers=1:3", "units=4,8"])) == 6
    with pytest.raises(StudioError, match=r"a grid search needs a list of values, e\.g\. learning_rate="):
        parse_param("learning_rate=1e-4:1e-1:log").grid_values()


def _project() -> Project:
    return Project(
        network=NetworkSpec((DenseLayer(16, "relu"), DropoutLayer(0.2), DenseLayer(8, "tanh"))),
        training=TrainingSettings(optimizer=OptimizerSpec("adam", {"learning_rate": 0.01, "beta_1": 0.8})),
    )


def test_units_set_every_hidden_layer_and_units_i_one_layer():
    p = apply_params(_project(), {"units": 32, "units_2": 4})
    assert [d.units for d in p.network.dense_layers] == [32, 4]
    assert isinstance(p.network.layers[1], DropoutLayer)


def test_layers_copy_the_last_block_or_drop_the_deepest():
    grown = apply_params(_project(), {"layers": 4})
    assert [type(x).__name__ for x in grown.network.layers] == [
        "DenseLayer", "DropoutLayer", "DenseLayer", "DenseLayer", "DenseLayer"
    ]
    assert [d.activation for d in grown.network.dense_layers] == ["relu", "tanh", "tanh", "tanh"]
    shrunk = apply_params(_project(), {"layers": 1})
    assert shrunk.network.layers == (DenseLayer(16, "relu"), DropoutLayer(0.2))


def test_dropout_sets_every_rate_or_adds_one_after_each_dense_layer():
    assert apply_params(_project(), {"dropout": 0.4}).network.layers[1] == DropoutLayer(0.4)
    plain = Project(network=NetworkSpec((DenseLayer(4), DenseLayer(4))))
    kinds = [type(x).__name__ for x in apply_params(plain, {"dropout": 0.1}).network.layers]
    assert kinds == ["DenseLayer", "DropoutLayer", "DenseLayer", "DropoutLayer"]


def test_training_settings_and_a_new_optimizer_keep_the_learning_rate():
    p = apply_params(_project(), {"optimizer": "sgd", "batch_size": 64, "l2": 1e-3, "activation": "elu"})
    assert p.training.optimizer == OptimizerSpec("sgd", {"learning_rate": 0.01})
    assert p.training.batch_size == 64
    assert {d.l2 for d in p.network.dense_layers} == {1e-3}
    assert {d.activation for d in p.network.dense_layers} == {"elu"}
    same = apply_params(_project(), {"learning_rate": 0.5})
    assert same.training.optimizer.params == {"learning_rate": 0.5, "beta_1": 0.8}


def test_an_unknown_name_is_never_silently_ignored():
    with pytest.raises(StudioError, match="unknown search parameter"):
        apply_params(_project(), {"momentum": 0.9})
