"""The desktop entry and icon: what ships, and installing them for the user under XDG_DATA_HOME."""

from __future__ import annotations

import configparser
import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from ffnn_studio.cli import main
from ffnn_studio.core import desktop
from ffnn_studio.core.errors import StudioError

ROOT = Path(__file__).resolve().parents[2]


def read_entry(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def unquote_exec_program(value: str) -> str:
    """The program of an Exec= value, undoing the string escape and then the quoting."""
    value = value.replace("\\\\", "\\")
    if not value.startswith('"'):
        return value.split(" ")[0]
    end = re.match(r'"((?:[^"\\]|\\.)*)"', value)
    assert end, value
    return re.sub(r"\\(.)", r"\1", end.group(1)).replace("%%", "%")


def test_the_shipped_desktop_entry_has_the_keys_a_menu_needs() -> None:
    entry = read_entry(desktop.desktop_file_path().read_text("utf-8"))
    assert entry["Type"] == "Application"
    assert entry["Name"] == "FFNN Studio"
    assert entry["GenericName"] and entry["Comment"]
    assert entry["Exec"] == "ffnn-studio %f"
    assert entry["Icon"] == desktop.APP_ID
    assert entry["Terminal"] == "false"
    assert {"Education", "Science", "Development"} <= set(entry["Categories"].split(";"))
    assert entry["Categories"].endswith(";")


def test_the_icon_ships_as_svg_and_every_png_size() -> None:
    assert desktop.icon_svg_path().read_text("utf-8").lstrip().startswith("<?xml")
    for size in desktop.ICON_SIZES:
        data = desktop.icon_png_path(size).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (size, size)


def test_the_wheel_carries_every_resource_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["ffnn_studio.resources"]
    excluded = config["exclude-package-data"]["ffnn_studio.resources"]
    packages = set(config["packages"])
    resources = ROOT / "resources"
    for path in resources.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".py":
            continue
        relative = path.relative_to(resources).as_posix()
        if any(fnmatch.fnmatch(relative, pattern) for pattern in excluded):
            continue
        # setuptools's "**/" also matches files at the top of the package.
        assert any(
            fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(relative, p.removeprefix("**/"))
            for p in patterns
        ), relative
        folder = ".".join(("ffnn_studio.resources", *path.parent.relative_to(resources).parts))
        assert folder.rstrip(".") in packages, f"{folder} is not listed as a package"


def test_data_home_follows_xdg(tmp_path: Path) -> None:
    assert desktop.data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    default = Path.home() / ".local" / "share"
    assert desktop.data_home({}) == default
    assert desktop.data_home({"XDG_DATA_HOME": ""}) == default
    assert desktop.data_home({"XDG_DATA_HOME": "relative/dir"}) == default


def test_install_and_uninstall_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["--install-desktop-entry"]) == 0
    out = capsys.readouterr().out
    entry_file = tmp_path / "applications" / "ffnn-studio.desktop"
    icons = tmp_path / "icons" / "hicolor"
    expected = [entry_file, icons / "scalable" / "apps" / "ffnn-studio.svg"] + [
        icons / f"{n}x{n}" / "apps" / "ffnn-studio.png" for n in desktop.ICON_SIZES
    ]
    for path in expected:
        assert path.is_file(), path
        assert f"wrote {path}" in out
    for size in desktop.ICON_SIZES:
        assert (icons / f"{size}x{size}/apps/ffnn-studio.png").read_bytes() == (
            desktop.icon_png_path(size).read_bytes()
        )
    entry = read_entry(entry_file.read_text("utf-8"))
    assert entry["Exec"].endswith(" %f") and entry["Icon"] == "ffnn-studio"
    command = desktop.launcher_command()
    if command is not None:
        assert unquote_exec_program(entry["Exec"]) == command
    assert not list(tmp_path.rglob(".*.tmp*")), "a temporary file was left behind"

    assert main(["--uninstall-desktop-entry"]) == 0
    out = capsys.readouterr().out
    for path in expected:
        assert not path.exists()
        assert f"removed {path}" in out
    assert main(["--uninstall-desktop-entry"]) == 0
    assert "No desktop entry" in capsys.readouterr().out


def test_a_launcher_path_with_spaces_and_quotes_is_quoted(tmp_path: Path) -> None:
    odd = '/opt/my apps/"x"$HOME%1\\bin/ffnn-studio'
    desktop.install_desktop_entry(tmp_path, odd)
    entry = read_entry((tmp_path / "applications" / "ffnn-studio.desktop").read_text("utf-8"))
    assert entry["Exec"].startswith('"') and entry["Exec"].endswith('" %f')
    assert unquote_exec_program(entry["Exec"]) == odd
    assert entry["TryExec"].replace("\\\\", "\\") == odd


def test_an_unwritable_place_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "share"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(StudioError, match="could not create"):
        desktop.install_desktop_entry(blocker)
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["--install-desktop-entry"]) == 2
    assert "could not create" in capsys.readouterr().err
    assert blocker.read_text("utf-8") == "a file where a folder should be"


def test_the_desktop_options_take_no_other_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--install-desktop-entry", "x.ffnn.json"]) == 2
    assert main(["--install-desktop-entry", "--uninstall-desktop-entry"]) == 2
    assert "ffnn-studio:" in capsys.readouterr().err
