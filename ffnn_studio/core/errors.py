"""The one exception type for mistakes a user can make and fix.

Contract: standard library only.
"""

from __future__ import annotations


class StudioError(Exception):
    """A problem the user caused and can act on: bad file, bad setting, bad data.

    The message is written for a person; the window shows it in a dialog or
    inline, the CLI prints it and exits with status 2. ``where`` optionally
    names the place (a JSON path, a layer, a CSV row) the message is about.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def clip(text: object, limit: int = 120) -> str:
    """``text`` shortened in the middle to at most ``limit`` characters, for messages."""
    text = str(text)
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3 :]
