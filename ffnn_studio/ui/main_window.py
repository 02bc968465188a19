"""The main window: palette, layer stack, inspector, training and data panels, live plots.

The window owns the document and the training controller and wires them to
the views; it holds no project state of its own.

Contract: owns the window's layout, menus, recent files and window state;
wires the views to one ``ProjectDocument`` and one ``TrainingController``.
Reaches the engine only through the run controller (``ui.run``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.config import (
    APP_NAME,
    MAX_RECENT_FILES,
    ORGANIZATION,
    RECENT_FILES_KEY,
    SETTINGS_DEFAULTS,
    WINDOW_GEOMETRY_KEY,
    WINDOW_STATE_KEY,
    WINDOW_STATE_VERSION,
)
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.examples import example_menu_entries, load_example
from ffnn_studio.core.project_file import EXTENSION
from ffnn_studio.core.reports import ChunkReport, FinishReason, RunFinished, RunState, finish_text
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.build.inspector import LayerInspector
from ffnn_studio.ui.build.layer_stack import LayerStackView
from ffnn_studio.ui.build.palette import LayerPaletteView
from ffnn_studio.ui.build.tensorboard_option import TensorBoardOption
from ffnn_studio.ui.build.training_panel import TrainingPanel
from ffnn_studio.ui.dataset.csv_flow import offer_to_locate_csv
from ffnn_studio.ui.dataset.data_panel import DataPanel
from ffnn_studio.ui.document.autosave import (
    AutosaveService,
    Recovery,
    discard_recovery,
    orphaned_recoveries,
)
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.experiments import ExperimentActions
from ffnn_studio.ui.exports.actions import ExportActions
from ffnn_studio.ui.exports.export_dialog import EXPORT_BUSY
from ffnn_studio.ui.exports.predict_action import PredictCsvAction
from ffnn_studio.ui.insights.panel import InsightsPanel, attach_fit_markers
from ffnn_studio.ui.live.plots import LivePlots
from ffnn_studio.ui.live.training_controls import TrainingControls
from ffnn_studio.ui.menus import build_help_menu, build_view_menu, experiments_menu, show_about
from ffnn_studio.ui.run.ahead import CompileAhead
from ffnn_studio.ui.run.bridge import TrainingController
from ffnn_studio.ui.run.compile_cache_option import CompileCacheActions
from ffnn_studio.ui.run.model_open import ModelOpener, is_model_file
from ffnn_studio.ui.search.dialog import SearchDialog
from ffnn_studio.ui.widgets.app_icon import app_icon

FILE_FILTER = f"FFNN Studio projects (*{EXTENSION});;All files (*)"
OPEN_FILTER = (
    f"FFNN Studio projects and Keras models (*{EXTENSION} *.keras);;"
    f"FFNN Studio projects (*{EXTENSION});;Keras models (*.keras);;All files (*)"
)
INSIGHTS_HINT = "See what the network learned under “Inside the Network”."
COMPARING = "A comparison is training: wait for it to finish or cancel it in the Runs tab."
SEARCHING = "A hyper-parameter search is training: wait for it or cancel it in its window."
RUN_LOCKED = "Training is running: the project cannot be edited until the run stops."


def studio_settings() -> QSettings:
    """The studio's settings (an INI file in the user's config folder).

    Always the INI format, so ``QSettings.setPath(IniFormat, UserScope, dir)``
    redirects it (tests do that to keep away from the user's settings).
    """
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APP_NAME
    )


def window_icon() -> QIcon:
    return app_icon()


def _keys(*keys: QKeySequence.StandardKey | str) -> list[QKeySequence]:
    """Key sequences from standard keys and literal fallbacks, without duplicates."""
    out: list[QKeySequence] = []
    for key in keys:
        seqs = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        for seq in seqs:
            if not seq.isEmpty() and seq not in out:
                out.append(seq)
    return out


def _scrolled(widget: QWidget, name: str) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class MainWindow(QMainWindow):
    """One project document in a desktop window.

    ``interactive=False`` (screenshot mode) reports errors on stderr instead of
    in modal dialogs, which nobody would be there to close, and neither reads
    nor writes the user's settings (layout, recent files), so screenshots are
    reproducible and leave no trace.
    """

    def __init__(
        self,
        document: ProjectDocument | None = None,
        *,
        controller: TrainingController | None = None,
        settings: QSettings | None = None,
        interactive: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAccessibleName(APP_NAME)
        self.setWindowIcon(window_icon())
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.interactive = interactive
        self.errors: list[str] = []
        self.settings = settings if settings is not None else studio_settings()
        self.document = document if document is not None else ProjectDocument(Project(), self)
        if self.document.parent() is None:
            self.document.setParent(self)
        self.controller = controller if controller is not None else TrainingController(self)
        self.last_finish: RunFinished | None = None
        #: Run ▸ Keep Compiled Programs: applied here, before the engine loads.
        self.compile_cache = CompileCacheActions(self, self.settings)
        #: Compiles the training program of a project that has settled, before Train.
        self.compile_ahead = CompileAhead(self.document, self.controller, self)
        # Screenshot mode leaves no trace, recovery files included.
        self.autosave: AutosaveService | None = None
        if interactive:
            self.autosave = AutosaveService(self.document, parent=self)
            self.autosave.failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self._insights_hinted = False
        #: The project of the run the plots show (None before the first run).
        self._run_project: Project | None = None
        #: The hyper-parameter search window, made when first asked for.
        self.search_dialog: SearchDialog | None = None

        self._build_widgets()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._restore_window()
        self._update_title()
        self._update_problems()

    # ------------------------------------------------------------------ construction

    def _build_widgets(self) -> None:
        doc = self.document
        self.palette_view = LayerPaletteView(doc)
        self.layer_stack = LayerStackView(doc)
        self.inspector = LayerInspector(doc)
        self.training_panel = TrainingPanel(doc)
        self.tensorboard_option = TensorBoardOption(self.settings)
        self.training_panel.add_section(self.tensorboard_option)
        self.tensorboard_option.changed.connect(self._apply_tensorboard_option)
        self._apply_tensorboard_option()
        self.data_panel = DataPanel(doc)
        self.controls = TrainingControls()
        self.plots = LivePlots()
        self.controls.attach(self.controller)
        self.plots.attach(self.controller)
        # Decision boundary, network diagram, layer health and runs.
        self.insights = InsightsPanel()
        self.insights.attach(self.controller, doc)
        self.insights.runs.can_start = self._comparison_blocker
        loss = self.plots.loss_plot
        self.fit_markers = attach_fit_markers(
            loss.item,
            loss.curves[0].item,
            loss.curves[1].item,
            on_diagnosis=lambda text: self.statusBar().showMessage(text.replace("<br>", " "), 8000),
        )

        # The run controls span the window in a tool bar, so the plots alone
        # decide how narrow the centre may get.
        self.run_toolbar = QToolBar("Run", self)
        self.run_toolbar.setObjectName("runToolBar")
        self.run_toolbar.setAccessibleName("Run controls")
        self.run_toolbar.setMovable(False)
        self.run_toolbar.addWidget(self.controls)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.run_toolbar)

        central = QWidget()
        central.setObjectName("centralArea")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plots)
        self.setCentralWidget(central)

    def _apply_tensorboard_option(self) -> None:
        """Runs started from now on are written for TensorBoard, or not, as the option says."""
        self.controller.tensorboard_dir = self.tensorboard_option.log_dir()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setAccessibleName(title)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.palette_dock = self._dock("Layers", "paletteDock", self.palette_view, left)
        self.stack_dock = self._dock("Network", "layerStackDock", self.layer_stack, left)
        self.inspector_dock = self._dock(
            "Inspector", "inspectorDock", _scrolled(self.inspector, "inspectorScroll"), left
        )
        self.training_dock = self._dock(
            "Training", "trainingDock", _scrolled(self.training_panel, "trainingScroll"), right
        )
        self.data_dock = self._dock("Data", "dataDock", _scrolled(self.data_panel, "dataScroll"), right)
        self.insights_dock = self._dock("Inside the Network", "insightsDock", self.insights, right)
        self.splitDockWidget(self.palette_dock, self.stack_dock, Qt.Orientation.Horizontal)
        self.splitDockWidget(self.stack_dock, self.inspector_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.training_dock, self.data_dock)
        self.tabifyDockWidget(self.data_dock, self.insights_dock)
        self.training_dock.raise_()
        self.palette_view.setMinimumWidth(84)
        self.layer_stack.setMinimumWidth(230)
        self.training_panel.setMinimumWidth(250)
        self.insights.setMinimumWidth(260)
        self.resizeDocks(
            [self.palette_dock, self.stack_dock, self.training_dock],
            [88, 270, 400],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.stack_dock, self.inspector_dock], [300, 520], Qt.Orientation.Vertical)

    def _action(
        self,
        text: str,
        name: str,
        slot: Any,
        keys: list[QKeySequence] | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if keys:
            action.setShortcuts(keys)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        SK = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New", "newAction", self.new_project, _keys(SK.New, "Ctrl+N"), "Start a new project"
        )
        self.open_action = self._action(
            "&Open…", "openAction", lambda: self.open_file(), _keys(SK.Open, "Ctrl+O"),
            "Open a project file or a Keras model (.keras)",
        )
        self.save_action = self._action(
            "&Save", "saveAction", self.save, _keys(SK.Save, "Ctrl+S"), "Save the project"
        )
        self.save_as_action = self._action(
            "Save &As…", "saveAsAction", self.save_as, _keys(SK.SaveAs, "Ctrl+Shift+S"),
            "Save the project under a new name",
        )
        self.quit_action = self._action(
            "&Quit", "quitAction", self.close, _keys(SK.Quit, "Ctrl+Q"), "Quit FFNN Studio"
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        stack = self.document.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setObjectName("undoAction")
        self.undo_action.setShortcuts(_keys(SK.Undo, "Ctrl+Z"))
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setObjectName("redoAction")
        self.redo_action.setShortcuts(_keys(SK.Redo, "Ctrl+Shift+Z", "Ctrl+Y"))
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)

        self.about_action = self._action("&About FFNN Studio", "aboutAction", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

        # File ▸ Export Model… (Ctrl+E), Python Script…, Run History…, Plots…
        self.export_actions = ExportActions(self, report_error=self._report_error)
        # File ▸ Predict CSV…: the trained model on new rows, streamed on a background task.
        self.predict_actions = PredictCsvAction(self, report_error=self._report_error)
        # File ▸ Open of a .keras model: its layers and weights become a new project.
        self.model_opener = ModelOpener(self, report_error=self._report_error)
        # The weights are taken once a run started from them (kept if it could not start).
        self.controller.started.connect(lambda _info: setattr(self.document, "initial_weights", None))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.examples_menu = file_menu.addMenu("Open &Example")
        self.examples_menu.setObjectName("examplesMenu")
        for title, name in example_menu_entries():
            action = self.examples_menu.addAction(title.replace("&", "&&"))
            action.setObjectName(f"example:{name}")
            action.triggered.connect(lambda _=False, n=name: self.open_example(n))
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        self.export_actions.add_to(file_menu)
        file_menu.addAction(self.predict_actions.action)
        file_menu.aboutToShow.connect(self.predict_actions.update_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu()

        edit_menu = bar.addMenu("&Edit")
        edit_menu.setObjectName("editMenu")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        for action in (
            self.layer_stack.delete_action,
            self.layer_stack.duplicate_action,
            self.layer_stack.move_up_action,
            self.layer_stack.move_down_action,
        ):
            edit_menu.addAction(action)

        run_menu = bar.addMenu("&Run")
        run_menu.setObjectName("runMenu")
        c = self.controls
        for action in (c.train_action, c.pause_action, c.stop_action):
            run_menu.addAction(action)
        run_menu.addSeparator()
        run_menu.addAction(c.reset_action)
        run_menu.addSeparator()
        run_menu.addAction(self.compile_cache.keep_action)
        run_menu.addAction(self.compile_cache.clear_action)

        # Experiments ▸ Hyper-parameter Search… (ui/search).
        self.search_action = experiments_menu(self).addAction("Hyper-parameter &Search…")
        self.search_action.setObjectName("searchAction")
        self.search_action.setStatusTip("Search learning rate, units, layers and more over many trials")
        self.search_action.triggered.connect(self.show_search)

        # View (every dock and tool bar) and Help: ui/menus.py.
        self.view_menu = build_view_menu(self, WINDOW_STATE_VERSION)
        self.help_menu = build_help_menu(self, self.about_action)
        # Experiments (learning-rate finder, cross-validation), before Help: ui/experiments.py.
        self.experiments = ExperimentActions(self)
        self.experiments.busyChanged.connect(self._on_comparing)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setObjectName("statusBar")
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problemsLabel")
        self.problems_label.setAccessibleName("Project problems")
        self.throughput_label = QLabel()
        self.throughput_label.setObjectName("throughputLabel")
        self.throughput_label.setAccessibleName("Training speed")
        status.addPermanentWidget(self.problems_label)
        status.addPermanentWidget(self.throughput_label)
        # Filled once the warm-up has loaded TensorFlow and asked it (off the GUI thread).
        self.devices_label = QLabel()
        self.devices_label.setObjectName("devicesLabel")
        self.devices_label.setAccessibleName("Devices TensorFlow sees")
        status.addPermanentWidget(self.devices_label)
        warmed = getattr(self.controller, "warmedUp", None)
        if warmed is not None:
            warmed.connect(self._show_devices)

    def _show_devices(self) -> None:
        from ffnn_studio.ui.devices_text import devices_status

        text, tip = devices_status()
        self.devices_label.setText(text)
        self.devices_label.setToolTip(tip)

    def _connect(self) -> None:
        doc = self.document
        doc.changed.connect(self._update_problems)
        doc.changed.connect(self._mark_stale_views)
        doc.changed.connect(self._update_title)  # an unsaved project's name follows its data
        doc.pathChanged.connect(self._update_title)
        doc.dirtyChanged.connect(self._update_title)
        doc.loaded.connect(self.plots.clear)
        doc.editRefused.connect(lambda msg: self.statusBar().showMessage(msg, 6000))
        doc.lockedChanged.connect(self._on_locked)
        self.layer_stack.layerActivated.connect(lambda _row: self.inspector_dock.raise_())

        c = self.controller
        self.controls.trainRequested.connect(self.train)
        c.stateChanged.connect(self._on_state)
        c.reported.connect(self._on_report)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        self.insights.runs.comparingChanged.connect(self._on_comparing)

    # ------------------------------------------------------------------ title, status

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.dirty)

    def _update_problems(self) -> None:
        problems = self.document.problems()
        if problems:
            n = len(problems)
            self.problems_label.setText(f"⚠ {n} problem{'s' if n > 1 else ''}")
            self.problems_label.setToolTip("\n".join(str(p) for p in problems))
        elif warnings := self.document.size_warnings():
            # A large network trains, slowly: say so where the problems are said.
            self.problems_label.setText("✓ Ready to train · large network")
            self.problems_label.setToolTip("\n".join(str(w) for w in warnings))
        else:
            self.problems_label.setText("✓ Ready to train")
            self.problems_label.setToolTip("The project has no problems.")
        self.problems_label.setAccessibleDescription(self.problems_label.toolTip())

    def _report_error(self, title: str, message: str) -> None:
        """A dialog naming the problem; the window stays usable."""
        self.errors.append(message)
        if self.interactive:
            QMessageBox.critical(self, title, message)
        else:
            print(f"{APP_NAME}: {title}: {message}", file=sys.stderr)

    # ------------------------------------------------------------------ files

    def ask_save_changes(self) -> QMessageBox.StandardButton:
        """Save / Discard / Cancel for unsaved changes."""
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        return QMessageBox.question(
            self,
            "Save changes?",
            f"“{self.document.display_name}” has unsaved changes. Save them first?",
            buttons,
            QMessageBox.StandardButton.Save,
        )

    def maybe_save(self) -> bool:
        """True if it is fine to drop the current project (saved, discarded)."""
        if not self.document.dirty:
            return True
        if not self.interactive:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    @property
    def training_busy(self) -> bool:
        """The document's run, a comparison, a search or an experiment is training."""
        return (
            self.controller.state is not RunState.IDLE
            or self.insights.runs.comparing
            or self.searching
            or self.experimenting
        )

    @property
    def experimenting(self) -> bool:
        """Cross-validation folds or the learning-rate finder are training."""
        experiments = getattr(self, "experiments", None)
        return experiments is not None and experiments.busy

    @property
    def searching(self) -> bool:
        return self.search_dialog is not None and self.search_dialog.runner.running

    def show_search(self) -> SearchDialog:
        """Open (or raise) the hyper-parameter search window."""
        if self.search_dialog is None:
            self.search_dialog = SearchDialog(
                self.document, self.controller, save=self.save, can_start=self._search_blocker, parent=self
            )
            self.search_dialog.searchingChanged.connect(self._on_comparing)
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.activateWindow()
        return self.search_dialog

    def _search_blocker(self) -> str:
        if self.controller.state is not RunState.IDLE:
            return "Stop training before starting a search."
        if self.insights.runs.comparing:
            return COMPARING
        if self.experimenting:
            return self.experiments.busy_message
        return ""

    def _comparison_blocker(self) -> str:
        """Why Compare optimizers/activations may not start now, or ""."""
        if self.searching:
            return SEARCHING
        if self.experimenting:
            return self.experiments.busy_message
        return ""

    def experiment_blocker(self) -> str:
        """Why cross-validation or the learning-rate finder may not start now, or ""."""
        if self.controller.state is not RunState.IDLE:
            return "Stop training before starting an experiment."
        if self.insights.runs.comparing:
            return COMPARING
        if self.searching:
            return SEARCHING
        return ""

    def _refuse_while_running(self) -> bool:
        if self.training_busy:
            self.statusBar().showMessage(
                "Stop training before opening or starting another project.", 6000
            )
            return True
        return False

    def new_project(self) -> bool:
        if self._refuse_while_running() or not self.maybe_save():
            return False
        self.document.reset(Project())
        self.statusBar().showMessage("New project: drag a Dense layer into the stack.", 5000)
        return True

    def open_file(self, path: str | Path | None = None) -> bool:
        """Open a project (asking for a file when ``path`` is None); errors show a dialog."""
        if self._refuse_while_running() or not self.maybe_save():
            return False
        if path is None:
            start = str(self.document.path.parent) if self.document.path else ""
            chosen, _ = QFileDialog.getOpenFileName(self, "Open Project", start, OPEN_FILTER)
            if not chosen:
                return False
            path = chosen
        return self.load_path(path)

    def load_path(self, path: str | Path) -> bool:
        """Open ``path`` without asking about unsaved changes."""
        path = Path(path)
        if is_model_file(path):
            # Read on a background task; the document changes when it is read.
            return self.model_opener.open(path) is not None
        try:
            self.document.open(path)
        except StudioError as exc:
            # The message names the file already.
            self._report_error("Could not open project", str(exc))
            return False
        self.add_recent_file(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        if self.interactive:
            offer_to_locate_csv(self, self.document)
        return True

    def open_example(self, file_name: str) -> bool:
        """Open a bundled example as a new, unsaved project."""
        if self._refuse_while_running() or not self.maybe_save():
            return False
        try:
            project = load_example(file_name)
        except StudioError as exc:
            self._report_error("Could not open example", f"{file_name}: {exc}")
            return False
        self.document.reset(project)
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        doc = self.document
        suggested = str(doc.path) if doc.path else doc.display_name.replace(" ", "_").lower() + EXTENSION
        chosen, _ = QFileDialog.getSaveFileName(self, "Save Project As", suggested, FILE_FILTER)
        if not chosen:
            return False
        return self._save_to(Path(chosen))

    def _save_to(self, path: Path) -> bool:
        try:
            saved = self.document.save(path)
        except StudioError as exc:
            self._report_error("Could not save project", str(exc))
            return False
        self.add_recent_file(saved)
        self.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    # ------------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        value = self.settings.value(RECENT_FILES_KEY, SETTINGS_DEFAULTS[RECENT_FILES_KEY])
        if isinstance(value, str):  # QSettings returns a lone string for one entry
            value = [value]
        return [str(v) for v in value or []]

    def add_recent_file(self, path: str | Path) -> None:
        if not self.interactive:
            return
        entry = str(Path(path).resolve())
        files = [entry, *(f for f in self.recent_files() if f != entry)][:MAX_RECENT_FILES]
        self.settings.setValue(RECENT_FILES_KEY, files)
        self._rebuild_recent_menu()

    def clear_recent_files(self) -> None:
        self.settings.setValue(RECENT_FILES_KEY, SETTINGS_DEFAULTS[RECENT_FILES_KEY])
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        for i, f in enumerate(files):
            label = f"&{i + 1} {Path(f).name}" if i < 9 else Path(f).name
            action = menu.addAction(label)
            action.setObjectName("recentFileAction")
            action.setData(f)
            action.setToolTip(f)
            action.setStatusTip(f)
            action.triggered.connect(lambda _=False, p=f: self.open_file(p))
        if files:
            menu.addSeparator()
            clear = menu.addAction("&Clear Menu")
            clear.setObjectName("clearRecentAction")
            clear.triggered.connect(self.clear_recent_files)
        self._update_file_actions()

    def _update_file_actions(self) -> None:
        """New/Open/Recent/Examples are off while a run uses the project."""
        idle = not self.training_busy
        self.new_action.setEnabled(idle)
        self.open_action.setEnabled(idle)
        self.recent_menu.menuAction().setEnabled(idle and not self.recent_menu.isEmpty())
        self.examples_menu.menuAction().setEnabled(idle and not self.examples_menu.isEmpty())

    # ------------------------------------------------------------------ training

    def train(self, epochs: int | None = None) -> bool:
        """Start (or continue) training the document's project; False if it cannot start."""
        if self.controller.state is not RunState.IDLE:
            return False
        if self.insights.runs.comparing:
            self.statusBar().showMessage(COMPARING, 6000)
            return False
        if self.searching:
            self.statusBar().showMessage(SEARCHING, 6000)
            return False
        if self.experimenting:
            self.statusBar().showMessage(self.experiments.busy_message, 6000)
            return False
        if self.export_actions.busy:
            # The export reads the weights the run would change.
            self.statusBar().showMessage(EXPORT_BUSY, 6000)
            return False
        problems = self.document.problems()
        if problems:
            lines = "\n".join(f"• {p}" for p in problems)
            self._report_error("Cannot train yet", f"Fix these first:\n{lines}")
            return False
        self.last_finish = None
        self._run_project = self.document.project
        # Continuing keeps the weights when nothing but the epoch count changed;
        # otherwise the controller starts a fresh session. "Reset weights" starts over.
        # A model opened from a file: its weights start the first (fresh) run.
        weights = self.document.initial_weights
        extra = {"initial_weights": weights} if weights is not None else {}
        return self.controller.start(
            self.document.project, self.document.base_dir, epochs, continue_run=True, **extra
        )

    def _mark_stale_views(self, *_args: object) -> None:
        """After an edit of the network or data, the plots say they show the previous run."""
        shown, now = self._run_project, self.document.project
        if shown is None or self.controller.state is not RunState.IDLE:
            return
        if now.network != shown.network:
            self.plots.mark_previous_run("The network changed")
        elif now.data != shown.data:
            self.plots.mark_previous_run("The data changed")
        else:
            self.plots.mark_previous_run("")

    def _on_state(self, state: RunState) -> None:
        self.document.set_locked(state is not RunState.IDLE)
        self._update_file_actions()
        if state is RunState.PREPARING:
            text = "Preparing data and building the model…"
            if warnings := self.document.size_warnings():
                text += f" {warnings[0]}."
            self.statusBar().showMessage(text)
            self.throughput_label.setText("")

    def _on_comparing(self, _busy: bool) -> None:
        # The variants (and a search's trials) train beside the window's run, which waits.
        self.controls.set_train_blocked(self.insights.runs.comparing or self.searching or self.experimenting)
        self._update_file_actions()

    def _on_locked(self, locked: bool) -> None:
        stack = self.document.undo_stack
        self.undo_action.setEnabled(not locked and stack.canUndo())
        self.redo_action.setEnabled(not locked and stack.canRedo())
        if locked:
            self.statusBar().showMessage(RUN_LOCKED)
        else:
            self.statusBar().clearMessage()

    def _on_report(self, report: ChunkReport) -> None:
        if report.progress is not None:
            self.throughput_label.setText(f"{report.progress.samples_per_second:,.0f} samples/s")

    def _on_finished(self, report: RunFinished) -> None:
        self.last_finish = report
        text = finish_text(report)
        # The dock keeps the tab the user chose: raising another one after every
        # run took them away from the settings they were editing. Once per
        # window, say where the network's insides are.
        if (
            report.epochs_completed
            and not self._insights_hinted
            and self.insights_dock.visibleRegion().isEmpty()
        ):
            self._insights_hinted = True
            text += f" {INSIGHTS_HINT}"
        self.statusBar().showMessage(text, 15000)
        if report.reason is FinishReason.FAILED:
            self._report_error("Training failed", report.message)

    def _on_failed(self, message: str) -> None:
        self._report_error("Could not start training", message)

    # ------------------------------------------------------------------ about

    def show_about(self) -> None:
        show_about(self)

    # ------------------------------------------------------------------ window state

    def _restore_window(self) -> None:
        if not self.interactive:
            self.resize(1400, 900)
            return
        geometry = self.settings.value(WINDOW_GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.value(WINDOW_STATE_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, WINDOW_STATE_VERSION)

    def _save_window(self) -> None:
        if not self.interactive:
            return
        self.settings.setValue(WINDOW_GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(WINDOW_STATE_KEY, self.saveState(WINDOW_STATE_VERSION))
        self.settings.sync()

    # ------------------------------------------------------------------ recovery

    def ask_restore(self, recovery: Recovery) -> str:
        """Restore / Discard / Later for a recovery file: returns "restore", "discard" or "later"."""
        name = recovery.original.name if recovery.original else f"“{recovery.project.name}” (never saved)"
        box = QMessageBox(self)
        box.setObjectName("restoreDialog")
        box.setAccessibleName("Restore unsaved changes")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore unsaved changes?")
        box.setText(f"Restore unsaved changes from {recovery.time_text}?")
        box.setInformativeText(
            f"FFNN Studio did not close properly. Unsaved changes to {name} were kept."
        )
        answers = {}
        for key, label, role in (
            ("restore", "Restore", QMessageBox.ButtonRole.AcceptRole),
            ("discard", "Discard", QMessageBox.ButtonRole.DestructiveRole),
            ("later", "Later", QMessageBox.ButtonRole.RejectRole),
        ):
            button = box.addButton(label, role)
            button.setObjectName(f"{key}Button")
            answers[button] = key
        box.setDefaultButton(next(b for b, k in answers.items() if k == "restore"))
        box.exec()
        return answers.get(box.clickedButton(), "later")

    def offer_recovery(self) -> bool:
        """At start: offer the unsaved changes of windows that crashed, newest first.

        Restoring one ends the offers; "Later" keeps the file for the next launch.
        Returns True if changes were restored.
        """
        if self.autosave is None:
            return False
        for recovery in orphaned_recoveries(self.autosave.folder):
            answer = self.ask_restore(recovery)
            if answer == "later":
                return False
            if answer == "restore":
                self.document.restore(recovery.project, recovery.original)
                discard_recovery(recovery)
                self.statusBar().showMessage(f"Restored unsaved changes from {recovery.time_text}", 8000)
                return True
            discard_recovery(recovery)
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        if self.autosave is not None:
            self.autosave.shutdown()
        if self.search_dialog is not None:
            self.search_dialog.shutdown()
        self.experiments.shutdown()
        self.controller.shutdown()
        self._save_window()
        event.accept()
