"""Property-based tests of the project file: valid projects round-trip, damaged files
end in ``StudioError`` or a project, never in another exception.

Valid projects are drawn from the catalog (every activation, initializer,
optimizer and built-in data set with parameters inside their ranges); damaged
files start from a valid one and get a wrong type, a missing or extra field,
huge or non-finite numbers, nesting, truncation, random bytes or another
encoding. Examples are bounded so that the file runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from ffnn_studio.core.catalog import (
    ACTIVATIONS,
    DATASETS,
    DROPOUT_RATE,
    HIDDEN_ACTIVATIONS,
    INITIALIZERS,
    OPTIMIZERS,
    REGULARIZERS,
    TRAINING,
    UNITS,
    Param,
)
from ffnn_studio.core.project_file import dumps, load_project, loads, save_project
from ffnn_studio.core.validation import check_project, validate_project

BASE = Path("/projects/study")
EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ valid projects


def param_values(param: Param) -> st.SearchStrategy[Any]:
    """Values inside a catalog parameter's range."""
    if param.kind == "bool":
        return st.booleans()
    lo = param.minimum if param.minimum is not None else -1e6
    hi = param.maximum if param.maximum is not None else 1e6
    if param.kind == "int":
        lo_i = math.ceil(lo) + (0 if param.min_inclusive or not float(lo).is_integer() else 1)
        hi_i = math.floor(hi) - (0 if param.max_inclusive or not float(hi).is_integer() else 1)
        return st.integers(lo_i, hi_i)
    return st.floats(
        lo,
        hi,
        exclude_min=not param.min_inclusive,
        exclude_max=not param.max_inclusive,
        allow_nan=False,
        allow_infinity=False,
    )


def params_of(entry_params: tuple[Param, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """A subset of the parameters, each with a valid value (missing ones take defaults)."""
    return st.fixed_dictionaries({}, optional={p.name: param_values(p) for p in entry_params})


@st.composite
def dense_layers(draw: st.DrawFn) -> DenseLayer:
    activation = draw(st.sampled_from(HIDDEN_ACTIVATIONS))
    alpha_params = ACTIVATIONS[activation].params
    alpha = draw(st.none() | param_values(alpha_params[0])) if alpha_params else None
    l1, l2 = (REGULARIZERS[n].params[0] for n in ("l1", "l2"))
    return DenseLayer(
        units=draw(param_values(UNITS)),
        activation=activation,
        alpha=alpha,
        use_bias=draw(st.booleans()),
        kernel_initializer=draw(st.sampled_from(sorted(INITIALIZERS))),
        l1=draw(param_values(l1)),
        l2=draw(param_values(l2)),
    )


dropout_layers = param_values(DROPOUT_RATE).map(DropoutLayer)


@st.composite
def networks(draw: st.DrawFn) -> NetworkSpec:
    layers = [draw(dense_layers())]
    for _ in range(draw(st.integers(0, 5))):
        after_dropout = isinstance(layers[-1], DropoutLayer)
        layers.append(draw(dense_layers() if after_dropout else dense_layers() | dropout_layers))
    return NetworkSpec(tuple(layers))


@st.composite
def builtin_sources(draw: st.DrawFn) -> BuiltinDataSource:
    name = draw(st.sampled_from(sorted(DATASETS)))
    return BuiltinDataSource(name, draw(params_of(DATASETS[name].params)))


# Absolute paths whose text survives the trip through a relative path unchanged.
_segment = st.text("abcxyzAB019_- é", min_size=1, max_size=8).filter(lambda s: s.strip(" ") == s)
_paths = st.lists(_segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts) + ".csv")
_names = st.text(max_size=30)


@st.composite
def csv_sources(draw: st.DrawFn) -> CsvDataSource:
    return CsvDataSource(
        path=draw(_paths),
        target=draw(_names.filter(bool)),
        features=draw(st.none() | st.lists(_names, max_size=5).map(tuple)),
        task=draw(st.none() | st.sampled_from(list(Task))),
        missing=draw(st.sampled_from(["drop", "mean"])),
        delimiter=draw(st.none() | st.sampled_from([",", ";", "\t", "|"])),
        has_header=draw(st.none() | st.booleans()),
    )


@st.composite
def projects(draw: st.DrawFn) -> Project:
    data = draw(builtin_sources() | csv_sources())
    task = Task(DATASETS[data.name].task) if isinstance(data, BuiltinDataSource) else data.task
    optimizer = draw(st.sampled_from(sorted(OPTIMIZERS)))
    validation_fraction = draw(param_values(TRAINING.validation_fraction))
    training = TrainingSettings(
        loss="mse" if task is Task.REGRESSION else draw(st.sampled_from(["mse", "cross_entropy"])),
        optimizer=OptimizerSpec(optimizer, draw(params_of(OPTIMIZERS[optimizer].params))),
        epochs=draw(param_values(TRAINING.epochs)),
        batch_size=draw(param_values(TRAINING.batch_size)),
        validation_fraction=validation_fraction,
        seed=draw(param_values(TRAINING.seed)),
        early_stopping=draw(st.booleans()) if validation_fraction > 0 else False,
        patience=draw(param_values(TRAINING.patience)),
        restore_best_weights=draw(st.booleans()),
    )
    return Project(
        name=draw(_names),
        description=draw(st.text(max_size=80)),
        network=draw(networks()),
        data=data,
        training=training,
    )


@EXAMPLES
@given(projects())
def test_generated_projects_are_valid(project: Project) -> None:
    assert validate_project(project) == []


@EXAMPLES
@given(projects())
def test_json_round_trip_gives_the_same_project(project: Project) -> None:
    text = dumps(project, BASE)
    assert loads(text, BASE) == project
    # Writing the project read back gives the same text: nothing drifts on re-save.
    assert dumps(loads(text, BASE), BASE) == text


@settings(max_examples=25, deadline=None)
@given(projects())
def test_file_round_trip_gives_the_same_project(project: Project) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.ffnn.json"
        save_project(project, path)
        assert load_project(path) == project


# ------------------------------------------------------------------ damaged files

# The parser's own limits (deep nesting, >4300-digit integers) cost seconds per
# example to generate; ``test_parser_and_number_limits`` holds one of each.
_huge_ints = st.sampled_from(
    [2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**300, -(10**300), 10**400, -(10**400)]
)
_odd_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0, 1e-300])
_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | _huge_ints
    | st.floats(allow_nan=True, allow_infinity=True)
    | _odd_floats
    | st.text(max_size=12)
    | st.sampled_from(["", "dense", "relu", "adam", "builtin", "csv", "spirals", "\ud800", "\x00"])
)
json_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every dict and list inside ``node`` (the root included)."""
    out = []
    if isinstance(node, (dict, list)):
        out.append(path)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            out.extend(_containers(child, (*path, key)))
    return out


def _at(node: Any, path: tuple) -> Any:
    for key in path:
        node = node[key]
    return node


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid project's JSON with one to three structural mutations."""
    doc = json.loads(dumps(draw(projects()), BASE))
    for _ in range(draw(st.integers(1, 3))):
        containers = _containers(doc)
        if not containers:  # the root was replaced by a single value
            break
        path = draw(st.sampled_from(containers))
        node = _at(doc, path)
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        action = draw(st.sampled_from(["replace", "delete", "add", "wrap", "root"]))
        if action == "root":
            doc = draw(json_values)
            continue
        if not keys and action != "add":
            continue
        if action == "add":
            if isinstance(node, dict):
                node[draw(st.text(max_size=10))] = draw(json_values)
            else:
                node.append(draw(json_values))
            continue
        key = draw(st.sampled_from(keys))
        if action == "replace":
            node[key] = draw(json_values)
        elif action == "delete":
            del node[key]
        else:  # nest the value one or a few levels deeper
            for _ in range(draw(st.integers(1, 20))):
                node[key] = draw(st.sampled_from([[node[key]], {"value": node[key]}]))
    return doc


def _load_ends_well(raw: bytes) -> None:
    """Loading ``raw`` gives a project (whose checks and re-save work) or a StudioError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.ffnn.json"
        path.write_bytes(raw)
        try:
            project = load_project(path)
        except StudioError as exc:
            assert str(exc)
            return
        assert isinstance(project, Project)
        validate_project(project)
        with contextlib.suppress(StudioError):
            check_project(project)
        # What was read can be written again and read back.
        again = Path(folder) / "again.ffnn.json"
        save_project(project, again)
        load_project(again)


@EXAMPLES
@given(mutated_documents())
def test_mutated_structure_loads_or_fails_cleanly(doc: Any) -> None:
    _load_ends_well(json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@EXAMPLES
@given(projects(), st.data())
def test_truncated_and_corrupted_bytes_load_or_fail_cleanly(project: Project, data: st.DataObject) -> None:
    raw = bytearray(dumps(project, BASE).encode("utf-8"))
    how = data.draw(st.sampled_from(["truncate", "overwrite", "insert", "noise"]))
    if how == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif how == "overwrite":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    elif how == "insert":
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    else:
        raw = bytearray(data.draw(st.binary(max_size=200)))
    _load_ends_well(bytes(raw))


@EXAMPLES
@given(projects(), st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-7"]))
def test_other_encodings_load_or_fail_cleanly(project: Project, encoding: str) -> None:
    raw = dumps(project, BASE).encode(encoding, "replace")
    _load_ends_well(raw)


def test_lone_surrogate_in_text_is_refused_on_load() -> None:
    """JSON can escape half a UTF-16 pair ("\\ud800"), which no UTF-8 file can hold:
    accepting it made the project unsaveable (UnicodeEncodeError on save)."""
    text = dumps(Project(network=NetworkSpec((DenseLayer(),))))
    text = text.replace('"name": "Untitled"', '"name": "A\\ud800"')
    with pytest.raises(StudioError, match=r"\$\.name"):
        loads(text)


_PARSER_LIMITS = {
    "nesting": lambda t: t.replace('"description": ""', '"description": ' + "[" * 100_000 + "]" * 100_000),
    "long_integer": lambda t: t.replace('"epochs": 100', '"epochs": ' + "9" * 5000),
    "integer_beyond_float": lambda t: t.replace('"l1": 0.0', '"l1": 1' + "0" * 400),
    "epochs_beyond_float": lambda t: t.replace('"epochs": 100', '"epochs": 1' + "0" * 400),
}


@pytest.mark.parametrize("limit", sorted(_PARSER_LIMITS))
def test_parser_and_number_limits(limit: str) -> None:
    text = _PARSER_LIMITS[limit](dumps(Project(network=NetworkSpec((DenseLayer(),)))))
    _load_ends_well(text.encode("utf-8"))
