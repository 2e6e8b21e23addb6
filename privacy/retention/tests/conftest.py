import pytest
import time_machine

from privacy.retention import deletion
from privacy.retention.tests.support import START, History


@pytest.fixture(autouse=True)
def no_giving_way(monkeypatch):
    """The run waits between batches so the inbox keeps its share; tests need not."""
    monkeypatch.setattr(deletion, "GIVE_WAY", 0.0)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def history(clock, tenant_a):
    return History(tenant_a)


@pytest.fixture
def history_b(clock, tenant_b):
    return History(tenant_b)
