from __future__ import annotations

from dataclasses import replace

import pytest

from ffnn_studio.core import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    StudioError,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.validation import check_project, validate_project


def good() -> Project:
    return Project(
        network=NetworkSpec((DenseLayer(8, "relu"), DropoutLayer(0.2), DenseLayer(4, "tanh"))),
        data=BuiltinDataSource("circle"),
        training=TrainingSettings(),
    )


def with_layers(*layers) -> Project:
    return replace(good(), network=NetworkSpec(tuple(layers)))


def with_training(**kw) -> Project:
    return replace(good(), training=replace(good().training, **kw))


def test_good_project_has_no_problems() -> None:
    assert validate_project(good()) == []
    check_project(good())


CASES = [
    (with_layers(), "Network", "no Dense layer"),
    (with_layers(DropoutLayer(0.5)), "Network", "no Dense layer"),
    (with_layers(DenseLayer(0)), "Layer 1 (Dense) › units", "in [1, 4096], got 0"),
    (with_layers(DenseLayer(8), DenseLayer(5000)), "Layer 2 (Dense) › units", "in [1, 4096]"),
    (with_layers(DenseLayer(8, "swish")), "Layer 1 (Dense) › activation", "unknown activation"),
    (with_layers(DenseLayer(8, "softmax")), "Layer 1 (Dense) › activation", "only in the output layer"),
    (with_layers(DenseLayer(8, "leaky_relu", alpha=1.5)), "Layer 1 (Dense) › alpha", "in (0, 1)"),
    (with_layers(DenseLayer(8, "relu", alpha=0.1)), "Layer 1 (Dense) › alpha", "no α parameter"),
    (with_layers(DenseLayer(8, kernel_initializer="ones")), "Layer 1 (Dense) › kernel_initializer", "unknown initializer"),
    (with_layers(DenseLayer(8, l1=-0.1)), "Layer 1 (Dense) › l1", "in [0, 1]"),
    (with_layers(DenseLayer(8, l2=2.0)), "Layer 1 (Dense) › l2", "in [0, 1]"),
    (with_layers(DenseLayer(8), DropoutLayer(1.0)), "Layer 2 (Dropout) › rate", "in [0, 1)"),
    (with_layers(DenseLayer(8), DropoutLayer(-0.1)), "Layer 2 (Dropout) › rate", "in [0, 1)"),
    (with_layers(DenseLayer(8), DropoutLayer(0.1), DropoutLayer(0.1)), "Layer 3 (Dropout)", "follows another Dropout"),
    (with_training(loss="hinge"), "Training › loss", "unknown loss"),
    (with_training(optimizer=OptimizerSpec("lbfgs")), "Training › optimizer", "unknown optimizer"),
    (with_training(optimizer=OptimizerSpec("sgd", {"momentum": 0.9})), "Training › optimizer › momentum", "SGD has no parameter"),
    (with_training(optimizer=OptimizerSpec("adam", {"learning_rate": 0.0})), "Training › Adam › learning_rate", "in (0, 10]"),
    (with_training(optimizer=OptimizerSpec("adam", {"beta_1": 1.0})), "Training › Adam › beta_1", "in [0, 1)"),
    (with_training(optimizer=OptimizerSpec("momentum", {"nesterov": 1})), "Training › Momentum › nesterov", "true or false"),
    (with_training(epochs=0), "Training › epochs", "in [1, 100 000], got 0"),
    (with_training(batch_size=0), "Training › batch_size", "in [1, 65536], got 0"),
    (with_training(validation_fraction=0.95), "Training › validation_fraction", "in [0, 0.9]"),
    (with_training(seed=-1), "Training › seed", "in [0, 2 147 483 647], got -1"),
    (with_training(patience=0), "Training › patience", "in [1, 10000], got 0"),
    (with_training(early_stopping=True, validation_fraction=0.0), "Training › early_stopping", "needs a validation set"),
    (replace(good(), data=BuiltinDataSource("mnist")), "Data › name", "unknown data set"),
    (replace(good(), data=BuiltinDataSource("circle", {"noise": -1})), "Data › Circle › noise", "in [0, 5]"),
    (replace(good(), data=BuiltinDataSource("iris", {"noise": 0.1})), "Data › noise", "Iris has no parameter"),
    (replace(good(), data=CsvDataSource(path="", target="y")), "Data › path", "no CSV file"),
    (replace(good(), data=CsvDataSource(path="a.csv", target="")), "Data › target", "no target column"),
    (replace(good(), data=CsvDataSource(path="a.csv", target="y", missing="zero")), "Data › missing", "not a policy"),
]


@pytest.mark.parametrize(("project", "where", "fragment"), CASES)
def test_each_problem_names_where_and_what(project: Project, where: str, fragment: str) -> None:
    problems = validate_project(project)
    assert len(problems) == 1, problems
    assert problems[0].where == where
    assert fragment in problems[0].message
    with pytest.raises(StudioError, match="1 problem"):
        check_project(project)


def test_problem_carries_layer_index_and_field() -> None:
    (problem,) = validate_project(with_layers(DenseLayer(8), DenseLayer(0)))
    assert (problem.layer, problem.field) == (1, "units")


def test_cross_entropy_does_not_fit_regression() -> None:
    project = replace(good(), data=BuiltinDataSource("plane"))
    (problem,) = validate_project(project)
    assert problem.where == "Training › loss" and "regression" in problem.message
    assert validate_project(replace(project, training=replace(project.training, loss="mse"))) == []
    # The task of a CSV is known only from the data; passing it in applies the rule.
    csv = replace(good(), data=CsvDataSource(path="a.csv", target="y"))
    assert validate_project(csv) == []
    assert validate_project(csv, Task.REGRESSION)[0].where == "Training › loss"
