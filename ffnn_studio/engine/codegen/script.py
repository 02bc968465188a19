"""Project → a standalone, readable Keras training script (a teaching artefact).

The generated script uses only Keras, numpy, scikit-learn and (for CSV data)
pandas; it never imports FFNN Studio. It writes out the plan of
``engine.plan``, the one the builder instantiates, so it rebuilds the same
network (layers, activations with their α, initializers and their
seeds, L1/L2, dropout, a Normalization layer adapted on the training part),
loads the same data (the built-in generators are inlined as plain numpy and
give the same samples for the same seed), splits it like ``data.prepare``
(same fraction and seed, stratified for classification), trains with the same
optimizer, loss, epochs, batch size and early stopping, prints the final
scores and saves a ``.keras`` file.

Numbers match the studio's where the libraries allow; training itself is not
bit-identical (the studio trains in chunks with in-graph probes), so scores
agree closely, not exactly.

This module imports neither TensorFlow nor Keras.

Contract: turns a spec into source text that imports only Keras, numpy and
(for CSV data) pandas; never the studio. Imports the core; no TensorFlow, no
Qt.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import textwrap
from pathlib import Path

from ffnn_studio.core.catalog import ACTIVATIONS, DATASETS, OPTIMIZERS, SCHEDULES
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.naming import slugify
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    Project,
    Task,
    output_activation,
)
from ffnn_studio.core.validation import check_project
from ffnn_studio.engine.plan import (
    INPUT_NAME,
    SCALING_NAME,
    WARMUP_SCHEDULE,
    Call,
    Custom,
    DataValue,
    DensePlan,
    DropoutPlan,
    InitSeed,
    ModelPlan,
    Seed,
    Setting,
    Steps,
    Value,
    plan_model,
)

_REAL_LOADERS = {
    "iris": ("load_iris", ""),
    "wine": ("load_wine", ""),
    "breast_cancer": ("load_breast_cancer", ""),
    "digits": ("load_digits", ""),
    # Unscaled, as the studio loads it: the network scales its inputs itself.
    "diabetes": ("load_diabetes", "scaled=False"),
}

#: Comment and docstring width.
_WIDTH = 79
#: The line length the formatters keep code lines within.
_CODE_WIDTH = 88
#: Code line width: ruff format's and black's default.
_LINE = 88


# ---------------------------------------------------------------- small helpers


def _lit(value: object) -> str:
    """A Python literal for ``value``, strings in double quotes as a formatter writes them."""
    if isinstance(value, str):
        # JSON's string syntax is valid Python; non-ASCII letters stay readable.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(float(value))
    return repr(value)


def _call(head: str, args: list[str], indent: str = "    ", tail: str = ")") -> list[str]:
    """``head(args)`` laid out as ruff format / black would: one line if it fits in
    ``_LINE`` characters, else the arguments on one indented line, else one per line."""
    one = f"{indent}{head}({', '.join(args)}{tail}"
    if len(one) <= _LINE:
        return [one]
    inner = f"{indent}    {', '.join(args)}"
    if len(inner) <= _LINE:
        return [f"{indent}{head}(", inner, f"{indent}{tail}"]
    return [f"{indent}{head}(", *(f"{indent}    {a}," for a in args), f"{indent}{tail}"]


def _comment(text: str, indent: str = "") -> str:
    """``text`` as wrapped ``#`` comment lines."""
    return "\n".join(
        textwrap.wrap(
            text,
            width=_WIDTH,
            initial_indent=f"{indent}# ",
            subsequent_indent=f"{indent}# ",
            break_on_hyphens=False,
        )
    )


def _docstring_text(text: str) -> str:
    """Text that is safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _doc_lines(text: str, indent: str = "    ") -> list[str]:
    """The opening lines of a docstring: ``\"\"\"`` and ``text``, wrapped."""
    return textwrap.wrap(
        '"""' + _docstring_text(text),
        width=_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def _block(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _code(value: Value) -> str:
    """A plan value as source: calls written out, seeds as ``SEED + k``, settings by name."""
    if isinstance(value, Call):
        args = [_code(a) for a in value.args] + [f"{k}={_code(v)}" for k, v in value.kwargs]
        # A studio class ("ffnn_studio>LinearWarmup") is defined in the script itself.
        return f"{value.path.rpartition('>')[2]}({', '.join(args)})"
    if isinstance(value, Seed):
        return f"SEED + {value.offset}" if value.offset else "SEED"
    if isinstance(value, InitSeed):
        return f"INIT_SEED + {value.offset}" if value.offset else "INIT_SEED"
    if isinstance(value, Steps):
        return f"{value.epochs} * steps_per_epoch" if value.epochs != 1 else "steps_per_epoch"
    if isinstance(value, Setting):
        return value.param.name.upper()
    if isinstance(value, DataValue):
        return value.name
    if isinstance(value, Custom):
        return value.python_name
    return _lit(value)


# ---------------------------------------------------------------- the task


def _task(project: Project) -> Task:
    """The project's task; for a CSV source without one, inferred from the file as the studio does."""
    task = project.known_task()
    if isinstance(project.data, CsvDataSource) and task is None:
        from ffnn_studio.data import load_dataset

        try:
            dataset = load_dataset(project.data)
        except StudioError as exc:
            raise StudioError(
                f"cannot tell the task from the CSV file ({exc}); choose the task in the data "
                "settings, then generate the script again"
            ) from exc
        return dataset.task
    if task is None:
        raise StudioError("the project's data source does not tell whether to classify or regress")
    return task


# ---------------------------------------------------------------- data: synthetic

_SYNTHETIC_HELPERS = {
    "class_sizes": '''
        def class_sizes(n_samples, n_classes):
            """Split n_samples into n_classes sizes that differ by at most one."""
            base, extra = divmod(n_samples, n_classes)
            return [base + (1 if k < extra else 0) for k in range(n_classes)]
        ''',
    "jitter_and_shuffle": '''
        def jitter_and_shuffle(rng, parts):
            """Stack one point cloud per class, add Gaussian noise, shuffle the rows."""
            x = np.concatenate(parts)
            labels = [np.full(len(p), k, dtype=np.int32) for k, p in enumerate(parts)]
            y = np.concatenate(labels)
            # Labels come from the clean pattern: large noise makes the classes overlap.
            x = x + rng.normal(0.0, NOISE, size=x.shape)
            order = rng.permutation(len(x))
            return x[order].astype(np.float32), y[order]
        ''',
    "polar": '''
        def polar(rng, r):
            """Points at distances r from the origin, at random angles."""
            angle = rng.uniform(0.0, 2 * np.pi, size=len(r))
            return np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        ''',
    "regression_data": '''
        def regression_data(surface):
            """x uniform in [-RADIUS, RADIUS]², y = surface(x) plus Gaussian noise."""
            rng = np.random.default_rng(DATA_SEED)
            x = rng.uniform(-RADIUS, RADIUS, size=(N_SAMPLES, 2))
            y = surface(x) + rng.normal(0.0, NOISE, size=N_SAMPLES)
            return x.astype(np.float32), y.astype(np.float32)
        ''',
}

#: name → (helpers it needs, extra top-level code, body of load_data, class names)
_SYNTHETIC: dict[str, tuple[tuple[str, ...], str, str, tuple[str, ...]]] = {
    "circle": (
        ("class_sizes", "jitter_and_shuffle", "polar"),
        "",
        """
        rng = np.random.default_rng(DATA_SEED)
        n_outside, n_inside = class_sizes(N_SAMPLES, 2)
        # Class 0 ("outside"): a ring between 70 % and 100 % of RADIUS.
        outside = polar(rng, rng.uniform(0.7 * RADIUS, RADIUS, size=n_outside))
        # Class 1 ("inside"): a disc of half the radius.
        inside = polar(rng, rng.uniform(0.0, 0.5 * RADIUS, size=n_inside))
        x, y = jitter_and_shuffle(rng, [outside, inside])
        """,
        ("outside", "inside"),
    ),
    "xor": (
        ("class_sizes", "jitter_and_shuffle"),
        "",
        """
        rng = np.random.default_rng(DATA_SEED)
        parts = []
        for label, n in enumerate(class_sizes(N_SAMPLES, 2)):
            # Keep a margin around the axes so the clean classes are separable.
            magnitude = rng.uniform(0.3, RADIUS, size=(n, 2))
            sign_1 = rng.choice([-1.0, 1.0], size=n)
            # Class 0: both coordinates have the same sign; class 1: opposite signs.
            sign_2 = sign_1 if label == 0 else -sign_1
            parts.append(magnitude * np.column_stack([sign_1, sign_2]))
        x, y = jitter_and_shuffle(rng, parts)
        """,
        ("0", "1"),
    ),
    "gaussians": (
        ("class_sizes", "jitter_and_shuffle"),
        "",
        """
        rng = np.random.default_rng(DATA_SEED)
        # Two unit-variance clusters centred at (-2, -2) and (2, 2).
        centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
        parts = [
            rng.normal(centre, 1.0, size=(n, 2))
            for centre, n in zip(centres, class_sizes(N_SAMPLES, 2), strict=True)
        ]
        x, y = jitter_and_shuffle(rng, parts)
        """,
        ("A", "B"),
    ),
    "spirals": (
        ("class_sizes", "jitter_and_shuffle"),
        "",
        """
        rng = np.random.default_rng(DATA_SEED)
        parts = []
        for label, n in enumerate(class_sizes(N_SAMPLES, 2)):
            # Evenly spaced along the arm; the second spiral is the first turned by 180°.
            t = np.linspace(0.0, 1.0, n, endpoint=False)
            r = t * RADIUS
            angle = 1.75 * 2 * np.pi * t + label * np.pi
            parts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        x, y = jitter_and_shuffle(rng, parts)
        """,
        ("A", "B"),
    ),
    "blobs": (
        ("class_sizes", "jitter_and_shuffle"),
        "",
        """
        rng = np.random.default_rng(DATA_SEED)
        # Three unit-variance clusters on a circle of radius 3.
        angles = np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        centres = 3.0 * np.column_stack([np.cos(angles), np.sin(angles)])
        parts = [
            rng.normal(centre, 1.0, size=(n, 2))
            for centre, n in zip(centres, class_sizes(N_SAMPLES, 3), strict=True)
        ]
        x, y = jitter_and_shuffle(rng, parts)
        """,
        ("A", "B", "C"),
    ),
    "plane": (
        ("regression_data",),
        '''
        def plane(x):
            """The clean target: a tilted plane."""
            return 0.12 * x[:, 0] - 0.06 * x[:, 1] + 0.1
        ''',
        """
        x, y = regression_data(plane)
        """,
        (),
    ),
    "multi_gaussian": (
        ("regression_data",),
        '''
        # (centre x1, centre x2, sign) of the six Gaussian bumps of the surface.
        BUMPS = np.array(
            [
                [-4.0, 2.5, 1.0],
                [0.0, 2.5, -1.0],
                [4.0, 2.5, 1.0],
                [-4.0, -2.5, -1.0],
                [0.0, -2.5, 1.0],
                [4.0, -2.5, -1.0],
            ]
        )
        BUMP_WIDTH = 1.5


        def bumps(x):
            """The clean target: a sum of Gaussian bumps of alternating sign."""
            # Squared distance of every point (rows) to every bump centre (columns).
            dx = x[:, None, 0] - BUMPS[None, :, 0]
            dy = x[:, None, 1] - BUMPS[None, :, 1]
            d2 = dx**2 + dy**2
            return (BUMPS[None, :, 2] * np.exp(-d2 / (2 * BUMP_WIDTH**2))).sum(axis=1)
        ''',
        """
        x, y = regression_data(bumps)
        """,
        (),
    ),
}


def _synthetic_data(source: BuiltinDataSource) -> tuple[str, str]:
    """(settings lines, data section) for a built-in generator."""
    entry = DATASETS[source.name]
    params = source.resolved_params()
    helpers, extra, body, class_names = _SYNTHETIC[source.name]
    settings = "\n".join(
        [
            f"# The data set: {entry.label}, as FFNN Studio generates it.",
            f"N_SAMPLES = {int(params['n_samples'])}",
            f"NOISE = {_lit(float(params['noise']))}",
            f"DATA_SEED = {int(params['seed'])}  # the same seed gives the same samples",
            "RADIUS = 5.0  # the inputs lie roughly in [-RADIUS, RADIUS]",
        ]
    )
    parts = [_block(_SYNTHETIC_HELPERS[h]) for h in helpers]
    if extra:
        parts.append(_block(extra))
    returned = (
        '    return x, y, ["x1", "x2"], ' + _lit(list(class_names))
        if class_names
        else '    return x, y, ["x1", "x2"], []'
    )
    loader = "\n".join(
        [
            "def load_data():",
            *_doc_lines(entry.help),
            "",
            "    Returns the features x (n × 2), the targets y, the feature names and the",
            "    class names. It is FFNN Studio's generator: the same seed, the same rows.",
            '    """',
            textwrap.indent(_block(body), "    "),
            returned,
        ]
    )
    parts.append(loader)
    return settings, "\n\n\n".join(parts)


# ---------------------------------------------------------------- data: real and CSV


def _real_data(source: BuiltinDataSource, task: Task) -> tuple[str, str]:
    entry = DATASETS[source.name]
    function, args = _REAL_LOADERS[source.name]
    classes = "[str(c) for c in bunch.target_names]" if task.is_classification else "[]"

    y_type = "np.int32" if task.is_classification else "np.float32"
    loader = "\n".join(
        [
            "def load_data():",
            *_doc_lines(entry.help),
            "",
            "    Returns the features x, the targets y, the feature names and the class names.",
            '    """',
            "    # Bundled with scikit-learn: read from its package, nothing is downloaded.",
            f"    bunch = datasets.{function}({args})",
            "    x = np.asarray(bunch.data, dtype=np.float32)",
            f"    y = np.asarray(bunch.target, dtype={y_type})",
            "    feature_names = [str(f) for f in bunch.feature_names]",
            f"    class_names = {classes}",
            "    return x, y, feature_names, class_names",
        ]
    )
    return "", loader


def _csv_layout(source: CsvDataSource) -> tuple[str, str, bool, tuple[str, ...] | None]:
    """(delimiter, decimal mark, has header, column names) as the studio detects them."""
    try:
        from ffnn_studio.data.csv_format import detect_layout, resolve_path

        layout = detect_layout(resolve_path(source.path), source.delimiter)
    except (StudioError, OSError, ImportError):
        return source.delimiter or ",", ".", True, None
    return layout.delimiter, layout.decimal, layout.has_header, layout.columns


def _csv_data(source: CsvDataSource, task: Task, csv_path: str) -> tuple[str, str]:
    delimiter, decimal, has_header, columns = _csv_layout(source)
    settings = [
        "# The data: a CSV file and the columns chosen in FFNN Studio.",
        f"CSV_PATH = {_lit(csv_path)}",
        f"TARGET = {_lit(source.target)}",
    ]
    if source.features is None:
        settings.append("FEATURES = None  # None: every column except the target")
    else:
        settings.append(f"FEATURES = {_lit(list(source.features))}")
    settings.append(
        '# Missing values: "drop" the rows that have any, or fill them with the "mean".'
    )
    settings.append(f"MISSING = {_lit(source.missing)}")
    read_args = [f"sep={_lit(delimiter)}"]
    if decimal != ".":
        read_args.append(f"decimal={_lit(decimal)}")
    if not has_header and columns is not None:
        read_args.append("header=None")
        read_args.append(f"names={_lit(list(columns))}")
    # pandas' missing-value markers plus "?", as the studio reads them.
    read_args.append('na_values=["?"]')
    read_args.append('encoding="utf-8-sig"')
    if task.is_classification:
        target_code = _block(
            """
            # The target's distinct values, sorted, are the classes; y holds class indices.
            target = frame[TARGET]
            if not is_number_column(target):
                target = target.astype(str).str.strip()
            class_values, y = np.unique(target.to_numpy(), return_inverse=True)
            class_names = [class_name(v) for v in class_values]
            y = y.astype(np.int32)
            """
        )
    else:
        target_code = _block(
            """
            y = frame[TARGET].to_numpy(dtype=np.float32)
            class_names = []
            """
        )
    helpers = [
        _block(
            '''
            def is_number_column(column):
                """True for numbers; text and true/false columns are categories."""
                is_bool = pd.api.types.is_bool_dtype(column)
                return pd.api.types.is_numeric_dtype(column) and not is_bool
            '''
        ),
        _block(
            '''
            def one_hot(column):
                """One 0/1 column per category, named like "color=red", categories sorted.

                A missing value becomes a category of its own, "(missing)".
                """
                text = column.astype(str).str.strip().where(column.notna(), None)
                categories = sorted(text.dropna().unique())
                if text.isna().any():
                    categories.append("(missing)")
                text = text.fillna("(missing)")
                return pd.DataFrame(
                    {f"{column.name}={c}": (text == c).astype(np.float32) for c in categories}
                )
            '''
        ),
    ]
    if task.is_classification:
        helpers.append(
            _block(
                '''
                def class_name(value):
                    """A class's name: "3" for the number 3.0, the text itself otherwise."""
                    if isinstance(value, float) and value.is_integer():
                        return str(int(value))
                    return str(value)
                '''
            )
        )
    loader = "\n".join(
        [
            "def load_data(csv_path):",
            '    """Read the CSV file: numbers as they are, text features one-hot encoded.',
            "",
            "    Returns the features x, the targets y, the feature names, the class",
            "    names, and the feature columns as (name, categories), categories None for",
            "    a column of numbers.",
            '    """',
            *_call("frame = pd.read_csv", ["csv_path", *read_args]),
            "    features = FEATURES or [c for c in frame.columns if c != TARGET]",
            "    # Rows without a target value cannot be learned from.",
            "    frame = frame.dropna(subset=[TARGET])",
            "    # A column with no values at all carries no information: leave it out.",
            "    features = [c for c in features if frame[c].notna().any()]",
            '    if MISSING == "drop":',
            "        frame = frame.dropna(subset=features)",
            "    frame = frame.reset_index(drop=True)",
            "",
            "    blocks = []",
            "    columns = []",
            "    for name in features:",
            "        column = frame[name]",
            "        if is_number_column(column):",
            '            # A gap (left only when MISSING is "mean") gets the column\'s mean.',
            "            blocks.append(column.astype(np.float64).fillna(column.mean()))",
            "            columns.append((name, None))",
            "        else:",
            "            blocks.append(one_hot(column))",
            "            columns.append((name, [c[len(name) + 1 :] for c in blocks[-1].columns]))",
            "    table = pd.concat(blocks, axis=1)",
            "    x = table.to_numpy(dtype=np.float32)",
            "",
            textwrap.indent(target_code, "    "),
            "    return x, y, [str(c) for c in table.columns], class_names, columns",
        ]
    )
    return "\n".join(settings), "\n\n\n".join([*helpers, loader, _block(_RAW_ROW_MODEL)])


#: The CSV script saves its model with the text columns' encoding in front (as
#: ``engine.inference.raw_input_model`` does), so it takes the CSV's raw rows.
_RAW_ROW_MODEL = '''
    def input_name(column_name, taken):
        """A model input's name for a column: letters, digits and _ only, unique."""
        base = re.sub(r"\\W", "_", column_name, flags=re.ASCII).strip("_") or "column"
        if not re.match(r"[A-Za-z]", base):
            base = f"c_{base}"
        name, k = base, 2
        while name.lower() in {t.lower() for t in taken}:
            name, k = f"{base}_{k}", k + 1
        return name


    def raw_row_model(model, columns):
        """The trained model with the text columns' one-hot encoding in front.

        It takes the CSV's rows: one input per feature column, numbers as float32
        and text as strings (shape (rows, 1) each); a category the model never saw
        is an error.
        """
        inputs = {}
        parts = []
        for name, categories in columns:
            key = input_name(name, inputs)
            if categories is None:
                inputs[key] = keras.Input(shape=(1,), dtype="float32", name=key)
                parts.append(inputs[key])
            else:
                inputs[key] = keras.Input(shape=(1,), dtype="string", name=key)
                lookup = keras.layers.StringLookup(
                    vocabulary=categories, num_oov_indices=0, output_mode="one_hot"
                )
                parts.append(keras.ops.cast(lookup(inputs[key]), "float32"))
        features = keras.layers.Concatenate()(parts)
        return keras.Model(inputs, model(features), name=f"{model.name}_raw_rows")
'''


# ---------------------------------------------------------------- the network


def _activation_comment(layer: DenseLayer) -> str:
    entry = ACTIVATIONS[layer.activation]
    alpha = layer.activation_alpha()
    label = entry.label + (f" (α = {alpha:g})" if alpha is not None else "")
    return f"{label}: {entry.formula}" if entry.formula else label


def _dense_code(step: DensePlan) -> list[str]:
    layer = step.layer
    lines = [
        _comment(
            f"Layer {step.index + 1}: Dense {layer.units}, {_activation_comment(layer)}", "    "
        )
    ]
    if step.activation is not None:
        lines.append(
            _comment(
                "Keras's activation names cannot carry α, so the Dense layer stays linear "
                "and an activation layer follows it.",
                "    ",
            )
        )
    if step.dense.get("kernel_regularizer") is not None:
        what = {
            (True, False): "L1 adds λ·Σ|w| to the loss",
            (False, True): "L2 adds λ·Σw² to the loss",
            (True, True): "L1 and L2 add λ₁·Σ|w| + λ₂·Σw² to the loss",
        }[(bool(layer.l1), bool(layer.l2))]
        lines.append(_comment(f"{what}.", "    "))
    args = [_code(a) for a in step.dense.args] + [f"{k}={_code(v)}" for k, v in step.dense.kwargs]
    lines.append(f"    x = {step.dense.path}(")
    for (keyword, value), arg in zip(
        [(None, None)] * len(step.dense.args) + list(step.dense.kwargs), args, strict=True
    ):
        if len(arg) + 9 > _CODE_WIDTH and isinstance(value, Call):
            # As the formatters break it: the call's arguments on a line of their own.
            inner = ", ".join(
                [_code(a) for a in value.args] + [f"{k}={_code(v)}" for k, v in value.kwargs]
            )
            lines += [f"        {keyword}={value.path}(", f"            {inner}", "        ),"]
        else:
            lines.append(f"        {arg},")
    lines.append("    )(x)")
    if step.activation is not None:
        lines.append(f"    x = {_code(step.activation)}(x)")
    return lines


def _dropout_code(step: DropoutPlan) -> list[str]:
    rate = step.layer.rate
    return [
        _comment(
            f"Layer {step.index + 1}: Dropout {rate:g}. While training, zero a random "
            f"{rate:.0%} of the previous layer's outputs at every step (and scale the "
            "rest up); at prediction time it does nothing.",
            "    ",
        ),
        f"    x = {_code(step.dropout)}(x)",
    ]


def _output_comment(task: Task) -> str:
    return {
        Task.BINARY: "The output: one sigmoid unit, the probability of class 1.",
        Task.MULTICLASS: "The output: one softmax unit per class; together they are the "
        "class probabilities.",
        Task.REGRESSION: "The output: one linear unit, the predicted value.",
    }[task]


def _optimizer_code(plan: ModelPlan, project: Project) -> tuple[list[str], list[str]]:
    """(settings lines, the optimizer's construction lines)."""
    entry = OPTIMIZERS[project.training.optimizer.name]
    settings = [_comment(f"The optimizer: {entry.label}. {entry.help}")]
    schedule = plan.schedule
    for _, value in plan.optimizer.kwargs:
        if isinstance(value, Setting):
            settings.append(f"{_code(value)} = {_lit(value.value)}")
        elif value is schedule and schedule is not None:
            settings.extend(_schedule_settings(project, schedule))
    args = [f"{k}={_code(v)}" for k, v in plan.optimizer.kwargs]
    return settings, _call(f"return {plan.optimizer.path}", args)


def _settings_in(value: Value) -> list[Setting]:
    if isinstance(value, Setting):
        return [value]
    if isinstance(value, Call):
        return [s for v in (*value.args, *(kw for _, kw in value.kwargs)) for s in _settings_in(v)]
    return []


def _schedule_settings(project: Project, schedule: Call) -> list[str]:
    """The learning rate's setting lines, and the schedule's, with a comment on the schedule."""
    spec = project.training.lr_schedule
    entry = SCHEDULES[spec.name]
    text = f"The learning-rate schedule: {entry.label}, {entry.formula}. {entry.help}"
    if spec.warmup_epochs:
        text += (
            f" The first {spec.warmup_epochs} epochs warm up: the rate rises linearly "
            "from 0 to LEARNING_RATE."
        )
    lines = [_comment(text)]
    seen: set[str] = set()
    for setting in _settings_in(schedule):
        name = _code(setting)
        if name not in seen:
            seen.add(name)
            lines.append(f"{name} = {_lit(setting.value)}")
    return lines


_WARMUP_CLASS = """
# A linear warm-up in front of a learning-rate schedule: the rate rises from 0 to
# initial_learning_rate over warmup_steps, then follows `after` (counted from the
# warm-up's end). Registered under the same name as in FFNN Studio, so a model
# saved by this script also loads there.
@keras.saving.register_keras_serializable(package="ffnn_studio", name="LinearWarmup")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, initial_learning_rate, warmup_steps, after=None, name="LinearWarmup"):
        self.initial_learning_rate = initial_learning_rate
        self.warmup_steps = warmup_steps
        if isinstance(after, dict):
            after = keras.optimizers.schedules.deserialize(after)
        self.after = after
        self.name = name

    def __call__(self, step):
        ops = keras.ops
        lr = ops.convert_to_tensor(self.initial_learning_rate)
        t = ops.cast(step, lr.dtype)
        warm = ops.cast(self.warmup_steps, lr.dtype)
        rising = lr * t / ops.maximum(warm, 1.0)
        if self.after is None:
            later = lr
        else:
            later = ops.cast(self.after(ops.maximum(t - warm, 0.0)), lr.dtype)
        return ops.where(t < warm, rising, later)

    def get_config(self):
        after = None if self.after is None else keras.optimizers.schedules.serialize(self.after)
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "warmup_steps": self.warmup_steps,
            "after": after,
            "name": self.name,
        }
"""


_STEP_FUNCTION = '''
# The binary step activation, the perceptron's original threshold. Its true
# derivative is 0 almost everywhere, so backpropagation could not learn through
# it. It is trained with a straight-through gradient instead: the forward pass
# is the exact step, the backward pass uses the gradient of clip(x, -1, 1).
# Registered under the same name as in FFNN Studio, so a model saved by this
# script also loads there (and here, as long as this function is defined).
@keras.saving.register_keras_serializable(package="ffnn_studio", name="step")
def step(x):
    """1 where x >= 0, else 0; its gradient is 1 where |x| < 1 and 0 elsewhere."""
    surrogate = keras.ops.clip(x, -1.0, 1.0)
    hard = keras.ops.cast(keras.ops.greater_equal(x, 0.0), x.dtype)
    # Forward: surrogate + (hard - surrogate) = hard. Backward: stop_gradient
    # hides the bracket, so only the surrogate's gradient flows.
    return surrogate + keras.ops.stop_gradient(hard - surrogate)
'''

#: The source of each custom object the catalog names (Keras has no such function).
_CUSTOM_SOURCES = {"ffnn_studio>step": _STEP_FUNCTION}


def _network_summary(project: Project, task: Task) -> str:
    parts = ["Input", "Normalization"]
    for layer in project.network.layers:
        if isinstance(layer, DenseLayer):
            alpha = layer.activation_alpha()
            label = ACTIVATIONS[layer.activation].label + (
                f" α={alpha:g}" if alpha is not None else ""
            )
            parts.append(f"Dense {layer.units} {label}")
        else:
            parts.append(f"Dropout {layer.rate:g}")
    out = output_activation(task)
    units = "(one per class)" if task is Task.MULTICLASS else "1"
    parts.append(f"Dense {units} {out}")
    return " → ".join(parts)


def _build_model_code(plan: ModelPlan) -> str:
    scheduled = plan.schedule is not None
    lines = [
        "def build_model(n_features, n_classes, normalizer, steps_per_epoch):"
        if scheduled
        else "def build_model(n_features, n_classes, normalizer):",
        '    """The network: raw features in, probabilities (or values) out."""',
        f"    inputs = keras.Input(shape=(n_features,), name={_lit(INPUT_NAME)})",
        "    # Scale every feature to mean 0 and variance 1 with the training part's statistics.",
        "    # Inside the model, so the saved model takes raw features.",
        "    x = normalizer(inputs)",
    ]
    for step in plan.layers:
        lines.append("")
        if isinstance(step, DensePlan):
            lines.extend(_dense_code(step))
        else:
            lines.extend(_dropout_code(step))
    output = plan.output
    lines += [
        "",
        _comment(_output_comment(plan.task), "    "),
        f"    outputs = {output.path}(",
        *(f"        {_code(a)}," for a in output.args),
        *(f"        {k}={_code(v)}," for k, v in output.kwargs),
        "    )(x)",
        f"    model = keras.Model(inputs, outputs, name={_lit(plan.name)})",
        "",
        _comment(f"The loss: {plan.keras_loss.note}.", "    "),
        "    model.compile(",
        "        optimizer=make_optimizer(steps_per_epoch),"
        if scheduled
        else "        optimizer=make_optimizer(),",
        f"        loss={_code(plan.loss)},",
        f"        metrics=[{_code(plan.metric)}],",
        "    )",
        "    return model",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- the script


def _module_docstring(
    project: Project, task: Task, data_line: str, default_output: str, script_name: str
) -> str:
    import ffnn_studio

    today = _dt.date.today().isoformat()
    title = _docstring_text(project.name or "Untitled")
    lines = [
        *textwrap.wrap(
            f'"""{title}: a feed-forward network, rebuilt and trained with plain Keras.',
            width=_WIDTH,
        ),
        "",
        f"Generated by FFNN Studio {ffnn_studio.__version__} on {today}. It needs Keras (with",
        "TensorFlow), "
        + (
            "numpy, scikit-learn and pandas"
            if isinstance(project.data, CsvDataSource)
            else "numpy and scikit-learn"
        )
        + "; it does not need FFNN Studio.",
        "",
    ]
    if project.description:
        lines += [
            *textwrap.wrap(_docstring_text(project.description), width=_WIDTH),
            "",
        ]
    lines += [
        f"Task: {task.value}. Data: {data_line}",
        *textwrap.wrap(
            "Network: " + _network_summary(project, task),
            width=_WIDTH,
            subsequent_indent="    ",
            break_on_hyphens=False,
        ),
        "",
        "Run it:",
        "",
        f"    python {script_name}",
        f"        trains the network and saves it as {default_output}",
        f"    python {script_name} other.keras",
        "        saves the trained model as other.keras instead",
        '"""',
    ]
    return "\n".join(lines)


def generate_script(
    project: Project,
    *,
    csv_path: str | os.PathLike[str] | None = None,
    script_name: str | None = None,
) -> str:
    """The project as a standalone Python training script (source text).

    ``csv_path`` is where the script looks for a CSV data source (default: the
    project's path to it); it is the default of the script's ``--csv`` option.
    ``script_name`` is the file name the usage lines show.
    """
    task = _task(project)
    check_project(project, task)
    data = project.data
    training = project.training
    slug = slugify(project.name)
    default_output = f"{slug}.keras"
    plan = plan_model(project, task)
    is_csv = isinstance(data, CsvDataSource)

    if isinstance(data, BuiltinDataSource) and data.name in _SYNTHETIC:
        data_settings, data_code = _synthetic_data(data)
        data_line = f"{DATASETS[data.name].label} (generated)."
    elif isinstance(data, BuiltinDataSource):
        data_settings, data_code = _real_data(data, task)
        data_line = f"{DATASETS[data.name].label} (scikit-learn)."
    else:
        path = os.fspath(csv_path) if csv_path is not None else data.path
        data_settings, data_code = _csv_data(data, task, Path(path).as_posix())
        data_line = f"the CSV file {Path(path).name}, target column '{data.target}'."

    optimizer_settings, optimizer_code = _optimizer_code(plan, project)

    imports = ["import argparse", "import os", ""]
    imports.append("import numpy as np")
    if is_csv:
        imports.insert(2, "import re")
    if is_csv:
        imports.append("import pandas as pd")
    if isinstance(data, BuiltinDataSource) and data.name in _REAL_LOADERS:
        imports.append("from sklearn import datasets")
    imports.append("from sklearn.model_selection import train_test_split")

    settings = [
        "# ---------------------------------------------------------------------------",
        "# The project's settings. Change them here to experiment.",
        "# ---------------------------------------------------------------------------",
        "",
        "# One seed for the data split, dropout and shuffling.",
        f"SEED = {training.seed}",
        "# The initial weights' seed: runs with the same one start from the same weights.",
        "INIT_SEED = SEED" if training.init_seed is None else f"INIT_SEED = {training.init_seed}",
        "# Share of the rows held out (never trained on) to measure generalization.",
        f"VALIDATION_FRACTION = {_lit(float(training.validation_fraction))}",
        *_test_settings(training.test_fraction),
        "# Passes over the training part, and rows per gradient step.",
        f"EPOCHS = {training.epochs}",
        f"BATCH_SIZE = {training.batch_size}",
        *optimizer_settings,
    ]
    if training.early_stopping:
        settings += [
            "# Early stopping: stop when the validation loss has not improved for PATIENCE",
            "# epochs, and go back to the weights of the best epoch if RESTORE_BEST_WEIGHTS.",
            f"PATIENCE = {training.patience}",
            f"RESTORE_BEST_WEIGHTS = {training.restore_best_weights!r}",
        ]
    if data_settings:
        settings += ["", data_settings]
    settings.append(f"DEFAULT_OUTPUT = {_lit(default_output)}")

    head = "\n\n".join(
        [
            _module_docstring(
                project, task, data_line, default_output, script_name or f"train_{slug}.py"
            ),
            # Two blank lines around the function, as the formatters want.
            "\n".join(imports) + "\n\n\n" + _block(_QUIET_IMPORT),
            "\n".join(settings),
        ]
    )
    sections = [head, _section("1. The data"), data_code]
    number = 2
    for registered in plan.custom_objects:
        name = Custom(registered).python_name
        sections += [
            _section(f"{number}. The {name} activation"),
            _block(_CUSTOM_SOURCES[registered]),
        ]
        number += 1
    if plan.schedule is not None and plan.schedule.path == WARMUP_SCHEDULE:
        sections += [_section(f"{number}. The learning-rate warm-up"), _block(_WARMUP_CLASS)]
        number += 1
    optimizer = "\n".join(
        [
            "def make_optimizer(steps_per_epoch):" if plan.schedule else "def make_optimizer():",
            '    """The optimizer with the project\'s hyper-parameters."""',
            *optimizer_code,
        ]
    )
    sections += [
        _section(f"{number}. The network"),
        optimizer,
        _build_model_code(plan),
        _section(f"{number + 1}. Training"),
        _split_with_test_code(task) if training.test_fraction else _split_code(task),
        _with_test_part(_main_code(plan, project, is_csv), plan, project),
        'if __name__ == "__main__":\n    main()',
    ]
    # Two blank lines between top-level blocks, as PEP 8 and the formatters want.
    return _tidy("\n\n\n".join(s.strip("\n") for s in sections))


#: Keras is imported like the studio imports TensorFlow (``engine.quiet``): with
#: file descriptor 2 pointed elsewhere, since TensorFlow's C++ start-up lines
#: bypass both Python and ``TF_CPP_MIN_LOG_LEVEL``.
_QUIET_IMPORT = '''
    def import_keras_quietly():
        """Import Keras without TensorFlow's C++ start-up messages.

        TensorFlow writes them (e.g. "failed call to cuInit" on a machine without
        a GPU) straight to the error stream, whatever TF_CPP_MIN_LOG_LEVEL says,
        so that stream points at the null device while TensorFlow loads and looks
        for devices. An error raised meanwhile is still shown.
        """
        saved = os.dup(2)
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import keras
                import tensorflow as tf

                tf.config.list_physical_devices()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
        return keras


    keras = import_keras_quietly()
'''


def _section(title: str) -> str:
    return "\n".join(
        [
            "# ---------------------------------------------------------------------------",
            f"# {title}",
            "# ---------------------------------------------------------------------------",
        ]
    )


def _split_code(task: Task) -> str:
    if task.is_classification:
        return _block(
            '''
            def split(x, y):
                """Hold out VALIDATION_FRACTION of the rows, the same rows as FFNN Studio.

                Stratified: both parts keep the class proportions (if a class is too small
                for that, the rows are drawn at random instead).
                """
                if VALIDATION_FRACTION == 0:
                    return x, x[:0], y, y[:0]
                try:
                    return train_test_split(
                        x, y, test_size=VALIDATION_FRACTION, random_state=SEED, stratify=y
                    )
                except ValueError:
                    return train_test_split(x, y, test_size=VALIDATION_FRACTION, random_state=SEED)
            '''
        )
    return _block(
        '''
        def split(x, y):
            """Hold out VALIDATION_FRACTION of the rows, the same rows as FFNN Studio."""
            if VALIDATION_FRACTION == 0:
                return x, x[:0], y, y[:0]
            return train_test_split(x, y, test_size=VALIDATION_FRACTION, random_state=SEED)
        '''
    )


def _test_settings(test_fraction: float) -> list[str]:
    if not test_fraction:
        return []
    return [
        "# Share of the rows kept aside and scored once, after training (the test part).",
        f"TEST_FRACTION = {_lit(float(test_fraction))}",
    ]


def _split_with_test_code(task: Task) -> str:
    """``split`` holding out the test part first, then the validation part, as ``data.prepare`` does."""
    stratify = "stratify=y[rows]" if task.is_classification else "stratify=None"
    return _block(
        f'''
        def hold_out(rows, y, n):
            """``rows`` split into (kept, held out ``n``), both sorted, as the studio does."""
            if n == 0:
                return rows, rows[:0]
            try:
                keep, out = train_test_split(
                    rows, test_size=n, random_state=SEED, {stratify}
                )
            except ValueError:  # a class too small to keep its share in both parts
                keep, out = train_test_split(rows, test_size=n, random_state=SEED)
            return np.sort(keep), np.sort(out)


        def split(x, y):
            """Hold out TEST_FRACTION of the rows, then VALIDATION_FRACTION of them from the
            rest: the same rows as FFNN Studio (per class for classification)."""
            n = len(x)
            rest, test = hold_out(np.arange(n), y, int(np.ceil(n * TEST_FRACTION)))
            train, val = hold_out(rest, y, int(np.ceil(n * VALIDATION_FRACTION)))
            return x[train], x[val], x[test], y[train], y[val], y[test]
        '''
    )


def _with_test_part(main: str, plan: ModelPlan, project: Project) -> str:
    """``main`` that also splits off, encodes and finally scores the test part."""
    if not project.training.test_fraction:
        return main
    metric = plan.metric_name
    main = main.replace(
        "    x_train, x_val, y_train, y_val = split(x, y)",
        "    x_train, x_val, x_test, y_train, y_val, y_test = split(x, y)",
    )
    main = main.replace(
        '        f"{len(x_val)} validation rows"',
        '        f"{len(x_val)} validation rows, {len(x_test)} test rows"',
    )
    for encode in (
        "keras.utils.to_categorical(y_val, len(class_names))",
        'y_val.reshape(-1, 1).astype("float32")',
    ):
        line = f"    y_val = {encode}"
        main = main.replace(line, line + "\n" + line.replace("y_val", "y_test"))
    scores = "\n".join(
        [
            "\n",
            "    # The test rows were never trained on, nor used to stop early: scored once, now.",
            "    scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)",
            f'    loss, score = scores["loss"], scores["{metric}"]',
            f'    print(f"  {"test":<10}  loss {{loss:.4f}}  {metric} {{score:.4f}}")',
            "",
            "    model.save(args.output)",
        ]
    )
    return main.replace("\n\n    model.save(args.output)", scores, 1)


def _main_code(plan: ModelPlan, project: Project, is_csv: bool) -> str:
    training = project.training
    task = plan.task
    metric = plan.metric_name
    lines = [
        "def main():",
        "    # The description is the first paragraph of the docstring above.",
        '    parser = argparse.ArgumentParser(description=__doc__.split("\\n\\n")[0])',
        "    parser.add_argument(",
        '        "output",',
        '        nargs="?",',
        "        default=DEFAULT_OUTPUT,",
        '        help="where to save the trained model",',
        "    )",
    ]
    if is_csv:
        lines += [
            '    parser.add_argument("--csv", default=CSV_PATH, help="the CSV file to train on")',
        ]
    lines += [
        "    args = parser.parse_args()",
        "",
        "    # Seed Python's, numpy's and the backend's random generators: the run repeats.",
        "    keras.utils.set_random_seed(SEED)",
        "",
        "    x, y, feature_names, class_names, columns = load_data(args.csv)"
        if is_csv
        else "    x, y, feature_names, class_names = load_data()",
        "    x_train, x_val, y_train, y_val = split(x, y)",
        "    print(",
        '        f"{len(feature_names)} features: {len(x_train)} training rows, "',
        '        f"{len(x_val)} validation rows"',
        "    )",
    ]
    if task is Task.MULTICLASS and plan.keras_loss.one_hot:
        lines += [
            "",
            "    # Mean squared error compares the softmax outputs with one-hot targets:",
            "    # class 2 of 3 becomes [0, 0, 1].",
            "    y_train = keras.utils.to_categorical(y_train, len(class_names))",
            "    y_val = keras.utils.to_categorical(y_val, len(class_names))",
        ]
    elif task is not Task.MULTICLASS:
        lines += [
            "",
            "    # One target column per row, shaped like the network's single output.",
            '    y_train = y_train.reshape(-1, 1).astype("float32")',
            '    y_val = y_val.reshape(-1, 1).astype("float32")',
        ]
    lines += [
        "",
        "    # The scaling statistics come from the training part only: the validation",
        "    # rows must stay unseen.",
        f"    normalizer = keras.layers.Normalization(name={_lit(SCALING_NAME)})",
        "    normalizer.adapt(x_train)",
        *(
            [
                "    # The schedule counts optimizer steps: this many make an epoch.",
                "    steps_per_epoch = -(-len(x_train) // BATCH_SIZE)",
                "    model = build_model(x.shape[1], len(class_names), normalizer, steps_per_epoch)",
            ]
            if plan.schedule is not None
            else ["    model = build_model(x.shape[1], len(class_names), normalizer)"]
        ),
        "    model.summary()",
        "",
        "    has_validation = len(x_val) > 0",
        "    validation = (x_val, y_val) if has_validation else None",
    ]
    if training.early_stopping:
        lines += [
            "    callbacks = [",
            "        keras.callbacks.EarlyStopping(",
            '            monitor="val_loss" if has_validation else "loss",',
            "            patience=PATIENCE,",
            "            restore_best_weights=RESTORE_BEST_WEIGHTS,",
            "        )",
            "    ]",
        ]
    else:
        lines.append("    callbacks = []")
    lines += [
        "    # verbose=2: one line per epoch with the loss and the metric of both parts.",
        "    model.fit(",
        "        x_train,",
        "        y_train,",
        "        validation_data=validation,",
        "        epochs=EPOCHS,",
        "        batch_size=BATCH_SIZE,",
        "        shuffle=True,",
        "        callbacks=callbacks,",
        "        verbose=2,",
        "    )",
        "",
        "    # The final scores, measured on each part with the trained weights.",
        '    print("\\nFinal scores")',
        '    parts = [("training", x_train, y_train)]',
        "    if has_validation:",
        '        parts.append(("validation", x_val, y_val))',
        "    for part, x_part, y_part in parts:",
        "        scores = model.evaluate(x_part, y_part, verbose=0, return_dict=True)",
        f'        loss, score = scores["loss"], scores["{metric}"]',
        f'        print(f"  {{part:<10}}  loss {{loss:.4f}}  {metric} {{score:.4f}}")',
        "",
        *(
            [
                "    if any(categories is not None for _, categories in columns):",
                "        # Saved with the encoding in front: the model takes the CSV's raw rows.",
                "        model = raw_row_model(model, columns)",
                "",
            ]
            if is_csv
            else []
        ),
        "    model.save(args.output)",
        '    print(f"\\nSaved the trained model to {args.output}")',
    ]
    if plan.custom_objects:
        defined = ", ".join(f"{Custom(r).python_name}()" for r in plan.custom_objects)
        lines.append(
            f'    print("Load it with keras.models.load_model after defining {defined} as above.")'
        )
    else:
        lines.append('    print("Load it with keras.models.load_model(path).")')
    return "\n".join(lines)


def _tidy(source: str) -> str:
    """Strip trailing spaces and collapse runs of more than two blank lines."""
    lines = [line.rstrip() for line in source.splitlines()]
    out: list[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank <= 2:
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def write_script(
    project: Project,
    path: str | os.PathLike[str],
    *,
    csv_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Generate the script and write it to ``path`` atomically."""
    from ffnn_studio.core.atomic import atomic_write_text

    target = Path(path)
    atomic_write_text(target, generate_script(project, csv_path=csv_path, script_name=target.name))
    return target
