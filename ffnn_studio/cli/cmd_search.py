"""``ffnn-studio search``: a hyper-parameter search of a project, headless.

Prints a line per finished trial and the best trial at the end. The study is
kept in a journal file beside the project unless ``--storage`` names another
(a database URL shared by several machines works too): running the same
command again resumes it, and several processes given the same storage share
its trial budget.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

NAME = "search"
EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(subparsers) -> None:
    from ffnn_studio.core.search_space import SEARCHABLE

    names = ", ".join([*SEARCHABLE, "units_1, units_2, …"])
    p = subparsers.add_parser(
        NAME,
        help="search hyper-parameters of a project (Optuna) and print the best trial",
        description="Train the project once per trial with other settings and report the best. "
        f"Searchable: {names}.",
    )
    p.add_argument("project", help="project file (*.ffnn.json)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="SPEC",
        help="a setting to vary: NAME=LOW:HIGH, NAME=LOW:HIGH:log or NAME=A,B,C (repeat the option)",
    )
    p.add_argument("--trials", type=int, metavar="N", help="finished trials the study should hold in all")
    p.add_argument("--timeout", type=float, metavar="S", help="start no trial after S seconds")
    p.add_argument("--sampler", choices=("tpe", "random", "grid"), default="tpe", help="default: tpe")
    p.add_argument(
        "--pruner",
        choices=("median", "halving", "none"),
        default="median",
        help="stop hopeless trials early (default: median)",
    )
    p.add_argument(
        "--objective",
        choices=("val_loss", "val_metric", "test_loss", "test_metric"),
        default="val_loss",
        help="what the search optimizes (default: val_loss)",
    )
    p.add_argument(
        "--storage",
        metavar="URL",
        help="Optuna storage: a database URL (sqlite:///study.db, postgresql://…) or a journal "
        "file; default: PROJECT's name + .search.log beside it",
    )
    p.add_argument("--study", metavar="NAME", default="search", help="study name (default: search)")
    p.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="the sampler's seed (default: the project's seed); give each worker of a shared study its own",
    )
    p.add_argument("--epochs", type=int, metavar="N", help="epochs of every trial (default: the project's)")
    p.add_argument("--quiet", action="store_true", help="print only the best trial")


class _Cancel:
    """What the command's Ctrl+C handling stops: the search, after the current chunk."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.running = True

    def stop(self) -> None:
        self.event.set()


def run(ns: argparse.Namespace) -> int:
    from ffnn_studio import cli
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.core.search_space import format_params, parse_space
    from ffnn_studio.core.validation import check_project
    from ffnn_studio.engine import search

    space = parse_space(ns.param)
    project = load_project(ns.project)
    check_project(project)
    seed = project.training.seed if ns.seed is None else ns.seed
    config = search.SearchConfig(
        space,
        trials=ns.trials,
        timeout_s=ns.timeout,
        sampler=ns.sampler,
        pruner=ns.pruner,
        objective=ns.objective,
        seed=seed,
        study=ns.study,
        epochs=ns.epochs,
    )
    storage = ns.storage or search.default_storage(ns.project)
    search.check_storage(storage)
    data = search.prepare_data(project, Path(ns.project).resolve().parent)

    cancel = _Cancel()
    if cli._interrupts is not None:
        cli._interrupts.session = cancel

    def on_event(event) -> None:
        if ns.quiet:
            return
        if isinstance(event, search.TrialStarted):
            of = f"/{event.planned}" if event.planned else ""
            print(f"trial {event.number} ({event.index}{of}): {format_params(event.params)}", flush=True)
        elif isinstance(event, search.TrialEnded):
            print("  " + search.describe_record(event.record, config.objective), flush=True)

    result = search.run_search(project, data, config, storage, cancelled=cancel.event.is_set, on_event=on_event)
    study = result.study
    counts = {s: sum(1 for r in study.records if r.state == s) for s in ("complete", "pruned", "failed")}
    ended = {
        "budget": "the trial budget is reached",
        "timeout": "the time is up",
        "cancelled": "it was interrupted",
        "grid": "every grid point is tried",
        "failures": f"{search.MAX_FAILURES} trials in a row failed",
    }[result.ended]
    print(
        f"Search ended: {ended}. This run: {result.ran} trial{'' if result.ran == 1 else 's'}; the study {study.name!r} holds "
        f"{counts['complete']} complete, {counts['pruned']} pruned, {counts['failed']} failed."
        + (f" {result.message}" if result.ran == 0 and result.message else "")
    )
    best = result.best
    if best is None:
        print("No trial completed.", file=sys.stderr)
        if result.ended == "failures" and result.message:
            print(f"ffnn-studio: last failure: {result.message}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Best trial {best.number}: {study.objective_label.lower()} {best.value:.6g}  {format_params(best.params)}")
    print(f"Study stored in {storage} (study {study.name!r}); the same command resumes it.")
    if cancel.event.is_set() and cli._interrupts is not None:
        return cli._interrupts.exit_code
    return EXIT_OK

