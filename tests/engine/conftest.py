"""Fixtures shared by the engine's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def keras_registry():
    """Restore Keras's custom-object registry: a generated script registers its own step().

    The studio's own step is registered first, so it is part of what is restored:
    it registers once, when ``engine.activations`` is first imported, and a test
    that made that first import must not take the registration away from the
    tests after it.
    """
    import keras

    import ffnn_studio.engine.activations  # noqa: F401  (registers the studio's step)

    saved = dict(keras.saving.get_custom_objects())
    yield
    registry = keras.saving.get_custom_objects()
    registry.clear()
    registry.update(saved)
