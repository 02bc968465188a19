"""The ``ffnn-studio`` command: the window by default; ``train``, ``export`` and
``datasets`` run headless, and each ``cmd_<name>.py`` module beside this one
adds one more headless subcommand.

Exit status: 0 success; 1 a run that failed or diverged, or an export whose
reload check failed; 2 a mistake in the command line or the project (the
message says which), never with a traceback; 130 after Ctrl+C and 143 after
SIGTERM. The first such signal stops training at the next chunk and keeps what
can be kept (scores, the history file); a second one ends the command at once.

The project and its data are checked before TensorFlow is imported, so a
mistake is reported in a fraction of a second.

Contract: the command line's parsing, messages and exit codes (2: the user's
mistake, 1: a failed run or export). Top layer: may import every layer;
imports Qt and TensorFlow only inside the subcommand that needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ffnn_studio import __version__
from ffnn_studio.config import TF_LOG_LEVEL_DEFAULT, TF_LOG_LEVEL_ENV
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import ReportSink, finish_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
BUILTIN_COMMANDS = ("train", "export", "datasets")


def _command_modules() -> dict[str, Any]:
    """Further subcommands, one module each: ``ffnn_studio/cli/cmd_<name>.py``.

    Each module defines ``NAME``, ``add_parser(subparsers)`` (which registers
    its options) and ``run(namespace) -> int``; it imports Qt and TensorFlow
    only inside ``run``.
    """
    import importlib
    import pkgutil

    found: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found[module.NAME] = module
    return found


def subcommands() -> tuple[str, ...]:
    """Every headless subcommand's name."""
    return BUILTIN_COMMANDS + tuple(_command_modules())


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() decides the status."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise StudioError(f"{message} (see '{self.prog} --help')")


def _window_size(text: str) -> tuple[int, int]:
    """``1280x800`` as (1280, 800)."""
    width, sep, height = text.lower().partition("x")
    if sep and width.isdigit() and height.isdigit():
        size = int(width), int(height)
        if min(size) >= 200 and max(size) <= 10000:
            return size
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a window size: give WIDTHxHEIGHT in pixels, 200 to 10000 each"
    )


def _window_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="ffnn-studio",
        description="Build, train, inspect and export feed-forward neural networks. "
        "With no arguments the window opens on the built-in default project. "
        f"Headless commands: {', '.join(subcommands())} (ffnn-studio COMMAND --help).",
    )
    p.add_argument(
        "file",
        nargs="?",
        help="a project file (*.ffnn.json) or a Keras model (*.keras: an MLP of Dense, "
        "Dropout and Normalization layers) to open",
    )
    p.add_argument(
        "--screenshot",
        metavar="PNG",
        help="open the window (offscreen works), save a screenshot of it to PNG and exit",
    )
    p.add_argument(
        "--train-epochs",
        type=int,
        metavar="N",
        help="with --screenshot: train N epochs before taking the screenshot",
    )
    p.add_argument(
        "--size",
        metavar="WxH",
        type=_window_size,
        help="with --screenshot: the window's size in pixels (default 1400x900)",
    )
    desktop = p.add_mutually_exclusive_group()
    desktop.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add FFNN Studio to the desktop's application menu (a .desktop file and the "
        "icon under $XDG_DATA_HOME, default ~/.local/share) and exit",
    )
    desktop.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry wrote and exit",
    )
    p.add_argument("--version", action="version", version=f"FFNN Studio {__version__}")
    return p


def _desktop_entry(ns: argparse.Namespace) -> int:
    """--install-desktop-entry / --uninstall-desktop-entry: print each file written or removed."""
    from ffnn_studio.core import desktop

    if ns.file or ns.screenshot or ns.train_epochs is not None:
        raise StudioError(
            "--install-desktop-entry and --uninstall-desktop-entry take no other arguments"
        )
    home = desktop.data_home()
    if ns.install_desktop_entry:
        command = desktop.launcher_command()
        for path in desktop.install_desktop_entry(home, command):
            print(f"wrote {path}")
        print(f"The menu entry starts {command or 'ffnn-studio (looked up on the PATH)'}.")
        return EXIT_OK
    removed = desktop.uninstall_desktop_entry(home)
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print(f"No desktop entry of FFNN Studio under {home}.")
    return EXIT_OK


def _headless_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ffnn-studio", description="FFNN Studio, headless commands.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a project and print its progress and scores")
    t.add_argument("project", nargs="?", help="project file (*.ffnn.json)")
    t.add_argument("--epochs", type=int, metavar="N", help="override the project's epochs")
    t.add_argument("--seed", type=int, metavar="S", help="override the project's seed")
    t.add_argument("--csv", metavar="FILE", help="train on this CSV file instead")
    t.add_argument("--target", metavar="COLUMN", help="with --csv: the column to predict")
    t.add_argument("--export", metavar="PATH", help="write the trained model here")
    t.add_argument("--format", metavar="FMT", help="export format (default: from the extension)")
    t.add_argument("--history", metavar="CSV", help="write the per-epoch history as CSV")
    t.add_argument("--quiet", action="store_true", help="print only the final scores")
    t.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="cross-validate: train K times, each fold of the data held out once",
    )
    t.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multi-worker"),
        help="override the project's: one device, every local GPU mirrored, or the TF_CONFIG cluster",
    )
    t.add_argument(
        "--stream",
        action="store_true",
        help="read the CSV file (--csv, or the project's) block by block with tf.data: "
        "for files larger than memory",
    )
    t.add_argument(
        "--backup-dir",
        metavar="DIR",
        help="with --strategy: back the run up here after every epoch and continue from it when "
        "restarted (on a shared file system for a cluster)",
    )
    t.add_argument(
        "--tensorboard",
        metavar="DIR",
        help="write the run for TensorBoard into a new folder under DIR (scalars, histograms)",
    )

    e = sub.add_parser(
        "export",
        help="convert a trained .keras model, or train a project and export it, "
        "or write a project's standalone Keras script (.py)",
    )
    e.add_argument("source", help="a trained .keras model or a project file (*.ffnn.json)")
    e.add_argument("output", help="output file or folder (SavedModel)")
    e.add_argument("--format", metavar="FMT", help="keras, savedmodel, tflite, onnx, h5 or script")
    e.add_argument("--epochs", type=int, metavar="N", help="with a project: epochs to train")

    sub.add_parser("datasets", help="list the built-in data sets")
    for module in _command_modules().values():
        module.add_parser(sub)
    return p


class _Interrupts:
    """SIGINT and SIGTERM during a headless command: the first stops training, the next ends it."""

    def __init__(self, *, whole_process: bool = False) -> None:
        self.signal: int | None = None
        self.session = None
        #: Keep answering signals after the command, while the interpreter shuts
        #: TensorFlow down (seconds): else a second Ctrl+C there kills it by the signal.
        self.whole_process = whole_process
        self._previous: dict[int, object] = {}

    def __enter__(self) -> _Interrupts:
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Outside the main thread signals cannot be handled: keep the defaults.
            with contextlib.suppress(ValueError, OSError):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, self._late if self.whole_process else handler)  # type: ignore[arg-type]

    def _late(self, signum: int, frame: object) -> None:
        self.signal = signum
        print(f"ffnn-studio: {self.name}", file=sys.stderr, flush=True)
        os._exit(self.exit_code)

    def _handle(self, signum: int, frame: object) -> None:
        first = self.signal is None
        self.signal = signum
        if first and self.session is not None and getattr(self.session, "running", False):
            self.session.stop()
            print(
                f"\nffnn-studio: {self.name}: stopping after the current chunk "
                "(again to quit at once)",
                file=sys.stderr,
                flush=True,
            )
            return
        raise KeyboardInterrupt

    @property
    def name(self) -> str:
        return "terminated" if self.signal == signal.SIGTERM else "interrupted"

    @property
    def exit_code(self) -> int:
        return 128 + (self.signal or signal.SIGINT)


_interrupts: _Interrupts | None = None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ffnn-studio`` and ``python -m ffnn_studio``."""
    global _interrupts
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in subcommands():
            ns = _headless_parser().parse_args(args)
            os.environ.setdefault(TF_LOG_LEVEL_ENV, TF_LOG_LEVEL_DEFAULT)
            command = {"train": _cmd_train, "export": _cmd_export, "datasets": _cmd_datasets}
            command.update({name: m.run for name, m in _command_modules().items()})
            with _Interrupts(whole_process=argv is None) as _interrupts:
                try:
                    status = command[ns.command](ns)
                except StudioError as exc:
                    print(f"ffnn-studio: {exc}", file=sys.stderr)
                    status = EXIT_USAGE
                except KeyboardInterrupt:
                    print(f"\nffnn-studio: {_interrupts.name}", file=sys.stderr, flush=True)
                    status = _interrupts.exit_code
                finally:
                    _interrupts = None
            if argv is None:
                # The interpreter's shutdown tears TensorFlow down for seconds with
                # the default signal handlers back in place (a Ctrl+C there would
                # kill the process by the signal): every file is written, so end now.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
            return status
        ns = _window_parser().parse_args(args)
        if ns.install_desktop_entry or ns.uninstall_desktop_entry:
            return _desktop_entry(ns)
        if ns.train_epochs is not None and not ns.screenshot:
            raise StudioError("--train-epochs goes with --screenshot")
        if ns.train_epochs is not None and ns.train_epochs < 1:
            raise StudioError("--train-epochs must be at least 1")
        if ns.size is not None and not ns.screenshot:
            raise StudioError("--size goes with --screenshot")
        from ffnn_studio.ui.app import run_window

        return run_window(
            ns.file, screenshot=ns.screenshot, train_epochs=ns.train_epochs, size=ns.size
        )
    except StudioError as exc:
        print(f"ffnn-studio: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ffnn-studio: interrupted", file=sys.stderr)
        return 130


# ----------------------------------------------------------------- datasets


def _cmd_datasets(ns: argparse.Namespace) -> int:
    from ffnn_studio.core.catalog import DATASETS

    width = max(len(n) for n in DATASETS)
    print(f"{'name':<{width}}  {'task':<10}  {'kind':<9}  description")
    for entry in DATASETS.values():
        kind = "synthetic" if entry.synthetic else "real"
        params = ", ".join(f"{p.name}={p.default}" for p in entry.params)
        extra = f" [{params}]" if params else ""
        print(f"{entry.name:<{width}}  {entry.task:<10}  {kind:<9}  {entry.help}{extra}")
    return EXIT_OK


# -------------------------------------------------------------------- train


def _load_for_training(ns: argparse.Namespace):
    """The project to train, with command-line overrides applied."""
    from dataclasses import replace

    from ffnn_studio.core.examples import default_project_path
    from ffnn_studio.core.naming import follow_data
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.core.spec import CsvDataSource

    if ns.target and not ns.csv:
        raise StudioError("--target goes with --csv")
    if ns.project:
        project = load_project(ns.project)
    elif ns.csv:
        project = load_project(default_project_path())
    else:
        raise StudioError("name a project file, or a CSV file with --csv FILE --target COLUMN")
    if ns.csv:
        if not ns.target:
            raise StudioError("--csv needs --target COLUMN (the column to predict)")
        # Named after the file unless the project file gave it a name of its own.
        project = follow_data(
            project, CsvDataSource(path=str(Path(ns.csv).resolve()), target=ns.target)
        )
        project = _loss_for_csv(project)
    training = project.training
    if ns.epochs is not None:
        training = replace(training, epochs=ns.epochs)
    if ns.seed is not None:
        training = replace(training, seed=ns.seed)
    if getattr(ns, "strategy", None) is not None:
        training = replace(training, strategy=ns.strategy)
    _check_strategy(training.strategy, getattr(ns, "backup_dir", None))
    return replace(project, training=training)


def _check_strategy(strategy: str, backup_dir: str | None) -> None:
    """A cluster's description and the backup folder, checked before TensorFlow loads."""
    from ffnn_studio.engine.cluster import cluster_spec

    if backup_dir and strategy == "default":
        raise StudioError("--backup-dir goes with --strategy mirrored or multi-worker")
    if strategy == "multi-worker" and cluster_spec() is None:
        raise StudioError(
            "--strategy multi-worker reads the cluster from TF_CONFIG, which is not set "
            "(see the README, 'Training on a bigger machine')"
        )


def _loss_for_csv(project):
    """A CSV chosen on the command line may be a regression task: use MSE then."""
    from dataclasses import replace

    from ffnn_studio.core.spec import Task
    from ffnn_studio.data import load_dataset

    task = load_dataset(project.data).task
    if task is Task.REGRESSION and project.training.loss != "mse":
        project = replace(project, training=replace(project.training, loss="mse"))
    return project


class _TerminalSink(ReportSink):
    """Prints a line per epoch (throttled for long runs) and a live progress line."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.metric = "metric"
        self.planned = 0
        self.start_epoch = 0
        self.last_line = 0.0
        self.tty = sys.stdout.isatty()
        self.last_epoch = None

    def run_started(self, info) -> None:
        self.metric = info.metric_name
        self.planned = info.epochs_planned
        self.start_epoch = info.start_epoch
        if not self.quiet:
            print(
                f"Training: {info.parameter_count:,} parameters, {info.train_samples:,} training "
                f"and {info.val_samples:,} validation samples, {info.epochs_planned} epochs",
                flush=True,
            )

    def progress(self, report) -> None:
        if self.quiet or not self.tty:
            return
        total = self.start_epoch + self.planned
        print(
            f"\r  epoch {report.epoch + 1}/{total} {report.epoch_fraction:4.0%} "
            f"loss {report.loss:.4f}  {report.samples_per_second:,.0f} samples/s",
            end="",
            flush=True,
        )

    def epoch_end(self, report) -> None:
        self.last_epoch = report
        if self.quiet:
            return
        total = self.start_epoch + self.planned
        now = time.monotonic()
        # Every epoch of a short run; for long runs at most ~5 lines a second,
        # always with the first and the last epoch.
        if total > 100 and report.epoch not in (1, total) and now - self.last_line < 0.2:
            return
        self.last_line = now
        val = "" if report.val_loss is None else f"  val_loss {report.val_loss:.4f}"
        vm = "" if report.val_metric is None else f"  val_{self.metric} {report.val_metric:.4f}"
        prefix = "\r" if self.tty else ""
        print(
            f"{prefix}epoch {report.epoch:>4}/{total}  loss {report.loss:.4f}{val}  "
            f"{self.metric} {report.metric:.4f}{vm}" + (" " * 10 if self.tty else ""),
            flush=True,
        )

    def finished(self, report) -> None:
        if self.tty and not self.quiet:
            print()


def _train(project, *, quiet: bool, tensorboard: str | None = None, backup_dir: str | None = None):
    """Load and check the data, train the project; returns the session and the finish report."""
    from ffnn_studio.core.spec import output_units
    from ffnn_studio.core.validation import check_project, size_warnings
    from ffnn_studio.data import load_dataset, prepare

    # Everything that can be wrong with the project or its data shows before
    # TensorFlow's import (seconds and hundreds of MB).
    dataset = load_dataset(project.data)
    widths = {
        "n_inputs": dataset.n_features,
        "n_outputs": output_units(dataset.task, dataset.n_classes),
    }
    check_project(project, dataset.task, **widths)
    for warning in size_warnings(project.network, **widths):
        print(f"ffnn-studio: warning: {warning}", file=sys.stderr)
    t = project.training
    prepared = prepare(dataset, t.validation_fraction, t.seed, t.test_fraction)

    from ffnn_studio.engine.training.session import TrainingSession  # imports TensorFlow quietly

    sink = _TerminalSink(quiet)
    run_sink = sink
    if tensorboard:
        from ffnn_studio.engine.tensorboard import TensorBoardSink

        run_sink = TensorBoardSink(tensorboard, project, prepared, sink)
        if not quiet:
            print(f"TensorBoard logs: {run_sink.log_dir}")
    session = TrainingSession(project, prepared, run_sink)
    if backup_dir:
        session.backup_dir = backup_dir
    if _interrupts is not None:
        _interrupts.session = session
        if _interrupts.signal is not None:
            raise KeyboardInterrupt  # a signal came while TensorFlow loaded
    finished = session.run()
    return session, finished, sink


def _print_scores(sink: _TerminalSink, finished) -> None:
    e = sink.last_epoch
    print(finish_text(finished, "line"))
    if e is not None:
        parts = [f"loss {e.loss:.4f}", f"{sink.metric} {e.metric:.4f}"]
        if e.val_loss is not None:
            parts += [f"val_loss {e.val_loss:.4f}", f"val_{sink.metric} {e.val_metric:.4f}"]
        print("Final scores: " + "  ".join(parts))
    if finished.test_scores:
        print("Test scores: " + "  ".join(f"{k} {v:.4f}" for k, v in finished.test_scores.items()))


def _check_output_folder(path: str, what: str) -> None:
    parent = Path(path).parent
    if not parent.is_dir():
        raise StudioError(f"cannot write the {what} {path}: folder {parent} does not exist")


def _cmd_train(ns: argparse.Namespace) -> int:
    from ffnn_studio.core.validation import check_project

    if ns.stream:
        return _cmd_train_streaming(ns)
    project = _load_for_training(ns)
    check_project(project)
    fmt = None
    if ns.export:
        from ffnn_studio.engine.export.formats import check_export_target

        fmt = check_export_target(ns.export, ns.format)
    elif ns.format:
        raise StudioError("--format goes with --export")
    if ns.history:
        _check_output_folder(ns.history, "history")
    if ns.folds is not None:
        from ffnn_studio.cli.folds import train_folds

        return train_folds(project, ns, interrupts=_interrupts)
    session, finished, sink = _train(
        project, quiet=ns.quiet, tensorboard=ns.tensorboard, backup_dir=ns.backup_dir
    )
    _print_scores(sink, finished)
    if finished.reason.is_failure:
        return EXIT_FAILED
    if not getattr(session, "is_chief", True):
        # TensorFlow's multi-worker rule: the chief alone writes the run's outputs.
        if ns.history or ns.export:
            print("Not writing the history or the model: the chief worker writes them.")
        return EXIT_OK
    if ns.history:
        session.history.to_csv(ns.history)
        print(f"History written to {ns.history}")
    if _interrupted(finished):
        if ns.export:
            print(f"Not exported: the run was {_interrupts.name} before its end.")
        return _interrupts.exit_code
    if ns.export:
        return _export_session(session, ns.export, fmt)
    return EXIT_OK


def _cmd_train_streaming(ns: argparse.Namespace) -> int:
    from ffnn_studio.cli.stream_train import train_streaming

    if ns.export or ns.format or ns.backup_dir or ns.tensorboard:
        raise StudioError(
            "--stream trains and reports; --export, --backup-dir and --tensorboard go without it"
        )
    if ns.history:
        _check_output_folder(ns.history, "history")
    sink = _TerminalSink(ns.quiet)
    session, finished = train_streaming(ns, sink, _interrupts)
    _print_scores(sink, finished)
    if finished.reason.is_failure:
        return EXIT_FAILED
    if ns.history:
        session.history.to_csv(ns.history)
        print(f"History written to {ns.history}")
    return _interrupts.exit_code if _interrupted(finished) else EXIT_OK


def _interrupted(finished) -> bool:
    """True when a signal stopped the run that ended with ``finished``."""
    return _interrupts is not None and _interrupts.signal is not None


def _export_session(session, output: str, fmt: str) -> int:
    from ffnn_studio.engine.export.formats import export_session

    result = export_session(session, output, fmt)
    print(result.message)
    return EXIT_OK if result.ok else EXIT_FAILED


# ------------------------------------------------------------------- export


def _cmd_export(ns: argparse.Namespace) -> int:
    from ffnn_studio.core.project_file import EXTENSION, load_project

    source = Path(ns.source)
    fmt = (ns.format or "").lower() or None
    if fmt == "script" or (fmt is None and ns.output.endswith(".py")):
        if not ns.source.endswith(EXTENSION):
            raise StudioError(f"a Python script is generated from a project file (*{EXTENSION})")
        from ffnn_studio.engine.codegen.script import write_script

        write_script(load_project(source), ns.output)
        print(f"Script written to {ns.output}")
        return EXIT_OK

    from ffnn_studio.core.validation import check_project
    from ffnn_studio.engine.export.formats import check_export_target, check_keras_source

    fmt = check_export_target(ns.output, fmt)
    if ns.source.endswith(EXTENSION):
        project = load_project(source)
        if ns.epochs is not None:
            from dataclasses import replace

            project = replace(project, training=replace(project.training, epochs=ns.epochs))
        check_project(project)
        session, finished, sink = _train(project, quiet=True)
        _print_scores(sink, finished)
        if finished.reason.is_failure:
            return EXIT_FAILED
        if _interrupted(finished):
            print(f"Not exported: the run was {_interrupts.name} before its end.")
            return _interrupts.exit_code
        return _export_session(session, ns.output, fmt)
    if source.suffix != ".keras":
        raise StudioError(
            f"{source.name}: export reads a trained .keras model or a project file (*{EXTENSION})"
        )
    if ns.epochs is not None:
        raise StudioError("--epochs goes with a project file, not a trained model")
    check_keras_source(source)
    from ffnn_studio.engine.quiet import import_tensorflow

    import_tensorflow()
    from ffnn_studio.engine.export.formats import export_keras_file

    result = export_keras_file(source, ns.output, fmt)
    print(result.message)
    return EXIT_OK if result.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
