"""Hyper-parameter search: an Optuna study whose trials each train the project with
other settings, one after another, pruning hopeless ones from their epoch reports.

A study lives in Optuna's own storage: by default a journal file beside the
project (``spirals.ffnn.json`` → ``spirals.search.log``), or any storage URL
Optuna takes (``sqlite:///study.db``, ``postgresql://…``). Several processes
given the same storage work on one study; the trial budget is the number of
finished trials the *study* holds, so every worker runs the same command and
together they stop at the budget. A trial counts from its creation: a trial
whose number comes after the budget is full (two workers asked at once) is
marked surplus, failed at once and left out of every listing.

Each trial trains a ``TrainingSession`` whose sink reports every epoch's
validation score to ``trial.report`` and asks ``should_prune``. The session
reports once per chunk of steps (possibly many short epochs): the epochs are
reported one by one and the trial is pruned at the first epoch the pruner
rejects (so the decision does not depend on how the run was cut into chunks),
and the session stops before its next chunk. A diverged trial is pruned too.

Contract: the engine's search; used by the command line and the window's
search runner. Imports Optuna; TensorFlow only when a search runs. No Qt.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import EpochEnd, FinishReason, ReportSink, RunFinished
from ffnn_studio.core.search_space import (
    ParamSpec,
    Value,
    apply_params,
    format_params,
    grid_size,
)
from ffnn_studio.core.spec import Project, Task, output_units

if TYPE_CHECKING:
    import optuna

log = logging.getLogger(__name__)

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "halving", "none")
OBJECTIVES: dict[str, str] = {
    "val_loss": "Validation loss",
    "val_metric": "Validation metric",
    "test_loss": "Test loss",
    "test_metric": "Test metric",
}
DEFAULT_STUDY = "search"
#: Beside ``name.ffnn.json``: ``name`` + this (a journal file).
STORAGE_SUFFIX = ".search.log"
#: Consecutive failed trials (errors, not pruning) after which a search gives up.
MAX_FAILURES = 3
HISTORY_KEYS = ("loss", "val_loss", "metric", "val_metric")

TrialStateName = Literal["complete", "pruned", "failed", "running", "waiting"]


def _optuna():
    import optuna

    # Optuna logs every trial at INFO and a failed trial's traceback at WARNING;
    # the studio reports trials itself.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return optuna


@dataclass(frozen=True)
class SearchConfig:
    """What to search and how."""

    space: tuple[ParamSpec, ...]
    #: Finished trials the study should hold (earlier runs' included); None: the
    #: grid's size for a grid search, else no limit (then ``timeout_s`` is needed).
    trials: int | None = None
    timeout_s: float | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    objective: str = "val_loss"
    #: The sampler's seed; None: fresh randomness (give each worker of a shared study its own).
    seed: int | None = None
    study: str = DEFAULT_STUDY
    #: Trials before the pruner (and TPE) start using what earlier trials reported.
    startup_trials: int = 5
    #: Epochs of every trial (None: the project's).
    epochs: int | None = None

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise StudioError(f"unknown sampler {self.sampler!r}; choose {', '.join(SAMPLERS)}")
        if self.pruner not in PRUNERS:
            raise StudioError(f"unknown pruner {self.pruner!r}; choose {', '.join(PRUNERS)}")
        if self.objective not in OBJECTIVES:
            raise StudioError(f"unknown objective {self.objective!r}; choose {', '.join(OBJECTIVES)}")
        if self.trials is not None and self.trials < 1:
            raise StudioError(f"the trial budget must be at least 1, got {self.trials}")
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise StudioError(f"the time budget must be above 0 seconds, got {self.timeout_s:g}")
        if self.epochs is not None and self.epochs < 1:
            raise StudioError(f"trials need at least 1 epoch, got {self.epochs}")
        if not self.study.strip():
            raise StudioError("the study needs a name")
        if not self.space:
            raise StudioError("a search needs at least one parameter")
        if self.sampler == "grid":
            grid_size(self.space)  # raises for a range a grid cannot enumerate
        elif self.trials is None and self.timeout_s is None:
            raise StudioError("give a trial budget or a time budget (a random or TPE search has no end of its own)")

    @property
    def budget(self) -> int | None:
        if self.trials is not None:
            return self.trials
        return grid_size(self.space) if self.sampler == "grid" else None


@dataclass(frozen=True)
class TrialRecord:
    """One trial as the table, the plots and the command line show it."""

    number: int
    state: TrialStateName
    params: dict[str, Value]
    value: float | None
    #: Epochs the trial reported (where a pruned one was stopped).
    epochs: int
    duration_s: float | None
    #: Why it was pruned or failed ("diverged at epoch 3", an error, "cancelled").
    note: str = ""
    #: Per-epoch curves: loss, val_loss, metric, val_metric.
    history: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyInfo:
    """A stored study: how it searches and its trials."""

    name: str
    storage: str
    objective: str
    direction: str
    metric_name: str
    space: tuple[str, ...]
    sampler: str
    pruner: str
    records: tuple[TrialRecord, ...]

    @property
    def best(self) -> TrialRecord | None:
        return best_record(self.records, self.direction)

    @property
    def objective_label(self) -> str:
        return objective_label(self.objective, self.metric_name)


@dataclass(frozen=True)
class SearchResult:
    """How a run of a search ended, and the study after it."""

    study: StudyInfo
    #: "budget", "timeout", "cancelled", "grid" (every point tried) or "failures".
    ended: str
    #: Trials this run finished.
    ran: int
    message: str = ""

    @property
    def best(self) -> TrialRecord | None:
        return self.study.best


@dataclass(frozen=True)
class TrialStarted:
    number: int
    params: dict[str, Value]
    #: 1-based position in this run, and the trials this run means to do (None: until the timeout).
    index: int
    planned: int | None
    epochs: int


@dataclass(frozen=True)
class TrialEpoch:
    number: int
    epoch: int
    epochs: int
    value: float | None


@dataclass(frozen=True)
class TrialEnded:
    record: TrialRecord


SearchEvent = TrialStarted | TrialEpoch | TrialEnded


def objective_label(objective: str, metric_name: str) -> str:
    """``Validation loss``, ``Validation accuracy``, ``Test mae``."""
    text = OBJECTIVES[objective]
    return text.replace("metric", metric_name) if objective.endswith("metric") else text


def direction_of(objective: str, metric_name: str) -> str:
    """Losses and mean absolute errors are minimized, accuracies maximized."""
    return "maximize" if objective.endswith("metric") and metric_name == "accuracy" else "minimize"


def best_record(records: Sequence[TrialRecord], direction: str) -> TrialRecord | None:
    done = [r for r in records if r.state == "complete" and r.value is not None and math.isfinite(r.value)]
    if not done:
        return None
    pick = max if direction == "maximize" else min
    return pick(done, key=lambda r: (r.value, -r.number) if direction == "maximize" else (r.value, r.number))


# --------------------------------------------------------------------------- storage


def default_storage(project_path: str | Path) -> str:
    """The journal file beside a project file."""
    from ffnn_studio.core.project_file import EXTENSION

    p = Path(project_path)
    name = p.name[: -len(EXTENSION)] if p.name.endswith(EXTENSION) else p.stem
    return str(p.with_name(name + STORAGE_SUFFIX))


def _is_url(text: str) -> bool:
    return "://" in text


def check_storage(storage: str) -> None:
    """Raise StudioError if ``storage`` is neither a database URL nor a writable journal path
    (nothing is opened or written)."""
    if _is_url(storage):
        scheme = storage.split("://", 1)[0].lower()
        if scheme.split("+")[0] not in ("sqlite", "postgresql", "mysql", "oracle", "mssql"):
            raise StudioError(
                f"storage {storage!r}: not a database URL Optuna opens (sqlite:///study.db, "
                "postgresql://user@host/db, mysql://…) nor a journal file path"
            )
        return
    path = Path(storage)
    if not path.parent.is_dir():
        raise StudioError(f"cannot keep the study in {storage}: folder {path.parent} does not exist")
    if path.is_dir():
        raise StudioError(f"cannot keep the study in {storage}: it is a folder")


def open_storage(storage: str):
    """Optuna's storage for a database URL or a journal file path."""
    check_storage(storage)
    optuna = _optuna()
    if _is_url(storage):
        scheme = storage.split("://", 1)[0].lower()
        kwargs: dict[str, Any] = {}
        if scheme.startswith("sqlite"):
            # Workers sharing one SQLite file wait for each other's writes.
            kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
        try:
            return optuna.storages.RDBStorage(storage, **kwargs)
        except Exception as exc:
            raise StudioError(f"cannot open the study storage {storage}: {exc}") from exc
    from optuna.storages.journal import JournalFileBackend

    try:
        return optuna.storages.JournalStorage(JournalFileBackend(storage))
    except Exception as exc:
        raise StudioError(f"cannot open the study file {storage}: {exc}") from exc


def study_names(storage: str) -> list[str]:
    """The studies a storage holds (none for a journal file not written yet)."""
    if not _is_url(storage) and not Path(storage).exists():
        return []
    optuna = _optuna()
    return [s.study_name for s in optuna.get_all_study_summaries(open_storage(storage))]


def _record(t: optuna.trial.FrozenTrial) -> TrialRecord:
    state = {
        "COMPLETE": "complete",
        "PRUNED": "pruned",
        "FAIL": "failed",
        "RUNNING": "running",
        "WAITING": "waiting",
    }[t.state.name]
    duration = t.duration.total_seconds() if t.duration is not None else None
    attrs = t.user_attrs
    history = {k: [float(v) for v in attrs.get("history", {}).get(k, [])] for k in HISTORY_KEYS}
    epochs = int(attrs.get("epochs", max(t.intermediate_values, default=0)))
    return TrialRecord(
        number=t.number,
        state=state,  # type: ignore[arg-type]
        params=dict(t.params),
        value=float(t.value) if t.value is not None else None,
        epochs=epochs,
        duration_s=duration,
        note=str(attrs.get("note", "")),
        history=history,
    )


def _info(study: optuna.Study, storage: str) -> StudyInfo:
    a = study.user_attrs
    records = tuple(_record(t) for t in study.get_trials(deepcopy=False) if not t.user_attrs.get("surplus"))
    return StudyInfo(
        name=study.study_name,
        storage=storage,
        objective=str(a.get("objective", "val_loss")),
        direction=study.direction.name.lower(),
        metric_name=str(a.get("metric_name", "metric")),
        space=tuple(a.get("space", ())),
        sampler=str(a.get("sampler", "tpe")),
        pruner=str(a.get("pruner", "median")),
        records=records,
    )


def load_study(storage: str, name: str = DEFAULT_STUDY) -> StudyInfo | None:
    """A stored study, or None if the storage has no study of that name."""
    if name not in study_names(storage):
        return None
    optuna = _optuna()
    study = optuna.load_study(study_name=name, storage=open_storage(storage))
    return _info(study, storage)


def param_importances(storage: str, name: str = DEFAULT_STUDY) -> dict[str, float]:
    """Each parameter's share of the objective's variation (``optuna.importance``, fANOVA)."""
    optuna = _optuna()
    study = optuna.load_study(study_name=name, storage=open_storage(storage))
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(done) < 2:
        raise StudioError("importances need at least 2 completed trials")
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (ValueError, RuntimeError) as exc:
        raise StudioError(f"importances cannot be computed yet: {exc}") from exc


# --------------------------------------------------------------------------- running


def prepare_data(project: Project, base_dir: Path | None):
    """The project's data set, split the way its training settings say (once per search)."""
    from ffnn_studio.data import load_dataset, prepare

    dataset = load_dataset(project.data, base_dir)
    t = project.training
    # The test rows are held out of every trial: only the final objective may read them.
    return prepare(dataset, t.validation_fraction, t.seed, t.test_fraction)


def _sampler(config: SearchConfig):
    optuna = _optuna()
    if config.sampler == "grid":
        space = {s.name: list(s.grid_values()) for s in config.space}
        return optuna.samplers.GridSampler(space, seed=config.seed)
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=config.seed)
    return optuna.samplers.TPESampler(seed=config.seed, n_startup_trials=config.startup_trials)


def _pruner(config: SearchConfig):
    optuna = _optuna()
    if config.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=config.startup_trials, n_warmup_steps=1)
    if config.pruner == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1)
    return optuna.pruners.NopPruner()


def _suggest(trial: optuna.Trial, spec: ParamSpec, grid: bool) -> Value:
    if grid or not spec.is_range:
        values = spec.grid_values() if grid else spec.choices
        return trial.suggest_categorical(spec.name, list(values))
    assert spec.low is not None and spec.high is not None
    if spec.type == "int":
        return trial.suggest_int(spec.name, int(spec.low), int(spec.high), log=spec.log)
    return trial.suggest_float(spec.name, float(spec.low), float(spec.high), log=spec.log)


def _test_score(finished: RunFinished, objective: str, metric_name: str) -> float | None:
    """The trial's test objective from its finish report (scored once, after training)."""
    scores = finished.test_scores
    if not scores:
        return None
    value = scores.get("loss" if objective == "test_loss" else metric_name)
    return None if value is None else float(value)


def test_objective_available(project: Project, *, load: bool = True) -> bool:
    """A test objective needs a test part (``test_fraction`` above 0); its scores come
    with each trial's finish report. ``load`` is kept for callers; nothing is imported."""
    return project.training.test_fraction > 0


class _TrialSink(ReportSink):
    """Feeds a trial's epoch ends to Optuna's pruner and keeps its curves."""

    def __init__(self, trial: optuna.Trial, objective: str, epochs: int, cancelled: Callable[[], bool],
                 on_event: Callable[[SearchEvent], None]) -> None:
        self.trial = trial
        self.key = "val_metric" if objective.endswith("metric") else "val_loss"
        self.epochs_planned = epochs
        self.cancelled = cancelled
        self.on_event = on_event
        self.session: Any = None
        self.history: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
        self.pruned_at: int | None = None
        self.last_epoch = 0

    def chunk(self, report) -> None:
        super().chunk(report)
        if self.cancelled() and self.session is not None:
            self.session.stop()

    def epoch_end(self, report: EpochEnd) -> None:
        if self.pruned_at is not None:
            return  # the chunk ran past the pruned epoch: those epochs do not count
        for k in HISTORY_KEYS:
            v = getattr(report, k)
            self.history[k].append(math.nan if v is None else float(v))
        self.last_epoch = report.epoch
        value = getattr(report, self.key)
        if value is not None and math.isfinite(value):
            self.trial.report(float(value), report.epoch)
            if self.trial.should_prune():
                self.pruned_at = report.epoch
                if self.session is not None:
                    self.session.stop()
        self.on_event(TrialEpoch(self.trial.number, report.epoch, self.epochs_planned, value))


class _Surplus(Exception):
    """The trial came after the study's budget was full."""


class _TrialFailed(Exception):
    """The trial could not train (its message is kept in the trial)."""


class _Cancelled(Exception):
    """The search was cancelled during the trial."""


def _counted_before(study: optuna.Study, number: int) -> int:
    """Trials before ``number`` that count toward the budget (finished or still running)."""
    return sum(
        1
        for t in study.get_trials(deepcopy=False)
        if t.number < number and t.state.name in ("COMPLETE", "PRUNED", "RUNNING")
        and not t.user_attrs.get("surplus")
    )


def _counted(study: optuna.Study) -> int:
    return _counted_before(study, 1 << 62)


def create_or_load(storage: str, config: SearchConfig, metric_name: str):
    """The study ``config.study`` in ``storage``: loaded if it exists (its objective must
    match), else created with the config's objective and search space recorded."""
    optuna = _optuna()
    direction = direction_of(config.objective, metric_name)
    backend = open_storage(storage)
    existing = config.study in [s.study_name for s in optuna.get_all_study_summaries(backend)]
    study = optuna.create_study(
        study_name=config.study,
        storage=backend,
        sampler=_sampler(config),
        pruner=_pruner(config),
        direction=direction,
        load_if_exists=True,
    )
    if existing:
        old = study.user_attrs.get("objective")
        if (old and old != config.objective) or study.direction.name.lower() != direction:
            label = objective_label(str(old or "val_loss"), metric_name)
            raise StudioError(
                f"the stored study {config.study!r} optimizes {label.lower()}: resume it with that "
                "objective, or give the new search another study name"
            )
    else:
        study.set_user_attr("objective", config.objective)
        study.set_user_attr("metric_name", metric_name)
    n = len(study.get_trials(deepcopy=False))
    if n and config.seed is not None:
        # A resumed study draws on from where it was: the same seed again would
        # repeat the first run's random trials.
        study.sampler = _sampler(replace(config, seed=config.seed + n))
    # What the latest run searched: the window proposes it again when the study reopens.
    study.set_user_attr("space", [s.text() for s in config.space])
    study.set_user_attr("sampler", config.sampler)
    study.set_user_attr("pruner", config.pruner)
    return study


def run_search(
    project: Project,
    data: Any,
    config: SearchConfig,
    storage: str,
    *,
    cancelled: Callable[[], bool] | None = None,
    on_event: Callable[[SearchEvent], None] | None = None,
) -> SearchResult:
    """Run trials until the study holds the budget, the time is up or ``cancelled()``; blocks.

    ``data`` is the project's prepared data (``prepare_data``); every trial
    trains on it with the project's seed, so the trials differ only in the
    searched settings. ``on_event`` is called on this thread.
    """
    from ffnn_studio.core.validation import check_project

    cancelled = cancelled or (lambda: False)
    emit = on_event or (lambda _e: None)
    if config.epochs is not None:
        project = replace(project, training=replace(project.training, epochs=config.epochs))
    metric_name = "mae" if data.task is Task.REGRESSION else "accuracy"
    if config.objective.startswith("val") and data.x_val.shape[0] == 0:
        raise StudioError("a search scores trials on the validation rows: set the validation fraction above 0")
    if config.objective.startswith("test") and not test_objective_available(project):
        raise StudioError(
            "a test objective needs a test split: set the test fraction above 0, or search on the validation scores"
        )
    if config.objective.startswith("test") and len(getattr(data, "x_test", ())) == 0:
        raise StudioError(
            "a test objective needs the test rows held out: prepare the data with the project's test fraction"
        )
    widths = {"n_inputs": data.n_features, "n_outputs": output_units(data.task, data.n_classes)}
    # Every value of the space, alone, on the project: a mistake shows before any trial.
    check_project(project, data.task, **widths)
    study = create_or_load(storage, config, metric_name)
    optuna = _optuna()
    budget = config.budget
    grid = config.sampler == "grid"
    epochs = int(project.training.epochs)
    counted0 = _counted(study)
    if budget is not None and counted0 >= budget:
        return SearchResult(_info(study, storage), "budget", 0,
                            f"the study already holds {counted0} trials (the budget is {budget})")
    planned = None if budget is None else budget - counted0
    state = {"ran": 0, "failures": 0, "ended": "timeout" if budget is None else "budget", "message": ""}
    from ffnn_studio.engine.training.session import TrainingSession  # imports TensorFlow

    def objective(trial: optuna.Trial) -> float:
        if budget is not None and _counted_before(study, trial.number) >= budget:
            trial.set_user_attr("surplus", True)
            study.stop()
            raise _Surplus()
        values = {s.name: _suggest(trial, s, grid) for s in config.space}
        trial_project = apply_params(project, values)
        emit(TrialStarted(trial.number, values, state["ran"] + 1, planned, epochs))
        try:
            check_project(trial_project, data.task, **widths)
        except StudioError as exc:
            trial.set_user_attr("note", str(exc))
            raise _TrialFailed(str(exc)) from exc
        sink = _TrialSink(trial, config.objective, epochs, cancelled, emit)
        session = TrainingSession(trial_project, data, sink)
        sink.session = session
        finished = session.run()
        trial.set_user_attr("history", sink.history)
        trial.set_user_attr("epochs", sink.last_epoch)
        if cancelled():
            trial.set_user_attr("note", "cancelled")
            raise _Cancelled()
        if sink.pruned_at is not None:
            trial.set_user_attr("note", f"pruned at epoch {sink.pruned_at}")
            raise optuna.TrialPruned()
        if finished.reason is FinishReason.DIVERGED:
            trial.set_user_attr("note", f"diverged at epoch {sink.last_epoch + 1}")
            raise optuna.TrialPruned()
        if finished.reason is FinishReason.FAILED:
            trial.set_user_attr("note", finished.message)
            raise _TrialFailed(finished.message)
        if config.objective.startswith("test"):
            score = _test_score(finished, config.objective, metric_name)
            if score is None or not math.isfinite(score):
                trial.set_user_attr("note", "the run scored no test rows")
                raise _TrialFailed("the run scored no test rows")
            return score
        curve = sink.history[sink.key]
        if not curve:
            raise _TrialFailed("the trial ended before its first epoch")
        i = len(curve) - 1
        s = project.training
        if s.early_stopping and s.restore_best_weights:
            # The model keeps the epoch of the lowest validation loss: score that one.
            val_loss = [v if math.isfinite(v) else math.inf for v in sink.history["val_loss"]]
            i = val_loss.index(min(val_loss))
        return float(curve[i])

    def after_trial(study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        if frozen.user_attrs.get("surplus"):
            return
        state["ran"] += 1
        emit(TrialEnded(_record(frozen)))
        if frozen.state.name == "FAIL" and frozen.user_attrs.get("note") != "cancelled":
            state["failures"] += 1
            state["message"] = str(frozen.user_attrs.get("note", ""))
            if state["failures"] >= MAX_FAILURES:
                state["ended"] = "failures"
                study.stop()
        else:
            state["failures"] = 0
        if cancelled():
            state["ended"] = "cancelled"
            study.stop()
        elif budget is not None and _counted(study) >= budget:
            study.stop()

    t0 = time.monotonic()
    try:
        study.optimize(
            objective,
            timeout=config.timeout_s,
            callbacks=[after_trial],
            catch=(_Surplus, _TrialFailed, _Cancelled),
            gc_after_trial=False,  # the window collects on its GUI thread only
        )
    except ValueError as exc:  # e.g. a stored parameter searched another way before
        raise StudioError(
            f"the study {config.study!r} cannot take this search: {exc}; give it another study name"
        ) from exc
    if cancelled():
        state["ended"] = "cancelled"
    elif grid and state["ended"] == "budget" and budget is not None and _counted(study) < budget:
        state["ended"] = "grid"
    elif (
        config.timeout_s is not None
        and time.monotonic() - t0 >= config.timeout_s
        and state["ended"] == "budget"
        and (budget is None or _counted(study) < budget)
    ):
        state["ended"] = "timeout"
    return SearchResult(_info(study, storage), str(state["ended"]), int(state["ran"]), str(state["message"]))


def describe_record(record: TrialRecord, objective: str = "value") -> str:
    """``trial 3  complete  val_loss 0.1234  learning_rate=0.0031 units=64``."""
    if record.state == "complete" and record.value is not None:
        outcome = f"{objective} {record.value:.4g}"
    else:
        outcome = record.note or record.state
    return f"trial {record.number:>3}  {record.state:<8}  {outcome}  {format_params(record.params)}"

