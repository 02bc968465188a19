"""``python -m ffnn_studio``: the same as the ``ffnn-studio`` command.

Contract: delegates to ``cli.main``; nothing else.
"""

from __future__ import annotations

import sys

from ffnn_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
