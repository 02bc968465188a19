"""One rule turns a project's name into file names and the Keras model's name."""

from __future__ import annotations

import pytest

from ffnn_studio.core.naming import slugify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two spirals", "two_spirals"),
        ("  Tiny XOR (v2)!  ", "tiny_xor_v2"),
        ("a/b\\c", "a_b_c"),
        ("keep-hyphens_and_underscores", "keep-hyphens_and_underscores"),
        ("Größe", "größe"),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_an_empty_name_takes_the_fallback() -> None:
    assert slugify("  ?! ") == "model"
    assert slugify("", "ffnn") == "ffnn"

