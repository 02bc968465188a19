"""Training on a CSV file larger than memory: ``tf.data`` batches read block by block.

The data never sits in memory as a whole: ``data.streaming`` scans the file
once for its statistics and encodings, then every epoch reads it again; a
``tf.data`` pipeline (``from_generator`` with prefetching) hands the batches
to a compiled function that runs a chunk of optimizer steps per call, so
Python is entered once a chunk as in the in-memory session. The reports are
the session's (``RunStarted``, ``ChunkReport`` with each ``EpochEnd`` and
progress, ``RunFinished``), so the command line prints them unchanged. No
per-layer probes: they need the in-memory session's chunk program.

Contract: the streaming run; reports through the ``core.reports`` sink.
Imports TensorFlow; never Qt.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

import numpy as np

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    NullSink,
    Progress,
    RunFinished,
    RunStarted,
)
from ffnn_studio.core.spec import Project, Task
from ffnn_studio.data.streaming import StreamPlan, batches, expected_rows
from ffnn_studio.engine.builder import build_model_for, encode_targets, metric_name
from ffnn_studio.engine.quiet import import_tensorflow
from ffnn_studio.engine.training.session import HISTORY_COLUMNS, RunHistory

tf = import_tensorflow()

log = logging.getLogger(__name__)

#: Optimizer steps per compiled call.
STEPS_PER_CALL = 64


class StreamingSession:
    """Trains a project's model on a streamed CSV file; ``run`` blocks."""

    def __init__(self, project: Project, plan: StreamPlan, sink: Any = None) -> None:
        self.project = project
        self.plan = plan
        self.sink = sink if sink is not None else NullSink()
        self.task = plan.task
        self.metric_name = metric_name(self.task)
        settings = project.training
        self._loss_name = settings.loss
        if self.task is Task.REGRESSION and settings.loss != "mse":
            raise StudioError("the streamed target is a regression target: use the mean squared error loss")
        self.built = build_model_for(project, plan)
        self.model = self.built.model
        self._opt = self.model.optimizer
        self._tv = list(self.model.trainable_variables)
        self._opt.build(self._tv)
        self.batch_size = int(settings.batch_size)
        self.n_train, self.n_val = expected_rows(plan, settings.validation_fraction)
        self.history = RunHistory(len(self.built.blocks), self.metric_name, tuple(b.info.name for b in self.built.blocks))
        self._stop = threading.Event()
        self._running = False
        self._epochs_done = 0
        self._step = 0
        self._make_functions()

    # the parts of the in-memory session's surface the command line uses
    @property
    def running(self) -> bool:
        return self._running

    @property
    def epochs_completed(self) -> int:
        return self._epochs_done

    def stop(self) -> None:
        self._stop.set()

    def _dataset(self, part: str, epoch: int) -> Any:
        settings = self.project.training
        n_f = self.plan.n_features
        y_spec = (
            tf.TensorSpec([None, self.plan.n_classes], tf.float32)
            if self._one_hot
            else tf.TensorSpec([None] if self.task is Task.MULTICLASS else [None, 1], tf.int32 if self.task is Task.MULTICLASS else tf.float32)
        )

        def gen():
            for x, y in batches(
                self.plan,
                self.batch_size if part == "train" else 4096,
                part=part,
                seed=int(settings.seed),
                epoch=epoch,
                validation_fraction=settings.validation_fraction,
            ):
                yield x, encode_targets(y, self.task, self._loss_name, self.plan.n_classes)

        ds = tf.data.Dataset.from_generator(gen, output_signature=(tf.TensorSpec([None, n_f], tf.float32), y_spec))
        return ds.prefetch(2)

    def _make_functions(self) -> None:
        model, opt, tv = self.model, self._opt, self._tv
        loss_obj = model.loss
        task, loss_name = self.task, self._loss_name
        probe = encode_targets(np.zeros(1, np.int32), task, loss_name, max(self.plan.n_classes, 2))
        self._one_hot = task is Task.MULTICLASS and probe.ndim == 2

        def per_sample(yb, pred):
            per = tf.cast(loss_obj.call(yb, pred), tf.float32)
            if task is Task.REGRESSION:
                hit = tf.reduce_mean(tf.abs(pred - yb), axis=-1)
            elif task is Task.BINARY:
                hit = tf.cast(tf.equal(pred[:, 0] > 0.5, yb[:, 0] > 0.5), tf.float32)
            elif self._one_hot:
                hit = tf.cast(tf.equal(tf.argmax(pred, -1), tf.argmax(yb, -1)), tf.float32)
            else:
                hit = tf.cast(tf.equal(tf.argmax(pred, -1, output_type=tf.int32), yb), tf.float32)
            return per, hit

        def train_chunk(iterator, k):
            acc = tf.zeros([3])
            i = tf.constant(0)
            more = tf.constant(True)
            loss = tf.constant(math.nan)
            while tf.logical_and(more, i < k):
                nxt = iterator.get_next_as_optional()
                more = nxt.has_value()
                if more:
                    xb, yb = nxt.get_value()
                    with tf.GradientTape() as tape:
                        per, hit = per_sample(yb, model(xb, training=True))
                        loss = tf.reduce_mean(per)
                        if model.losses:
                            loss = loss + tf.cast(tf.add_n(model.losses), tf.float32)
                    opt.apply(tape.gradient(loss, tv), tv)
                    n = tf.cast(tf.shape(per)[0], tf.float32)
                    acc = acc + tf.stack([loss * n, tf.reduce_sum(hit), n])
                    i = i + 1
            return acc, i, more, loss

        def eval_pass(iterator):
            acc = tf.zeros([3])
            for xb, yb in iterator:
                per, hit = per_sample(yb, model(xb, training=False))
                acc = acc + tf.stack([tf.reduce_sum(per), tf.reduce_sum(hit), tf.cast(tf.shape(per)[0], tf.float32)])
            return acc

        self._train_chunk = tf.function(train_chunk)
        self._eval_pass = tf.function(eval_pass)
        self._predict_fn = tf.function(lambda x: model(x, training=False))

    def run(self, epochs: int | None = None) -> RunFinished:
        epochs = int(self.project.training.epochs if epochs is None else epochs)
        self._stop.clear()
        self._running = True
        t0 = time.perf_counter()
        parts = [f"{self.plan.n_features} inputs"] + [f"{b.info.units} {b.info.activation}" for b in self.built.blocks]
        self.sink.run_started(
            RunStarted(
                summary=" → ".join(parts),
                parameter_count=int(self.model.count_params()),
                layers=self.built.layer_infos,
                epochs_planned=epochs,
                steps_per_epoch=max(1, -(-self.n_train // self.batch_size)),
                train_samples=self.n_train,
                val_samples=self.n_val,
                task=str(self.task.value),
                metric_name=self.metric_name,
                start_epoch=self._epochs_done,
                compiling=True,
            )
        )
        reason, message = "completed", ""
        lr = float(np.asarray(self._opt.learning_rate))
        try:
            for _ in range(epochs):
                iterator = iter(self._dataset("train", self._epochs_done))
                acc = np.zeros(3)
                more = True
                while more:
                    if self._stop.is_set():
                        reason, message = "stopped", f"Stopped after {self._epochs_done} epochs; the trained weights are kept."
                        break
                    c0 = time.perf_counter()
                    a, steps, more_t, loss = self._train_chunk(iterator, tf.constant(STEPS_PER_CALL))
                    a = a.numpy()
                    acc += a
                    self._step += int(steps)
                    more = bool(more_t)
                    if not math.isfinite(float(loss)) and int(steps):
                        raise _Diverged
                    now = time.perf_counter() - t0
                    rate = a[2] / max(time.perf_counter() - c0, 1e-9)
                    fraction = min(1.0, acc[2] / max(self.n_train, 1))
                    self.sink.chunk(ChunkReport(progress=Progress(self._step, self._epochs_done, fraction, float(loss), rate, now)))
                if reason == "stopped":
                    break
                val_loss = val_metric = None
                if self.n_val:
                    v = self._eval_pass(iter(self._dataset("validation", 0))).numpy()
                    if v[2]:
                        val_loss, val_metric = float(v[0] / v[2]), float(v[1] / v[2])
                        if self.model.losses:
                            val_loss += float(sum(float(x) for x in self.model.losses))
                self._epochs_done += 1
                train_loss, train_metric = float(acc[0] / max(acc[2], 1)), float(acc[1] / max(acc[2], 1))
                elapsed = time.perf_counter() - t0
                end = EpochEnd(self._epochs_done, train_loss, val_loss, train_metric, val_metric, lr, elapsed)
                self.history.append_end(end)
                self.sink.chunk(ChunkReport(epochs=(end,)))
        except _Diverged:
            reason = "diverged"
            message = f"The loss became infinite or NaN in epoch {self._epochs_done + 1}: try a lower learning rate."
        except StudioError as exc:
            reason, message = "failed", str(exc)
        except Exception as exc:  # reported, not raised into the caller
            log.exception("streaming training failed")
            reason, message = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            self._running = False
        report = RunFinished(reason, message, self._epochs_done, time.perf_counter() - t0)
        self.sink.finished(report)
        return report

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self._predict_fn(tf.constant(np.asarray(x, np.float32))).numpy()


class _Diverged(Exception):
    pass


__all__ = ["HISTORY_COLUMNS", "StreamingSession"]
