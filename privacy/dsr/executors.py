"""The executor of each type of request: the function that carries it out.

``perform(request, contact, progress) -> dict`` runs inside the work task with
no outer transaction (short transactions and batches of its own), must be safe
to run twice (a retried task resumes, it does not redo or fail on what is
already gone: ``contact`` may then be None), reports its progress 0-100 through
``progress``, and returns counts (codes and numbers only) merged into the
request's ``counts``. It refuses with ``instaply.errors.Conflict`` when it
cannot proceed (a legal hold): the request is then paused with that message.

Registered by import path, so each executor's module can land on its own.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils.module_loading import import_string

from privacy.dsr.models import DataSubjectRequest

Type = DataSubjectRequest.Type
Executor = Callable[..., dict]

EXECUTORS: dict[str, str | Executor] = {
    Type.ACCESS: "privacy.dsr.package.build_access_package",
    Type.PORTABILITY: "privacy.dsr.package.build_access_package",
    Type.ERASURE: "privacy.dsr.erasure.erase_subject",
    Type.RECTIFICATION: "privacy.dsr.rectification.rectify",
    Type.RESTRICTION: "privacy.dsr.restriction.restrict",
    Type.OBJECTION: "privacy.dsr.restriction.object_to",
    Type.RESTRICTION_WITHDRAWAL: "privacy.dsr.restriction.lift_restriction",
    Type.OBJECTION_WITHDRAWAL: "privacy.dsr.restriction.withdraw_objection",
}


def executor_for(request_type: str) -> Executor:
    target = EXECUTORS[request_type]
    return import_string(target) if isinstance(target, str) else target


@contextmanager
def registered(request_type: str, executor: Executor | str) -> Iterator[None]:
    """Runs the block with ``executor`` carrying out ``request_type`` (tests, tools)."""
    before = EXECUTORS[request_type]
    EXECUTORS[request_type] = executor
    try:
        yield
    finally:
        EXECUTORS[request_type] = before
