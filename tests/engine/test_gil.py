"""The shorter switch interval while tracing: applied, shared and restored."""

from __future__ import annotations

import sys
import threading

from ffnn_studio.engine.training.gil import short_switch_interval


def test_the_interval_is_short_within_and_restored_by_the_last_user():
    before = sys.getswitchinterval()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with short_switch_interval(0.002):
            entered.set()
            release.wait(10)

    t = threading.Thread(target=other)
    try:
        with short_switch_interval(0.002):
            assert sys.getswitchinterval() == 0.002
            t.start()
            assert entered.wait(10)
        assert sys.getswitchinterval() == 0.002  # the other thread is still inside
    finally:
        release.set()
        t.join(10)
    assert sys.getswitchinterval() == before


def test_an_error_inside_restores_the_interval():
    before = sys.getswitchinterval()
    try:
        with short_switch_interval(0.003):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert sys.getswitchinterval() == before
