"""Python's garbage collector, set once per process for batch work (issue 17).

After start-up a process holds ~100,000 objects (SQLAlchemy's and Bolt's modules, the
mappers, the engine) that live as long as it does, and every full collection walked them
all again: a third of applying a batch of claims went to the collector. `gc.freeze()`
after wiring moves them out of its sight, and a young generation of 10,000 allocations
instead of 700 lets a batch's short-lived objects die before a collection looks at them.
Cycles are still found and freed; memory stays flat (bench/apply_claims.py prints RSS).
"""

from __future__ import annotations

import gc
import threading

YOUNG = 10_000  # allocations between two young collections (Python's default: 700)

_lock = threading.Lock()
_done = False


def tune() -> None:
    """Freeze what start-up made and widen the young generation; once per process (later
    calls, e.g. a second `build()` in tests, change nothing)."""
    global _done
    with _lock:
        if _done:
            return
        _done = True
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
