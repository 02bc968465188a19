"""The desktop entry and application icon, and installing them for the user (XDG).

``ffnn-studio --install-desktop-entry`` copies ``resources/ffnn-studio.desktop``
to ``$XDG_DATA_HOME/applications`` and the icon (SVG and PNG sizes) to
``$XDG_DATA_HOME/icons/hicolor/<size>/apps``; ``XDG_DATA_HOME`` defaults to
``~/.local/share``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from ffnn_studio.config import DESKTOP_FILE_NAME
from ffnn_studio.core.atomic import atomic_write_bytes
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.examples import resources_dir

#: The icon's name in the icon theme, the .desktop file's name and its Icon= key
#: (the name the window tells the window manager, too).
APP_ID = DESKTOP_FILE_NAME
#: The PNG sizes shipped beside the SVG (pixels, square).
ICON_SIZES: tuple[int, ...] = (16, 32, 48, 64, 128, 256)
DESKTOP_ENTRY = f"{APP_ID}.desktop"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def icon_svg_path() -> Path:
    """The application icon, scalable."""
    return icons_dir() / f"{APP_ID}.svg"


def icon_png_path(size: int) -> Path:
    """The application icon rendered at ``size`` × ``size`` pixels."""
    return icons_dir() / f"{APP_ID}-{size}.png"


def desktop_file_path() -> Path:
    return resources_dir() / DESKTOP_ENTRY


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset, empty or relative."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    # The XDG base directory spec: a relative path is invalid and is ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def _installed_files(home: Path) -> list[tuple[Path | None, Path]]:
    """``(source, destination)`` of each installed file (no source: the desktop entry)."""
    icons = home / "icons" / "hicolor"
    files: list[tuple[Path | None, Path]] = [(None, home / "applications" / DESKTOP_ENTRY)]
    files.append((icon_svg_path(), icons / "scalable" / "apps" / f"{APP_ID}.svg"))
    files += [
        (icon_png_path(n), icons / f"{n}x{n}" / "apps" / f"{APP_ID}.png") for n in ICON_SIZES
    ]
    return files


def _exec_argument(path: str) -> str:
    """``path`` as the program of an ``Exec=`` line (desktop entry spec, "The Exec key")."""
    if re.fullmatch(r"[\w/.+,:@-]+", path):
        return path
    quoted = re.sub(r'(["`$\\])', r"\\\1", path).replace("%", "%%")
    # A string value's own escape (\\ for a backslash) applies before the quoting.
    return '"' + quoted.replace("\\", "\\\\") + '"'


def launcher_command() -> str | None:
    """The absolute path of the ``ffnn-studio`` command of this installation, if there is one.

    A desktop session's PATH rarely holds a virtual environment's scripts
    folder, so the installed entry names the command by its full path.
    """
    scripts = Path(sys.executable).parent
    for name in (APP_ID, f"{APP_ID}.exe"):
        candidate = scripts / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def desktop_entry_text(command: str | None = None) -> str:
    """The shipped desktop entry, with ``Exec``/``TryExec`` naming ``command`` when given."""
    text = desktop_file_path().read_text("utf-8")
    if command is None:
        return text
    program = _exec_argument(command)
    text = re.sub(r"(?m)^Exec=ffnn-studio\b", lambda _m: f"Exec={program}", text)
    try_exec = command.replace("\\", "\\\\")
    return re.sub(r"(?m)^TryExec=.*$", lambda _m: f"TryExec={try_exec}", text)


def install_desktop_entry(home: Path | None = None, command: str | None = None) -> list[Path]:
    """Write the desktop entry and the icons under ``home`` (default: ``data_home()``).

    Returns the files written. Each is written atomically; a folder that
    cannot be created or a file that cannot be written raises ``StudioError``.
    """
    home = data_home() if home is None else home
    command = launcher_command() if command is None else command
    written = []
    for source, target in _installed_files(home):
        if source is None:
            data = desktop_entry_text(command).encode("utf-8")
        else:
            try:
                data = source.read_bytes()
            except OSError as exc:
                raise StudioError(f"the bundled file {source} is missing: {exc.strerror}") from exc
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StudioError(f"could not create {target.parent}: {exc.strerror}") from exc
        atomic_write_bytes(target, data)
        written.append(target)
    return written


def uninstall_desktop_entry(home: Path | None = None) -> list[Path]:
    """Remove what ``install_desktop_entry`` wrote under ``home``; returns the files removed."""
    home = data_home() if home is None else home
    removed = []
    for _source, target in _installed_files(home):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StudioError(f"could not remove {target}: {exc.strerror}") from exc
        removed.append(target)
    return removed
