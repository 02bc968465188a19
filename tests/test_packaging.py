"""The wheel lists every package of the source tree (a package left out would be missing when installed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_of_the_source_tree_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "ffnn_studio").rglob("__init__.py")
    }
    assert on_disk, "no packages found under ffnn_studio/"
    assert on_disk <= listed, f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
