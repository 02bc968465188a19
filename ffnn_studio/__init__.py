"""FFNN Studio: build, train, inspect and export feed-forward neural networks.

Importing the package is cheap: it does not import TensorFlow. It does make
sure that, whenever Keras gets imported, the studio's one custom object (the
step activation) is registered with it, so that ``import ffnn_studio`` is all
a plain Python session needs to ``keras.models.load_model`` a studio model
that uses step units.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

__version__ = "0.1.0"

_KERAS = "keras"


def _register_custom_objects() -> None:
    from ffnn_studio.engine import activations  # noqa: F401  (registers on import)


class _RegisterAfterKerasImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of ``keras`` so that, once Keras
    has finished importing, the studio's custom objects are registered."""

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[override]
        if fullname != _KERAS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _RegisteringLoader(spec.loader)
                return spec
        return None


class _RegisteringLoader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        _uninstall_hook()
        _register_custom_objects()


def _uninstall_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _RegisterAfterKerasImport)]


if _KERAS in sys.modules:
    _register_custom_objects()
elif not any(isinstance(f, _RegisterAfterKerasImport) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterAfterKerasImport())
