"""The cluster a multi-worker run belongs to, read from TensorFlow's standard ``TF_CONFIG``.

Contract: parses and checks the variable before TensorFlow is imported, so a
mistake in it is reported at once. Pure Python; no TensorFlow, no Qt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from ffnn_studio.core.errors import StudioError

#: The variable that describes a multi-worker cluster (TensorFlow's standard).
TF_CONFIG_ENV = "TF_CONFIG"


def cluster_spec(environ: Mapping[str, str] = os.environ) -> dict[str, Any] | None:
    """The parsed ``TF_CONFIG`` (None if unset); a StudioError names what is wrong with it."""
    text = environ.get(TF_CONFIG_ENV, "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StudioError(f"{TF_CONFIG_ENV} is not JSON: {exc}") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        raise StudioError(f'{TF_CONFIG_ENV} needs a "cluster" object, e.g. {{"worker": ["host1:port", ...]}}')
    task = config.get("task")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise StudioError(f'{TF_CONFIG_ENV} needs a "task" object, e.g. {{"type": "worker", "index": 0}}')
    jobs = config["cluster"].get(task["type"])
    if not isinstance(jobs, list) or not 0 <= int(task["index"]) < len(jobs):
        raise StudioError(
            f"{TF_CONFIG_ENV}: task {task['type']} {task['index']} is not in the cluster's list of "
            f"{task['type']} addresses"
        )
    return config
