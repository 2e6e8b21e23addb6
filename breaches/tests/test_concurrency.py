"""Two security people adding an update to one incident at once get numbers 1
and 2: the incident's row is the lock that numbers its updates.

Each person is a thread with its own PostgreSQL connection. SQLite serialises
every writer, so there is no race to show.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from breaches.models import IncidentUpdate
from breaches.services.notices import incident_update_add
from breaches.tests.conftest import AWARE
from breaches.tests.factories import incident_make
from conversations.tests.test_concurrency import WAIT, Worker, _waits_on_a_lock
from platform_staff.tests.disclosure_helpers import platform_person

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent PostgreSQL connections"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_updates_are_numbered_one_after_the_other():
    incident = incident_make(aware_at=AWARE)
    first_person, second_person = platform_person("security"), platform_person("security")
    added, commit = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            update = incident_update_add(
                incident=incident, staff=first_person, facts="First", now=timezone.now()
            )
            added.set()
            assert commit.wait(WAIT)
        return update.number

    def second():
        return incident_update_add(
            incident=incident, staff=second_person, facts="Second", now=timezone.now()
        ).number

    one = Worker(first)
    one.start()
    assert added.wait(WAIT)
    two = Worker(second)
    two.start()
    # The second waits on the incident's lock while the first has not committed.
    deadline = time.monotonic() + WAIT
    while not (two.backend_pid and _waits_on_a_lock(two.backend_pid)):
        assert time.monotonic() < deadline, "the second never waited on the lock"
        time.sleep(0.05)
    commit.set()
    assert (one.outcome(), two.outcome()) == (1, 2)
    numbers = IncidentUpdate.objects.filter(incident=incident).values_list("facts", "number")
    assert sorted(numbers) == [("First", 1), ("Second", 2)]
