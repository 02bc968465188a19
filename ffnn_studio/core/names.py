"""Names derived from a project's name: the one rule for file names and Keras model names.

Contract: pure Python, no Qt, no TensorFlow. The export dialog's suggested
file names, the generated script's default output and the Keras model's name
(the builder's and the generated script's alike) all come from ``slugify``,
so one project has one name everywhere.
"""

from __future__ import annotations

import re


def slugify(text: str, fallback: str = "model") -> str:
    """A lower-case, file-name-safe and Keras-safe form: ``Two spirals`` → ``two_spirals``.

    Runs of anything but letters, digits, ``_`` and ``-`` become one ``_``;
    ``fallback`` stands in when nothing is left.
    """
    slug = re.sub(r"[^\w-]+", "_", text.strip()).strip("_-").lower()
    return slug or fallback
