"""The bundled examples as a menu lists them: by the projects' own titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from ffnn_studio.core import examples
from ffnn_studio.core.examples import example_menu_entries, list_examples, load_example


def test_menu_entries_are_the_projects_titles_sorted() -> None:
    entries = example_menu_entries()
    assert sorted(name for _, name in entries) == list_examples()
    for title, name in entries:
        assert title == load_example(name).name
        assert not title.endswith(".json")
    titles = [title for title, _ in entries]
    assert titles == sorted(titles, key=str.casefold)
    assert "Two spirals" in titles


def test_an_example_that_does_not_load_keeps_its_file_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_one.ffnn.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "ok.ffnn.json").write_text(
        examples.example_path("spirals").read_text("utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(examples, "examples_dir", lambda: tmp_path)
    assert example_menu_entries() == [
        ("broken one", "broken_one.ffnn.json"),
        ("Two spirals", "ok.ffnn.json"),
    ]
