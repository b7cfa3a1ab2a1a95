from __future__ import annotations

import pytest

from .faketime import FakeTime


@pytest.fixture
def clock() -> FakeTime:
    """One fake timeline shared by a source and its fake server: no test really sleeps."""
    return FakeTime()
