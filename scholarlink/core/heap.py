"""What a worker builds at start-up, set apart from the garbage collector.

A web worker holds about 280,000 long-lived objects (modules, the app and its pages, the essay
analyser's dictionaries). Python's full collection walks every tracked object: ~200 ms with the
GIL held, during which no event, request or task of that worker runs — a stall that falls on
whichever students are in flight, several times a minute under load. None of those objects
ever becomes garbage, so once start-up is done they are collected once and frozen (moved to the
permanent generation): later full collections walk only what was made since. Frozen objects
are still freed by reference counting; only cycles among them would stay."""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect once, then freeze everything alive; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
