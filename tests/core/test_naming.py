"""A project's name and description follow its data until the person names it."""

from __future__ import annotations

from dataclasses import replace

from ffnn_studio.core.examples import default_project, load_example
from ffnn_studio.core.naming import data_title, follow_data
from ffnn_studio.core.spec import BuiltinDataSource, CsvDataSource, Project

WINE = CsvDataSource(path="/data/wine.csv", target="target")


def test_a_csv_gives_an_example_project_its_file_name() -> None:
    spirals = default_project()
    assert spirals.name == "Two spirals"
    project = follow_data(spirals, WINE)
    assert project.data == WINE
    assert project.name == "Wine"
    assert "wine.csv" in project.description and "spirals" not in project.description.lower()
    # The next file renames it again: "Wine" was the previous file's name, not the person's.
    iris = follow_data(project, CsvDataSource(path="iris_flowers.csv", target="species"))
    assert iris.name == "Iris flowers" and "iris_flowers.csv" in iris.description


def test_every_example_and_the_default_name_follow_the_data() -> None:
    for example in ("digits", "surface"):
        assert follow_data(load_example(example), WINE).name == "Wine"
    assert follow_data(Project(), WINE).name == "Wine"
    assert follow_data(Project(), BuiltinDataSource("xor")).name == data_title(
        BuiltinDataSource("xor")
    )


def test_a_name_and_description_the_person_gave_stay() -> None:
    mine = replace(default_project(), name="My study", description="Notes of mine.")
    project = follow_data(mine, WINE)
    assert (project.name, project.description) == ("My study", "Notes of mine.")
    assert project.data == WINE


def test_the_same_data_again_changes_nothing() -> None:
    spirals = default_project()
    assert follow_data(spirals, spirals.data) == spirals


def test_title_of_a_windows_path() -> None:
    assert (
        data_title(CsvDataSource(path="C:\\data\\wine-quality_red.csv", target="q"))
        == "Wine quality red"
    )
