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


# ------------------------------------------------------------------ size


def test_network_size_counts_weights_biases_scaling_and_output() -> None:
    from ffnn_studio.core.validation import network_size

    net = NetworkSpec((DenseLayer(8, "relu"), DenseLayer(4, "tanh", use_bias=False)))
    size = network_size(net, n_inputs=3, n_outputs=2)
    # scaling 2*3+1, 3*8+8, 8*4, output 4*2+2
    assert size.parameters == 7 + 32 + 32 + 10
    assert size.layers == 2


def test_a_network_too_large_for_the_machine_is_refused_with_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ffnn_studio.core import validation

    monkeypatch.setattr(validation, "machine_memory_bytes", lambda: 24 * 1024**3)
    huge = Project(network=NetworkSpec(tuple(DenseLayer(4096, "relu") for _ in range(100))))
    with pytest.raises(StudioError, match=r"too large for this machine: 100 layers and 1,66\d,\d{3},\d{3} parameters"):
        check_project(huge)
    assert validation.size_warnings(huge.network) == []


def test_a_deep_stack_is_refused_before_keras_recurses() -> None:
    deep = Project(network=NetworkSpec(tuple(DenseLayer(2, "relu") for _ in range(1000))))
    problems = validate_project(deep)
    assert any("1,000 layers" in p.message and "at most 256" in p.message for p in problems)


def test_a_large_network_is_a_warning_not_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from ffnn_studio.core import validation

    monkeypatch.setattr(validation, "machine_memory_bytes", lambda: 4 * 1024**3)
    # 20 × 4096² ≈ 336 M parameters ≈ 10 GB: refused on 4 GB, a warning on 64 GB.
    big = NetworkSpec(tuple(DenseLayer(4096, "relu") for _ in range(20)))
    assert validation.size_problems(big, 10, 2)
    monkeypatch.setattr(validation, "machine_memory_bytes", lambda: 64 * 1024**3)
    assert validation.size_problems(big, 10, 2) == []
    (warning,) = validation.size_warnings(big, 10, 2)
    assert "is large" in warning.message and "parameters" in warning.message
    deep = NetworkSpec(tuple(DenseLayer(4, "relu") for _ in range(100)))
    assert validate_project(Project(network=deep)) == []
    assert "100 layers" in validation.size_warnings(deep)[0].message
    assert validation.size_warnings(NetworkSpec((DenseLayer(16, "relu"),))) == []


def test_machine_memory_is_read() -> None:
    from ffnn_studio.core.validation import machine_memory_bytes

    assert machine_memory_bytes() > 256 * 1024**2
