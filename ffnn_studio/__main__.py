"""``python -m ffnn_studio``: the same as the ``ffnn-studio`` command."""

from __future__ import annotations

import sys

from ffnn_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
