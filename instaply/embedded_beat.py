"""The beat of the embedded default: ``CELERY_BEAT_SCHEDULE`` run inside the server.

Production runs ``celery beat`` beside its workers (docker-compose.yml). The
embedded default (`make run`, `make dev`: runserver on SQLite, tasks eager) has
neither, and without a beat snoozed conversations never wake, audit events are
never sealed and retention never runs. So the process that serves requests runs
one daemon thread that reads the same schedule, asks Celery's own schedule
objects (``schedule``, ``crontab``) when each entry is due, and runs the due
ones in-process with the task's eager ``apply``.

One task at a time, in one thread: SQLite takes one writer at a time, and the
requests being served come first. A database that is busy (locked) is tried
again a few seconds later rather than skipped until the next interval; any other
failure is logged and the entry waits for its next due time. The loop never
dies of a task.

Only ``instaply/management/commands/runserver.py`` starts it, in the process
that serves (the autoreloader's child, not its watcher), and only without a
broker: where a broker is configured, ``celery beat`` is the beat.
"""

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from celery.schedules import BaseSchedule, maybe_schedule
from celery.schedules import schedule as interval
from django.conf import settings
from django.db import OperationalError, close_old_connections, connections

log = logging.getLogger("instaply.embedded_beat")

# Longest sleep between two looks at the schedule: a changed clock is noticed soon.
MAX_SLEEP_SECONDS = 30.0
# A busy SQLite database is tried again this soon.
BUSY_RETRY_SECONDS = 5.0

_started: "EmbeddedBeat | None" = None
_start_lock = threading.Lock()


@dataclass
class Entry:
    name: str
    task: str
    schedule: BaseSchedule
    args: tuple
    kwargs: dict
    last_run_at: dt.datetime
    retry_at: dt.datetime | None = None  # set while the database is busy


def enabled() -> bool:
    """True where this process should run the schedule itself: no broker, and not off."""
    return (
        settings.EMBEDDED_BEAT
        and settings.CELERY_TASK_ALWAYS_EAGER
        and settings.CELERY_BROKER_URL.startswith("memory://")
    )


class EmbeddedBeat:
    def __init__(self, schedule: dict, app=None):
        from instaply.celery import app as default_app

        self.app = app or default_app
        # Where no worker starts, nothing has imported the apps' tasks modules yet
        # (the loader's import_default_modules would also set Django up again).
        self.app.autodiscover_tasks(force=True)
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None
        start = self.app.now()
        self.entries = []
        for name, spec in schedule.items():
            when = maybe_schedule(spec["schedule"], app=self.app)
            # Interval entries run at start, catching up on the time the server was
            # down (as a persistent celery beat does); crontab entries wait for
            # their next time.
            last = start - when.run_every if isinstance(when, interval) else start
            self.entries.append(
                Entry(
                    name=name,
                    task=spec["task"],
                    schedule=when,
                    args=tuple(spec.get("args", ())),
                    kwargs=dict(spec.get("kwargs", {})),
                    last_run_at=last,
                )
            )

    def tick(self) -> float:
        """Runs every entry that is due, one after the other; returns the seconds
        until the next look."""
        next_look = MAX_SLEEP_SECONDS
        for entry in self.entries:
            if self._stop.is_set():
                break
            now = self.app.now()
            if entry.retry_at is not None:
                due = entry.retry_at <= now
                wait = (entry.retry_at - now).total_seconds()
            else:
                due, wait = entry.schedule.is_due(entry.last_run_at)
            if due:
                self._run(entry, now)
                wait = BUSY_RETRY_SECONDS if entry.retry_at else entry.schedule.is_due(now)[1]
            next_look = min(next_look, max(float(wait), 0.1))
        return next_look

    def _run(self, entry: Entry, now: dt.datetime) -> None:
        # Connections are per thread: the beat tidies its own, never a caller's.
        own_thread = threading.current_thread() is self.thread
        if own_thread:
            close_old_connections()
        try:
            self.app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
        except OperationalError as error:
            if _busy(error):
                log.info("embedded beat: %s waits, the database is busy", entry.name)
                entry.retry_at = now + dt.timedelta(seconds=BUSY_RETRY_SECONDS)
                return
            log.exception("embedded beat: %s failed", entry.name)
        except Exception:
            log.exception("embedded beat: %s failed", entry.name)
        finally:
            if own_thread:  # no connection (nor SQLite lock) is held while it sleeps
                connections.close_all()
        entry.retry_at = None
        entry.last_run_at = now

    def run_forever(self) -> None:
        log.info("embedded beat: running %s", ", ".join(e.name for e in self.entries))
        while not self._stop.is_set():
            try:
                wait = self.tick()
            except Exception:  # a bug here must not end the schedule either
                log.exception("embedded beat: tick failed")
                wait = BUSY_RETRY_SECONDS
            self._stop.wait(wait)

    def start(self) -> "EmbeddedBeat":
        self.thread = threading.Thread(target=self.run_forever, name="embedded-beat", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout)


def start_if_embedded() -> EmbeddedBeat | None:
    """Starts the beat once in this process when `enabled()`; returns it (or None)."""
    global _started
    if not enabled():
        return None
    with _start_lock:
        if _started is None:
            _started = EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE).start()
        return _started


def _busy(error: OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message
