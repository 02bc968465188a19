"""The catalog: every activation, optimizer, loss, regularizer, initializer,
layer kind and built-in data set, with parameters, defaults, valid ranges and
a short explanation.

It is the single source for validation, the window's pickers and tooltips,
the CLI's listings, and the mapping to Keras: every entry names the Keras class
(or activation) it becomes and how its parameters become keyword arguments, so
``engine.plan`` (which both the model builder and the script generator read)
needs no table of its own. The Keras classes are named as strings; this module
imports no Keras.

Contract: the single source of what the studio offers; adding an activation,
optimizer, loss or layer kind starts with an entry here. No Qt, no
TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

ParamKind = Literal["float", "int", "bool"]
TaskName = Literal["binary", "multiclass", "regression"]
#: What the training probes measure for a layer of an activation: the share of
#: dead units (output ≤ 0 for a whole batch) or of saturated outputs.
ProbeKind = Literal["dead", "saturated"]


@dataclass(frozen=True)
class Param:
    """One numeric or boolean hyper-parameter with its valid range."""

    name: str
    label: str
    kind: ParamKind
    default: float | int | bool
    minimum: float | None = None
    maximum: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    log_scale: bool = False
    help: str = ""

    def format(self, value: float) -> str:
        """A value as this parameter shows it (whole numbers without exponent)."""
        if self.kind == "int" and float(value).is_integer():
            return f"{int(value):,}".replace(",", " ") if abs(value) >= 100_000 else str(int(value))
        return f"{value:g}"

    def range_text(self) -> str:
        """The valid range, written the way a person reads it."""
        if self.kind == "bool":
            return "true or false"
        lo = "" if self.minimum is None else self.format(self.minimum)
        hi = "" if self.maximum is None else self.format(self.maximum)
        if self.minimum is not None and self.maximum is not None:
            left = "[" if self.min_inclusive else "("
            right = "]" if self.max_inclusive else ")"
            return f"in {left}{lo}, {hi}{right}"
        if self.minimum is not None:
            return f"{'at least' if self.min_inclusive else 'greater than'} {lo}"
        if self.maximum is not None:
            return f"{'at most' if self.max_inclusive else 'less than'} {hi}"
        return "any number"

    def check(self, value: object) -> str | None:
        """Return why ``value`` is not valid for this parameter, or None."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        if self.kind == "int" and not isinstance(value, int) and not float(value).is_integer():
            return f"must be a whole number, got {value!r}"
        # Python ints compare exactly with floats at any size; float() of an
        # int beyond ~1e308 would raise OverflowError instead.
        v: int | float = value if isinstance(value, int) else float(value)
        if isinstance(v, float) and not math.isfinite(v):
            return f"must be a finite number, got {value!r}"
        too_low = self.minimum is not None and (
            v < self.minimum or (not self.min_inclusive and v == self.minimum)
        )
        too_high = self.maximum is not None and (
            v > self.maximum or (not self.max_inclusive and v == self.maximum)
        )
        if too_low or too_high:
            return f"must be {self.range_text()}, got {self._shown(v)}"
        return None

    def _shown(self, value: int | float) -> str:
        if isinstance(value, int) and abs(value) >= 10**15:
            sign = "negative " if value < 0 else ""
            return f"a {sign}number of about {int(abs(value).bit_length() * 0.30103) + 1} digits"
        return self.format(value)


@dataclass(frozen=True)
class KerasCall:
    """A Keras class, and how an entry's parameters become its keyword arguments.

    ``path`` spells the class as Keras's public API does ("keras.optimizers.Adam").
    Each parameter of the entry is passed under its own name unless ``renamed``
    maps it to another keyword; ``fixed`` holds keywords with a constant value.
    """

    path: str
    renamed: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, float | int | bool | str], ...] = ()

    def keyword(self, param: str) -> str:
        """The Keras keyword that receives the parameter ``param``."""
        return dict(self.renamed).get(param, param)


@dataclass(frozen=True)
class Entry:
    """A named choice (activation, optimizer, loss, ...) and its parameters."""

    name: str
    label: str
    help: str
    params: tuple[Param, ...] = ()
    formula: str = ""
    #: The Keras class this choice becomes (for an activation: the layer that
    #: applies it after a linear Dense, where a name cannot carry its parameters).
    keras: KerasCall | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, float | int | bool]:
        return {p.name: p.default for p in self.params}


@dataclass(frozen=True)
class ActivationEntry(Entry):
    """An activation; ``hidden`` says whether it may be used in a hidden layer."""

    hidden: bool = True
    #: The name Keras's ``Dense(activation=...)`` takes; None when the ``keras``
    #: layer applies the activation instead.
    keras_name: str | None = None
    #: ``keras_name`` is the studio's registered custom function ("package>name"),
    #: not one of Keras's own activations.
    custom: bool = False
    probe: ProbeKind | None = None
    #: For a saturated probe: (centre, limit), a unit is saturated where |a − centre| > limit.
    saturation: tuple[float, float] | None = None


@dataclass(frozen=True)
class KerasLoss:
    """What a loss becomes in Keras for one task."""

    keras: KerasCall
    #: What the loss computes, in words (the generated script's comment).
    note: str
    #: The metric compiled with it (its ``name`` is the task's metric name).
    metric: KerasCall
    #: Multi-class targets as one-hot rows rather than class indices.
    one_hot: bool = False


@dataclass(frozen=True)
class LossEntry(Entry):
    """A loss and, per task it applies to, its Keras class."""

    by_task: tuple[tuple[TaskName, KerasLoss], ...] = ()

    def for_task(self, task: str) -> KerasLoss | None:
        """The Keras side of this loss for ``task``; None where the loss does not apply."""
        return dict(self.by_task).get(task)


_ALPHA_LEAKY = Param(
    "alpha",
    "Negative slope α",
    "float",
    0.01,
    0.0,
    1.0,
    min_inclusive=False,
    max_inclusive=False,
    help="Slope for negative inputs: f(x) = αx when x < 0.",
)
_ALPHA_ELU = Param(
    "alpha",
    "α",
    "float",
    1.0,
    0.0,
    10.0,
    min_inclusive=False,
    help="Saturation value for negative inputs: f(x) → −α as x → −∞.",
)

ACTIVATIONS: dict[str, ActivationEntry] = {
    a.name: a
    for a in (
        ActivationEntry(
            "step",
            "Step (binary)",
            "The perceptron's original threshold: 1 if x ≥ 0, else 0. Its derivative is "
            "zero everywhere except at 0, so plain backpropagation cannot learn through "
            "it; the studio trains it with a straight-through gradient (the gradient "
            "passes as if the unit were the identity near 0).",
            formula="f(x) = 1 if x ≥ 0 else 0",
            keras_name="ffnn_studio>step",
            custom=True,
            probe="dead",
        ),
        ActivationEntry(
            "sigmoid",
            "Sigmoid",
            "Squashes to (0, 1); its derivative σ(x)(1 − σ(x)) is at most 0.25, so "
            "gradients shrink by 4× or more per layer and deep sigmoid stacks suffer "
            "from the vanishing gradient. Units saturate for large |x|.",
            formula="f(x) = 1 / (1 + e^(−x))",
            keras_name="sigmoid",
            probe="saturated",
            saturation=(0.5, 0.49),
        ),
        ActivationEntry(
            "tanh",
            "tanh",
            "Squashes to (−1, 1) and is zero-centred; its derivative reaches 1 at 0, "
            "so it learns faster than sigmoid, but it saturates for large |x| too.",
            formula="f(x) = (e^x − e^(−x)) / (e^x + e^(−x))",
            keras_name="tanh",
            probe="saturated",
            saturation=(0.0, 0.98),
        ),
        ActivationEntry(
            "relu",
            "ReLU",
            "max(0, x): cheap, and its gradient is 1 for positive inputs, so deep "
            "networks keep their gradients. Units whose input stays negative output 0 "
            'and stop learning ("dead" ReLUs), e.g. after a too-large learning rate.',
            formula="f(x) = max(0, x)",
            keras_name="relu",
            probe="dead",
        ),
        ActivationEntry(
            "leaky_relu",
            "Leaky ReLU",
            "Like ReLU but with a small slope α for negative inputs, so units cannot "
            "die completely.",
            params=(_ALPHA_LEAKY,),
            formula="f(x) = x if x ≥ 0 else αx",
            keras=KerasCall("keras.layers.LeakyReLU", renamed=(("alpha", "negative_slope"),)),
            probe="dead",
        ),
        ActivationEntry(
            "elu",
            "ELU",
            "Identity for positive inputs and a smooth exponential curve down to −α "
            "for negative ones: no dead units and outputs closer to zero mean.",
            params=(_ALPHA_ELU,),
            formula="f(x) = x if x ≥ 0 else α(e^x − 1)",
            keras=KerasCall("keras.layers.ELU"),
            probe="dead",
        ),
        ActivationEntry(
            "linear",
            "Linear",
            "The identity. A stack of linear layers is still one linear map, so a "
            "hidden layer needs a non-linear activation to add expressive power; "
            "linear is the regression output.",
            formula="f(x) = x",
            keras_name="linear",
        ),
        ActivationEntry(
            "softmax",
            "Softmax",
            "Turns a vector of scores into probabilities that sum to 1: the output of "
            "multi-class classification. Not for hidden layers.",
            formula="f(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ)",
            keras_name="softmax",
            hidden=False,
        ),
    )
}

HIDDEN_ACTIVATIONS: tuple[str, ...] = tuple(n for n, a in ACTIVATIONS.items() if a.hidden)


def _lr(default: float) -> Param:
    return Param(
        "learning_rate",
        "Learning rate",
        "float",
        default,
        0.0,
        10.0,
        min_inclusive=False,
        log_scale=True,
        help="Step size of each update. Too large diverges; too small crawls.",
    )


def _adam_betas() -> tuple[Param, Param]:
    """β₁ and β₂ of the Adam family (Adam, Nadam)."""
    return (
        Param(
            "beta_1",
            "β₁",
            "float",
            0.9,
            0.0,
            1.0,
            max_inclusive=False,
            help="Decay rate of the gradient average (momentum).",
        ),
        Param(
            "beta_2",
            "β₂",
            "float",
            0.999,
            0.0,
            1.0,
            max_inclusive=False,
            help="Decay rate of the squared-gradient average.",
        ),
    )


OPTIMIZERS: dict[str, Entry] = {
    o.name: o
    for o in (
        Entry(
            "sgd",
            "SGD",
            "Plain stochastic gradient descent: w ← w − η·∇L. Simple and noisy; "
            "needs a well-chosen learning rate and is slow in ravines.",
            params=(_lr(0.01),),
            keras=KerasCall("keras.optimizers.SGD"),
        ),
        Entry(
            "momentum",
            "Momentum",
            "SGD with a velocity that accumulates past gradients, so steps speed up "
            "along consistent directions and oscillations damp out. Nesterov looks "
            "ahead before computing the gradient.",
            params=(
                _lr(0.01),
                Param(
                    "momentum",
                    "Momentum",
                    "float",
                    0.9,
                    0.0,
                    1.0,
                    max_inclusive=False,
                    help="Fraction of the previous velocity kept at each step.",
                ),
                Param("nesterov", "Nesterov", "bool", False, help="Use Nesterov momentum."),
            ),
            keras=KerasCall("keras.optimizers.SGD"),
        ),
        Entry(
            "adagrad",
            "Adagrad",
            "Divides each weight's step by the root of its summed squared gradients: "
            "rarely-updated weights get larger steps. The sum only grows, so learning "
            "slows down and can stall in long runs.",
            params=(
                _lr(0.01),
                Param(
                    "initial_accumulator_value",
                    "Initial accumulator",
                    "float",
                    0.1,
                    0.0,
                    None,
                    help="Starting value of the squared-gradient sums.",
                ),
            ),
            keras=KerasCall("keras.optimizers.Adagrad"),
        ),
        Entry(
            "rmsprop",
            "RMSprop",
            "Like Adagrad but with a decaying average of squared gradients, so the "
            "step size does not shrink forever.",
            params=(
                _lr(0.001),
                Param(
                    "rho",
                    "ρ (decay)",
                    "float",
                    0.9,
                    0.0,
                    1.0,
                    max_inclusive=False,
                    help="Decay rate of the squared-gradient average.",
                ),
                Param(
                    "momentum",
                    "Momentum",
                    "float",
                    0.0,
                    0.0,
                    1.0,
                    max_inclusive=False,
                    help="Momentum on top of the scaled step.",
                ),
            ),
            keras=KerasCall("keras.optimizers.RMSprop"),
        ),
        Entry(
            "adam",
            "Adam",
            "Momentum plus RMSprop-style scaling with bias correction: a robust "
            "default that works across most problems with little tuning.",
            params=(
                _lr(0.001),
                *_adam_betas(),
            ),
            keras=KerasCall("keras.optimizers.Adam"),
        ),
        Entry(
            "nadam",
            "Nadam",
            "Adam with Nesterov momentum: the momentum step looks ahead to where the "
            "velocity is taking the weights, as Nesterov does for SGD, which often "
            "settles a little faster than Adam.",
            params=(
                _lr(0.001),
                *_adam_betas(),
            ),
            keras=KerasCall("keras.optimizers.Nadam"),
        ),
    )
}

#: The name under which each task's metric is compiled, logged and stored.
METRIC_NAMES: dict[TaskName, str] = {
    "binary": "accuracy",
    "multiclass": "accuracy",
    "regression": "mae",
}
_ACCURACY = KerasCall("keras.metrics.BinaryAccuracy")

LOSSES: dict[str, LossEntry] = {
    e.name: e
    for e in (
        LossEntry(
            "mse",
            "Mean squared error",
            "Average of (prediction − target)². The natural loss for regression; for "
            "classification it works but its gradient vanishes when a sigmoid or "
            "softmax output saturates on a wrong answer.",
            formula="L = (1/n) Σ (ŷ − y)²",
            by_task=(
                (
                    "binary",
                    KerasLoss(
                        KerasCall("keras.losses.MeanSquaredError"),
                        "mean squared error, the average of (ŷ − y)²",
                        _ACCURACY,
                    ),
                ),
                (
                    "multiclass",
                    KerasLoss(
                        KerasCall("keras.losses.MeanSquaredError"),
                        "mean squared error, the average of (ŷ − y)²",
                        KerasCall("keras.metrics.CategoricalAccuracy"),
                        one_hot=True,
                    ),
                ),
                (
                    "regression",
                    KerasLoss(
                        KerasCall("keras.losses.MeanSquaredError"),
                        "mean squared error, the average of (ŷ − y)²",
                        KerasCall("keras.metrics.MeanAbsoluteError"),
                    ),
                ),
            ),
        ),
        LossEntry(
            "cross_entropy",
            "Cross-entropy",
            "−Σ y·log ŷ: the loss for classification (binary or categorical, chosen "
            "from the task). It punishes confident wrong answers hard and keeps "
            "gradients alive through sigmoid/softmax outputs. Not for regression.",
            formula="L = −(1/n) Σ y·log ŷ",
            by_task=(
                (
                    "binary",
                    KerasLoss(
                        KerasCall("keras.losses.BinaryCrossentropy"),
                        "binary cross-entropy, −[y·log ŷ + (1−y)·log(1−ŷ)]",
                        _ACCURACY,
                    ),
                ),
                (
                    "multiclass",
                    KerasLoss(
                        KerasCall("keras.losses.SparseCategoricalCrossentropy"),
                        "categorical cross-entropy, −log of the probability given to the "
                        'true class ("sparse": y holds class indices)',
                        KerasCall("keras.metrics.SparseCategoricalAccuracy"),
                    ),
                ),
            ),
        ),
    )
}

REGULARIZERS: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "l1",
            "L1",
            "Adds λ·Σ|w| to the loss: pushes weights to exactly zero, giving sparse networks.",
            params=(Param("l1", "L1 strength λ", "float", 0.0, 0.0, 1.0),),
            keras=KerasCall("keras.regularizers.L1"),
        ),
        Entry(
            "l2",
            "L2",
            "Adds λ·Σw² to the loss (weight decay): keeps weights small and smooth, "
            "a remedy for over-fitting.",
            params=(Param("l2", "L2 strength λ", "float", 0.0, 0.0, 1.0),),
            keras=KerasCall("keras.regularizers.L2"),
        ),
    )
}

#: The regularizer of a layer with both an L1 and an L2 strength.
BOTH_REGULARIZERS = KerasCall("keras.regularizers.L1L2")

INITIALIZERS: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "glorot_uniform",
            "Glorot uniform",
            "Keras's default; suits tanh/sigmoid.",
            keras=KerasCall("keras.initializers.GlorotUniform"),
        ),
        Entry(
            "glorot_normal",
            "Glorot normal",
            "Glorot (Xavier) with a normal distribution.",
            keras=KerasCall("keras.initializers.GlorotNormal"),
        ),
        Entry(
            "he_uniform",
            "He uniform",
            "Scaled for ReLU-family activations.",
            keras=KerasCall("keras.initializers.HeUniform"),
        ),
        Entry(
            "he_normal",
            "He normal",
            "Scaled for ReLU-family activations.",
            keras=KerasCall("keras.initializers.HeNormal"),
        ),
        Entry(
            "lecun_normal",
            "LeCun normal",
            "Scaled by fan-in; suits SELU/ELU.",
            keras=KerasCall("keras.initializers.LecunNormal"),
        ),
        Entry(
            "random_normal",
            "Random normal (σ=0.05)",
            "Small random weights, not scaled to the layer: deep stacks then show the "
            "vanishing gradient clearly.",
            keras=KerasCall("keras.initializers.RandomNormal", fixed=(("stddev", 0.05),)),
        ),
    )
}

UNITS = Param("units", "Units", "int", 16, 1, 4096, help="Number of neurons in the layer.")
DROPOUT_RATE = Param(
    "rate",
    "Dropout rate",
    "float",
    0.2,
    0.0,
    1.0,
    max_inclusive=False,
    help="Fraction of the previous layer's outputs set to zero at each training step.",
)

LAYER_KINDS: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "dense",
            "Dense",
            "A fully connected layer of perceptrons: a = f(X·Wᵀ + b).",
            params=(UNITS,),
        ),
        Entry(
            "dropout",
            "Dropout",
            "During training, zeroes a random fraction of the previous layer's "
            "outputs at every step, so the network cannot rely on any single unit: "
            "a remedy for over-fitting. Does nothing at prediction time.",
            params=(DROPOUT_RATE,),
        ),
    )
}


@dataclass(frozen=True)
class TrainingParams:
    """Ranges of the training settings that are not catalog choices."""

    epochs: Param = Param("epochs", "Epochs", "int", 100, 1, 100_000)
    batch_size: Param = Param("batch_size", "Batch size", "int", 32, 1, 65_536)
    validation_fraction: Param = Param(
        "validation_fraction",
        "Validation fraction",
        "float",
        0.2,
        0.0,
        0.9,
        max_inclusive=True,
        help="Share of the data held out to measure generalization.",
    )
    test_fraction: Param = Param(
        "test_fraction",
        "Test fraction",
        "float",
        0.0,
        0.0,
        0.5,
        help="Share of the data kept aside and scored only once, after training: "
        "never seen by training, early stopping or the choice of the best epoch.",
    )
    seed: Param = Param("seed", "Seed", "int", 0, 0, 2**31 - 1)
    init_seed: Param = Param(
        "init_seed",
        "Initial-weights seed",
        "int",
        0,
        0,
        2**31 - 1,
        help="Seed of the initial weights alone (unset: the seed). Two runs with the same "
        "initial-weights seed and architecture start from identical weights.",
    )
    warmup_epochs: Param = Param(
        "warmup_epochs",
        "Warm-up epochs",
        "int",
        0,
        0,
        100_000,
        help="Epochs over which the learning rate rises linearly from 0 to its start value.",
    )
    patience: Param = Param(
        "patience",
        "Patience",
        "int",
        10,
        1,
        10_000,
        help="Epochs without a better validation loss before training stops.",
    )


TRAINING = TrainingParams()

#: Learning-rate schedules: how the optimizer's learning rate moves over the run.
#: Parameters count epochs (the engine turns them into optimizer steps); the
#: schedule starts from the optimizer's learning rate. ``engine.plan`` maps each
#: to Keras's ``keras.optimizers.schedules`` class.
SCHEDULES: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "constant",
            "Constant",
            "The optimizer's learning rate for the whole run.",
            formula="η(t) = η₀",
        ),
        Entry(
            "step",
            "Step decay",
            "Multiplies the learning rate by a factor every few epochs: large steps "
            "first, finer ones later.",
            params=(
                Param(
                    "every_epochs",
                    "Every (epochs)",
                    "int",
                    10,
                    1,
                    100_000,
                    help="Epochs between two drops of the learning rate.",
                ),
                Param(
                    "factor",
                    "Factor",
                    "float",
                    0.5,
                    0.0,
                    1.0,
                    min_inclusive=False,
                    help="What each drop multiplies the learning rate by.",
                ),
            ),
            formula="η(t) = η₀ · factor^⌊epoch / every⌋",
            keras=KerasCall("keras.optimizers.schedules.ExponentialDecay"),
        ),
        Entry(
            "exponential",
            "Exponential decay",
            "Shrinks the learning rate smoothly by the same factor every epoch.",
            params=(
                Param(
                    "decay_rate",
                    "Rate per epoch",
                    "float",
                    0.95,
                    0.0,
                    1.0,
                    min_inclusive=False,
                    help="What one epoch multiplies the learning rate by.",
                ),
            ),
            formula="η(t) = η₀ · rate^epoch",
            keras=KerasCall("keras.optimizers.schedules.ExponentialDecay"),
        ),
        Entry(
            "cosine",
            "Cosine decay",
            "Lowers the learning rate along half a cosine wave over the run's epochs, "
            "down to a fraction of the start value (Loshchilov & Hutter, SGDR).",
            params=(
                Param(
                    "alpha",
                    "Final fraction",
                    "float",
                    0.0,
                    0.0,
                    1.0,
                    help="The learning rate at the end, as a fraction of the start value.",
                ),
            ),
            formula="η(t) = η₀ · (α + (1 − α) · ½(1 + cos(π · epoch / epochs)))",
            keras=KerasCall("keras.optimizers.schedules.CosineDecay"),
        ),
    )
}

#: Where training runs: TensorFlow's default device placement, one machine's
#: devices mirrored, or a cluster described by the ``TF_CONFIG`` variable.
STRATEGIES: dict[str, str] = {
    "default": "Default (one device)",
    "mirrored": "Mirrored (all local devices)",
    "multi-worker": "Multi-worker (TF_CONFIG cluster)",
}


@dataclass(frozen=True)
class DatasetEntry:
    """A built-in data set: its task, size and generator parameters."""

    name: str
    label: str
    task: TaskName
    help: str
    synthetic: bool
    params: tuple[Param, ...] = field(default_factory=tuple)

    def defaults(self) -> dict[str, float | int | bool]:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def _synthetic_params(n: int = 600, noise: float = 0.1) -> tuple[Param, ...]:
    return (
        Param("n_samples", "Samples", "int", n, 20, 200_000),
        Param("noise", "Noise", "float", noise, 0.0, 5.0),
        Param("seed", "Data seed", "int", 0, 0, 2**31 - 1),
    )


DATASETS: dict[str, DatasetEntry] = {
    d.name: d
    for d in (
        DatasetEntry(
            "circle",
            "Circle",
            "binary",
            "A disc of one class inside a ring of the other: not linearly separable.",
            True,
            _synthetic_params(600, 0.1),
        ),
        DatasetEntry(
            "xor",
            "XOR",
            "binary",
            "Four quadrants, opposite ones sharing a class: the problem a single "
            "perceptron cannot solve.",
            True,
            _synthetic_params(600, 0.1),
        ),
        DatasetEntry(
            "gaussians",
            "Gaussian clusters",
            "binary",
            "Two Gaussian blobs: linearly separable, the perceptron's home ground.",
            True,
            _synthetic_params(600, 0.5),
        ),
        DatasetEntry(
            "spirals",
            "Two spirals",
            "binary",
            "Two interleaved spirals: needs several non-linear hidden layers.",
            True,
            _synthetic_params(1000, 0.1),
        ),
        DatasetEntry(
            "blobs",
            "Three classes",
            "multiclass",
            "Three Gaussian clusters in the plane: multi-class classification with softmax.",
            True,
            _synthetic_params(900, 0.5),
        ),
        DatasetEntry(
            "plane",
            "Plane",
            "regression",
            "y = a linear function of two inputs plus noise.",
            True,
            _synthetic_params(600, 0.1),
        ),
        DatasetEntry(
            "multi_gaussian",
            "Multi-Gaussian",
            "regression",
            "y = a sum of Gaussian bumps over the plane plus noise: a smooth non-linear surface.",
            True,
            _synthetic_params(1000, 0.05),
        ),
        DatasetEntry(
            "iris",
            "Iris",
            "multiclass",
            "150 iris flowers, 4 measurements, 3 species (scikit-learn).",
            False,
        ),
        DatasetEntry(
            "wine",
            "Wine",
            "multiclass",
            "178 wines, 13 chemical measurements, 3 cultivars (scikit-learn).",
            False,
        ),
        DatasetEntry(
            "breast_cancer",
            "Breast cancer",
            "binary",
            "569 tumours, 30 features, malignant or benign (scikit-learn).",
            False,
        ),
        DatasetEntry(
            "digits",
            "Digits (8×8)",
            "multiclass",
            "1,797 handwritten digits as 8×8 images, 64 pixel features, 10 classes (scikit-learn).",
            False,
        ),
        DatasetEntry(
            "diabetes",
            "Diabetes",
            "regression",
            "442 patients, 10 features, disease progression after one year (scikit-learn).",
            False,
        ),
    )
}
