"""The quick path: the session's chunk of optimizer steps in numpy, so a run starts at once.

Tracing and XLA-compiling the session's chunk program takes 1–3 s, while a
whole run of a small example takes a fraction of a second once compiled. A
numpy step of these small MLPs costs well under a millisecond (the way
scikit-learn trains), so the session trains here while the compiled program
is prepared on another thread, and switches at a chunk boundary with the
same weights, optimizer state, row order and epoch sums.

The math follows the compiled chunk step by step in float32: Keras's Dense,
its activations (ReLU, Leaky ReLU, ELU, sigmoid, tanh, linear, softmax and
the studio's straight-through step), inverted Dropout, L1/L2 penalties, the
losses as Keras's TensorFlow backend computes them (a sigmoid or softmax
output's cross-entropy from its logits) and the optimizers' update rules as
Keras 3 writes them (SGD with momentum/Nesterov, Adagrad, RMSprop with
momentum, Adam). Anything else (another optimizer, a learning-rate schedule,
gradient clipping, an unknown layer or activation) has no quick path:
``plan_quick_path`` returns None and the session uses the compiled program.
Summation order differs from TensorFlow's, so results agree to float32
rounding, not bit for bit; Dropout draws its own masks (equal in
distribution, not the same masks).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ffnn_studio.config import QUICK_ENV, quick_start_enabled

__all__ = ["QUICK_ENV", "QuickTrainer", "plan_quick_path", "quick_start_enabled", "quick_trainer_for"]

log = logging.getLogger(__name__)

F32 = np.float32
#: Keras's fuzz factor (``keras.config.epsilon()``), clipping in Normalization.
EPSILON = 1e-7
#: Rows per validation batch in the quick evaluation (numpy has no graph limit).
EVAL_ROWS = 4096


@dataclass
class _Dense:
    kernel: Any  # the Keras variables
    bias: Any | None
    activation: str  # relu, leaky_relu, elu, sigmoid, tanh, softmax, linear, step
    alpha: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    #: ("dead", ()) / ("saturated", (centre, limit)) / ("", ()).
    probe: tuple[str, tuple[float, ...]] = ("", ())


@dataclass
class _Dropout:
    rate: float


@dataclass
class QuickPlan:
    """What the quick path needs to know of a built model, read off its Keras layers."""

    mean: np.ndarray
    scale: np.ndarray
    layers: list[_Dense | _Dropout]
    loss: str  # mse, bce_logits, scce_logits
    task: str  # regression, binary, multiclass
    one_hot_mse: bool
    optimizer: str  # sgd, adam, rmsprop, adagrad
    hyper: dict[str, float] = field(default_factory=dict)

    @property
    def dense(self) -> list[_Dense]:
        return [op for op in self.layers if isinstance(op, _Dense)]


def _activation_name(fn: Any) -> str | None:
    import keras

    from ffnn_studio.engine.activations import step

    known = {
        keras.activations.relu: "relu",
        keras.activations.sigmoid: "sigmoid",
        keras.activations.tanh: "tanh",
        keras.activations.softmax: "softmax",
        keras.activations.linear: "linear",
        step: "step",
    }
    return known.get(fn)


def _l1l2(reg: Any) -> tuple[float, float] | None:
    import keras

    if reg is None:
        return 0.0, 0.0
    if type(reg) in (keras.regularizers.L1L2, keras.regularizers.L1, keras.regularizers.L2):
        return float(getattr(reg, "l1", 0.0) or 0.0), float(getattr(reg, "l2", 0.0) or 0.0)
    return None


def plan_quick_path(
    model: Any,
    optimizer: Any,
    loss: Any,
    task: str,
    loss_name: str,
    probe_kinds: Sequence[tuple[str, tuple[float, ...]]],
) -> QuickPlan | None:
    """A plan for training ``model`` in numpy, or None where the quick path does not
    reproduce the compiled step (the session then uses the compiled program)."""
    import keras

    def no(why: str) -> None:
        log.info("no quick start: %s", why)
        return None

    layers: list[_Dense | _Dropout] = []
    mean = scale = None
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Normalization):
            if layer.invert or mean is not None or layers:
                return no("a scaling layer the quick path does not know")
            m, v = (
                np.asarray(layer.mean, F32).reshape(-1),
                np.asarray(layer.variance, F32).reshape(-1),
            )
            mean, scale = m, np.maximum(np.sqrt(v), F32(EPSILON))
        elif type(layer) is keras.layers.Dense:
            act = _activation_name(layer.activation)
            reg = _l1l2(layer.kernel_regularizer)
            if act is None or reg is None:
                return no(f"layer {layer.name}: activation or regularizer without a quick path")
            if (
                layer.bias_regularizer
                or layer.activity_regularizer
                or layer.kernel_constraint
                or layer.bias_constraint
            ):
                return no(f"layer {layer.name}: a constraint or bias penalty")
            if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
                return no(f"layer {layer.name}: LoRA or quantization")
            layers.append(_Dense(layer.kernel, layer.bias, act, l1=reg[0], l2=reg[1]))
        elif type(layer) in (keras.layers.LeakyReLU, keras.layers.ELU):
            last = layers[-1] if layers else None
            if not isinstance(last, _Dense) or last.activation != "linear":
                return no(f"layer {layer.name} does not follow a linear Dense layer")
            if isinstance(layer, keras.layers.LeakyReLU):
                last.activation, last.alpha = "leaky_relu", float(layer.negative_slope)
            else:
                last.activation, last.alpha = "elu", float(layer.alpha)
        elif type(layer) is keras.layers.Dropout:
            if layer.noise_shape is not None:
                return no("dropout with a noise shape")
            if layer.rate > 0:
                layers.append(_Dropout(float(layer.rate)))
        else:
            return no(f"layer {layer.name} ({type(layer).__name__})")
    dense = [op for op in layers if isinstance(op, _Dense)]
    if (
        mean is None
        or not dense
        or not isinstance(layers[-1], _Dense)
        or len(probe_kinds) != len(dense)
    ):
        return no("an unexpected model shape")
    for op, kind in zip(dense, probe_kinds, strict=True):
        op.probe = kind
    out_act = dense[-1].activation

    if type(loss) is keras.losses.MeanSquaredError:
        kind = "mse"
    elif type(loss) is keras.losses.BinaryCrossentropy and out_act == "sigmoid":
        kind = "bce_logits"
    elif type(loss) is keras.losses.SparseCategoricalCrossentropy and out_act == "softmax":
        kind = "scce_logits"
    else:
        return no("a loss without a quick path")
    cfg = loss.get_config()
    if cfg.get("from_logits") or cfg.get("label_smoothing") or cfg.get("ignore_class") is not None:
        return no("a loss option without a quick path")

    opt_name, hyper = _optimizer_plan(optimizer)
    if opt_name is None:
        return no(f"the optimizer {type(optimizer).__name__}")
    return QuickPlan(
        mean=mean,
        scale=scale,
        layers=layers,
        loss=kind,
        task=task,
        one_hot_mse=(task == "multiclass" and loss_name == "mse"),
        optimizer=opt_name,
        hyper=hyper,
    )


def _optimizer_plan(opt: Any) -> tuple[str | None, dict[str, float]]:
    import keras

    if any(
        getattr(opt, a, None) for a in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm")
    ):
        return None, {}
    if getattr(opt, "use_ema", False) or getattr(opt, "gradient_accumulation_steps", None):
        return None, {}
    if isinstance(
        getattr(opt, "_learning_rate", None), keras.optimizers.schedules.LearningRateSchedule
    ):
        return None, {}
    t = type(opt)
    if t is keras.optimizers.SGD:
        return "sgd", {"momentum": float(opt.momentum), "nesterov": float(bool(opt.nesterov))}
    if t is keras.optimizers.Adam and not opt.amsgrad:
        return "adam", {
            "beta_1": float(opt.beta_1),
            "beta_2": float(opt.beta_2),
            "epsilon": float(opt.epsilon),
        }
    if t is keras.optimizers.RMSprop and not opt.centered:
        return "rmsprop", {
            "rho": float(opt.rho),
            "momentum": float(opt.momentum),
            "epsilon": float(opt.epsilon),
        }
    if t is keras.optimizers.Adagrad:
        return "adagrad", {"epsilon": float(opt.epsilon)}
    return None, {}


# --------------------------------------------------------------------------- math


def _act_forward(name: str, z: np.ndarray, alpha: float) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, F32(0))
    if name == "leaky_relu":
        return np.where(z > 0, z, F32(alpha) * z)
    if name == "elu":
        res = np.where(z > 0, z, np.expm1(np.minimum(z, F32(0))))
        return res if alpha == 1.0 else np.where(z > 0, res, F32(alpha) * res)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "step":
        surrogate = np.clip(z, F32(-1), F32(1))
        return surrogate + ((z >= 0).astype(F32) - surrogate)
    return z  # linear


def _act_backward(
    name: str, g: np.ndarray, z: np.ndarray, a: np.ndarray, alpha: float
) -> np.ndarray:
    """The gradient with respect to ``z`` given the gradient ``g`` with respect to ``a``."""
    if name == "relu":
        return np.where(a > 0, g, F32(0))
    if name == "leaky_relu":
        return np.where(z > 0, g, F32(alpha) * g)
    if name == "elu":
        res = np.where(z > 0, z, np.expm1(np.minimum(z, F32(0))))
        outer = g if alpha == 1.0 else np.where(z > 0, g, F32(alpha) * g)
        return np.where(res < 0, outer * (res + F32(1)), outer)
    if name == "sigmoid":
        return g * a * (F32(1) - a)
    if name == "tanh":
        return g * (F32(1) - a * a)
    if name == "softmax":
        return a * (g - (g * a).sum(axis=-1, keepdims=True))
    if name == "step":  # straight through clip(z, -1, 1)
        return np.where((z >= -1) & (z <= 1), g, F32(0))
    return g


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of -|z| only, so no overflow warning for large |z|.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, F32(1) / (F32(1) + e), e / (F32(1) + e))


class QuickTrainer:
    """Trains a planned model in numpy, chunk by chunk, with the compiled chunk's output layout."""

    def __init__(
        self,
        plan: QuickPlan,
        x: np.ndarray,
        y: np.ndarray,
        x_val: np.ndarray | None,
        y_val: np.ndarray | None,
        *,
        batch_size: int,
        max_chunk_epochs: int,
        n_record_fields: int,
        n_probe_fields: int,
        seed: int,
    ) -> None:
        self.plan = plan
        # The scaling layer has no trainable state: scale every row once.
        self._x = ((np.asarray(x, F32) - plan.mean) / plan.scale).astype(F32)
        self._y = y
        self._xv = (
            None
            if x_val is None or not len(x_val)
            else ((np.asarray(x_val, F32) - plan.mean) / plan.scale).astype(F32)
        )
        self._yv = y_val
        self.n = int(self._x.shape[0])
        self.bsz = int(batch_size)
        self.spe = -(-self.n // self.bsz)
        self.cap = int(max_chunk_epochs)
        self._n_rec = n_record_fields
        self._n_probe = n_probe_fields
        self._seed = int(seed)
        self.reset_random()
        dense = plan.dense
        self.weights: list[np.ndarray] = []  # kernel, bias per Dense (bias may be absent)
        self._slots: dict[str, np.ndarray] = {}
        self.iterations = 0
        self.learning_rate = F32(0)
        self.pos = 0
        self.sums = np.zeros(3, F32)
        self._backup: tuple | None = None
        self._dense = dense

    # ------------------------------------------------------------------ state

    def reset_random(self) -> None:
        """Dropout's masks from the seed again (a weight reset starts the run over)."""
        self._rng = np.random.default_rng((self._seed, 0x51C))

    def _variables(self) -> list[Any]:
        out = []
        for d in self._dense:
            out.append(d.kernel)
            if d.bias is not None:
                out.append(d.bias)
        return out

    def _slot_variables(self, opt: Any) -> dict[str, list[Any]]:
        idx = [opt._get_variable_index(v) for v in self._variables()]
        name, h = self.plan.optimizer, self.plan.hyper
        if name == "sgd":
            return {"m": [opt.momentums[i] for i in idx]} if h["momentum"] != 0 else {}
        if name == "adam":
            return {"m": [opt._momentums[i] for i in idx], "v": [opt._velocities[i] for i in idx]}
        if name == "rmsprop":
            out = {"v": [opt._velocities[i] for i in idx]}
            if h["momentum"] > 0:
                out["m"] = [opt._momentums[i] for i in idx]
            return out
        return {"acc": [opt._accumulators[i] for i in idx]}

    def _layout(self) -> None:
        """One flat float32 buffer for all weights (and one for their gradients and each
        optimizer slot): the update is then a handful of numpy calls, not dozens."""
        shapes = [tuple(v.shape) for v in self._variables()]
        sizes = [math.prod(sh) for sh in shapes]
        total = sum(sizes)
        self._theta = np.zeros(total, F32)
        self._grad = np.zeros(total, F32)
        offsets = np.cumsum([0, *sizes])
        self.weights = [self._theta[a:b].reshape(sh) for a, b, sh in zip(offsets, offsets[1:], shapes, strict=False)]
        self._gviews = [self._grad[a:b].reshape(sh) for a, b, sh in zip(offsets, offsets[1:], shapes, strict=False)]
        self._offsets = offsets

    def load(self, opt: Any, pos: int) -> None:
        """Take the weights, optimizer slots and the place in the epoch from the Keras side.

        The epoch's running sums stay the trainer's own (see the session's hand-over)."""
        if not self.weights:
            self._layout()
        for w, v in zip(self.weights, self._variables(), strict=True):
            w[...] = v.numpy()
        self._slots = {
            k: np.concatenate([np.asarray(v.numpy(), F32).ravel() for v in vs])
            for k, vs in self._slot_variables(opt).items()
        }
        self.iterations = int(opt.iterations.numpy())
        self.learning_rate = F32(np.asarray(opt.learning_rate))
        self.pos = int(pos)

    def store(self, opt: Any) -> None:
        """Write the weights, optimizer slots and iterations into the Keras variables."""
        for v, w in zip(self._variables(), self.weights, strict=True):
            v.assign(w)
        o = self._offsets
        for k, vs in self._slot_variables(opt).items():
            for i, v in enumerate(vs):
                v.assign(self._slots[k][o[i] : o[i + 1]].reshape(v.shape))
        opt.iterations.assign(self.iterations)

    def trainable_values(self, variables: Sequence[Any]) -> list[np.ndarray]:
        """Copies of the trained weights in the order of ``variables`` (the model's
        trainable variables, which are this trainer's kernels and biases)."""
        by_id = {id(v): w for v, w in zip(self._variables(), self.weights, strict=True)}
        return [by_id[id(v)].copy() for v in variables]

    def kernels_and_biases(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        out, i = [], 0
        for d in self._dense:
            k = self.weights[i]
            i += 1
            b = None
            if d.bias is not None:
                b = self.weights[i]
                i += 1
            out.append((k, b))
        return out

    def _save_backup(self) -> None:
        self._backup = (
            self._theta.copy(),
            {k: v.copy() for k, v in self._slots.items()},
            self.iterations,
            self.pos,
            self.sums.copy(),
        )

    def restore_backup(self) -> None:
        """Back to the state at the start of the last chunk (the last finite weights)."""
        if self._backup is None:
            return
        theta, slots, self.iterations, self.pos, sums = self._backup
        self._theta[...] = theta  # in place: the weight views stay valid
        self._slots = {k: v.copy() for k, v in slots.items()}
        self.sums = sums.copy()

    # ------------------------------------------------------------------ math

    def _forward(self, x: np.ndarray, training: bool):
        """Output activation, last pre-activation and per-layer caches."""
        caches = []
        h = x
        wi = 0
        z = h
        for op in self.plan.layers:
            if isinstance(op, _Dropout):
                if training:
                    keep = self._rng.random(h.shape, dtype=F32) >= op.rate
                    mask = keep.astype(F32) * F32(1.0 / (1.0 - op.rate))
                    h = h * mask
                    caches.append(mask)
                continue
            k = self.weights[wi]
            wi += 1
            z = h @ k
            if op.bias is not None:
                z = z + self.weights[wi]
                wi += 1
            a = _act_forward(op.activation, z, op.alpha)
            caches.append((h, z, a))
            h = a
        return h, z, caches

    def _per_sample(self, y: np.ndarray, pred: np.ndarray, z: np.ndarray):
        """Per-sample loss and metric, as the compiled chunk's ``_per_sample``."""
        p = self.plan
        if p.loss == "mse":
            per = np.mean(np.square(y - pred), axis=-1)
        elif p.loss == "bce_logits":
            # tf.nn.sigmoid_cross_entropy_with_logits, then Keras's mean over the last axis.
            per = np.mean(np.maximum(z, F32(0)) - z * y + np.log1p(np.exp(-np.abs(z))), axis=-1)
        else:
            zmax = z.max(axis=-1, keepdims=True)
            lse = np.log(np.exp(z - zmax).sum(axis=-1)) + zmax[:, 0]
            per = lse - z[np.arange(len(y)), y]
        if p.task == "regression":
            hit = np.mean(np.abs(pred - y), axis=-1)
        elif p.task == "binary":
            hit = ((pred[:, 0] > 0.5) == (y[:, 0] > 0.5)).astype(F32)
        elif p.one_hot_mse:
            hit = (np.argmax(pred, -1) == np.argmax(y, -1)).astype(F32)
        else:
            hit = (np.argmax(pred, -1) == y).astype(F32)
        return per.astype(F32), hit.astype(F32)

    def _output_grad(self, y: np.ndarray, pred: np.ndarray, z: np.ndarray, m: int) -> np.ndarray:
        """d(mean loss)/d(output pre-activation)."""
        p = self.plan
        inv = F32(1.0 / m)
        if p.loss == "mse":
            c = pred.shape[-1]
            g = (pred - y) * F32(2.0 / c) * inv
            return _act_backward(self._dense[-1].activation, g, z, pred, 0.0)
        if p.loss == "bce_logits":
            return (_sigmoid(z) - y) * F32(1.0 / z.shape[-1]) * inv
        g = pred.copy()
        g[np.arange(m), y] -= F32(1)
        return g * inv

    def _penalty(self) -> F32:
        total = F32(0)
        for d, (k, _b) in zip(self._dense, self.kernels_and_biases(), strict=True):
            if d.l1:
                total = total + F32(d.l1) * np.abs(k).sum(dtype=F32)
            if d.l2:
                total = total + F32(d.l2) * np.square(k).sum(dtype=F32)
        return F32(total)

    def _has_penalty(self) -> bool:
        return any(d.l1 or d.l2 for d in self._dense)

    def _gradients(self, caches, dz_out: np.ndarray) -> list[np.ndarray]:
        """The gradients, written into the flat gradient buffer (views returned)."""
        grads = self._gviews
        # weight index of each dense layer's kernel
        starts, i = [], 0
        for d in self._dense:
            starts.append(i)
            i += 1 if d.bias is None else 2
        dz = dz_out
        ci = len(caches) - 1
        di = len(self._dense) - 1
        while di >= 0:
            d = self._dense[di]
            h, z, a = caches[ci]
            if di != len(self._dense) - 1:
                dz = _act_backward(d.activation, dz, z, a, d.alpha)
            k = self.weights[starts[di]]
            gk = grads[starts[di]]
            np.matmul(h.T, dz, out=gk)
            if d.l1:
                gk += F32(d.l1) * np.sign(k)
            if d.l2:
                gk += F32(2.0 * d.l2) * k
            if d.bias is not None:
                dz.sum(axis=0, out=grads[starts[di] + 1])
            if di == 0:
                break
            dh = dz @ k.T
            ci -= 1
            if not isinstance(caches[ci], tuple):  # a dropout mask
                dh = dh * caches[ci]
                ci -= 1
            dz = dh
            di -= 1
        return grads

    def _apply(self) -> None:
        """One optimizer update of the flat buffers, as Keras 3's ``update_step`` of the
        planned optimizer (the same float32 operations in the same order, in place)."""
        name, h, lr = self.plan.optimizer, self.plan.hyper, self.learning_rate
        w, g, s = self._theta, self._grad, self._slots
        if name == "sgd":
            if h["momentum"] != 0:
                mom, m = F32(h["momentum"]), s["m"]
                m *= mom
                m -= g * lr
                if h["nesterov"]:
                    w += m * mom - g * lr
                else:
                    w += m
            else:
                w -= g * lr
        elif name == "adam":
            step = F32(self.iterations + 1)
            b1, b2 = h["beta_1"], h["beta_2"]
            b1p, b2p = np.power(F32(b1), step), np.power(F32(b2), step)
            alpha = lr * np.sqrt(F32(1) - b2p) / (F32(1) - b1p)
            m, v = s["m"], s["v"]
            m += (g - m) * F32(1 - b1)
            v += (np.square(g) - v) * F32(1 - b2)
            w -= (m * alpha) / (np.sqrt(v) + F32(h["epsilon"]))
        elif name == "rmsprop":
            v = s["v"]
            v *= F32(h["rho"])
            v += F32(1 - h["rho"]) * np.square(g)
            inc = (lr * g) / np.sqrt(v + F32(h["epsilon"]))
            if h["momentum"] > 0:
                m = s["m"]
                m *= F32(h["momentum"])
                m += inc
                w -= m
            else:
                w -= inc
        else:  # adagrad
            acc = s["acc"]
            acc += np.square(g)
            w -= (lr * g) / np.sqrt(acc + F32(h["epsilon"]))
        self.iterations += 1

    def _probes(self, caches, grads, before: list[np.ndarray]) -> np.ndarray:
        out = np.full((len(self._dense), self._n_probe), math.nan, F32)
        dense_caches = [c for c in caches if isinstance(c, tuple)]
        kbs = self.kernels_and_biases()
        wi = 0
        for li, (d, (k, _b), (_h, _z, a)) in enumerate(
            zip(self._dense, kbs, dense_caches, strict=True)
        ):
            kn = np.linalg.norm(k)
            out[li, 0] = kn
            out[li, 1] = np.linalg.norm(grads[wi])
            out[li, 2] = np.linalg.norm(k - before[li]) / max(kn, F32(1e-12))
            kind, params = d.probe
            if kind == "dead":
                out[li, 3] = np.mean(np.all(a <= 0, axis=0))
            elif kind == "saturated":
                centre, limit = params
                out[li, 4] = np.mean(np.mean(np.abs(a - F32(centre)) > F32(limit), axis=-1))
            wi += 1 if d.bias is None else 2
        return out

    def evaluate(self) -> tuple[float, float]:
        """(loss, metric) on the validation part with the current weights; NaNs without one."""
        if self._xv is None:
            return math.nan, math.nan
        loss_sum = hit_sum = F32(0)
        for i in range(0, len(self._xv), EVAL_ROWS):
            pred, z, _ = self._forward(self._xv[i : i + EVAL_ROWS], training=False)
            per, hit = self._per_sample(self._yv[i : i + EVAL_ROWS], pred, z)
            loss_sum, hit_sum = loss_sum + per.sum(dtype=F32), hit_sum + hit.sum(dtype=F32)
        n = F32(len(self._xv))
        loss = loss_sum / n
        if self._has_penalty():
            loss = loss + self._penalty()
        return float(loss), float(hit_sum / n)

    # ------------------------------------------------------------------ chunk

    def chunk(self, k: int, perms: np.ndarray) -> np.ndarray:
        """``k`` steps from ``self.pos`` (epoch j's rows in ``perms[j]``): the compiled
        chunk's array (head, records, the last step's probes, each closed epoch's probes)."""
        # A diverging run overflows on its way to inf/NaN: the session handles that.
        with np.errstate(all="ignore"):
            return self._chunk(k, perms)

    def _chunk(self, k: int, perms: np.ndarray) -> np.ndarray:
        self._save_backup()
        start, spe, bsz, n = self.pos, self.spe, self.bsz, self.n
        n_dense = len(self._dense)
        sums = np.zeros(3, F32) if start == 0 else self.sums.copy()
        records = np.full((self.cap, self._n_rec), math.nan, F32)
        epoch_probes = np.full((self.cap, n_dense, self._n_probe), math.nan, F32)
        probes = np.full((n_dense, self._n_probe), math.nan, F32)
        closed = 0
        loss = F32(0)
        penalized = self._has_penalty()
        kernel_at = []
        i = 0
        for d in self._dense:
            kernel_at.append(i)
            i += 1 if d.bias is None else 2
        i = 0
        while i < k and np.isfinite(loss):
            at = start + i
            j, s = divmod(at, spe)
            pick = perms[j, s * bsz : min((s + 1) * bsz, n)]
            xb, yb = self._x[pick], self._y[pick]
            m = len(pick)
            pred, z, caches = self._forward(xb, training=True)
            per, hit = self._per_sample(yb, pred, z)
            sw = F32(m)
            loss = per.sum(dtype=F32) / sw
            if penalized:
                loss = loss + self._penalty()
            grads = self._gradients(caches, self._output_grad(yb, pred, z, m))
            ends = s == spe - 1
            take_probes = ends or i == k - 1
            before = [self.weights[a].copy() for a in kernel_at] if take_probes else []
            self._apply()
            sums = sums + np.array([loss * sw, hit.sum(dtype=F32), sw], F32)
            if take_probes:
                probes = self._probes(caches, grads, before)
            if ends:
                records[j, :3] = sums
                records[j, 3:5] = self.evaluate()
                epoch_probes[j] = probes
                sums = np.zeros(3, F32)
                closed += 1
            i += 1
        finite = bool(np.isfinite(loss)) and bool(np.isfinite(self._theta).all())
        self.sums = sums
        self.pos = (start + k) % spe
        head = np.array([loss, 1.0 if finite else 0.0, closed], F32)
        return np.concatenate([head, records.ravel(), probes.ravel(), epoch_probes.ravel()])


def quick_trainer_for(
    session: Any,
    probe_kinds: Sequence[tuple[str, tuple[float, ...]]],
    *,
    n_record_fields: int,
    n_probe_fields: int,
) -> QuickTrainer | None:
    """A quick trainer over a session's model and data, or None where it has no quick path."""
    from ffnn_studio.engine.builder import encode_targets

    plan = plan_quick_path(
        session.model,
        session._opt,
        session._loss_obj,
        str(session.task.value),
        session._loss_name,
        probe_kinds,
    )
    if plan is None:
        return None
    data, task, loss, n_classes = session.data, session.task, session._loss_name, session._n_classes
    has_val = bool(session.n_val)
    return QuickTrainer(
        plan,
        data.x_train,
        encode_targets(data.y_train, task, loss, n_classes),
        data.x_val if has_val else None,
        encode_targets(data.y_val, task, loss, n_classes) if has_val else None,
        batch_size=session.batch_size,
        max_chunk_epochs=session.max_chunk_epochs,
        n_record_fields=n_record_fields,
        n_probe_fields=n_probe_fields,
        seed=session._seed,
    )


_blas: Any = None


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread, leaving the other core to compilation."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")
