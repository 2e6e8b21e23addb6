"""A member's saved views: their own, named once, codes and ids only."""

import pytest

from audit.models import AuditEvent
from instaply.errors import Conflict, Invalid, NotFound
from saved_views.models import SavedView
from saved_views.selectors import saved_view_get, saved_view_list
from saved_views.services import saved_view_create, saved_view_delete
from tenants.models import Role

pytestmark = pytest.mark.django_db


def test_views_are_each_members_own(tenant_a):
    agent, viewer = tenant_a.members[Role.AGENT], tenant_a.members[Role.VIEWER]
    view = saved_view_create(
        actor=agent, name=" Mine, open ", filters={"status": "open", "assignee": "me"}
    )
    assert view.name == "Mine, open" and view.filters == {"status": "open", "assignee": "me"}
    saved_view_create(actor=viewer, name="Mine, open", filters={})  # another member: fine
    assert [v.name for v in saved_view_list(member=agent)] == ["Mine, open"]
    with pytest.raises(NotFound):
        saved_view_get(member=viewer, id=view.id)
    with pytest.raises(Conflict):
        saved_view_create(actor=agent, name="Mine, open", filters={})
    assert AuditEvent.objects.filter(action="saved_view.created").count() == 2
    saved_view_delete(actor=agent, view=saved_view_get(member=agent, id=view.id))
    assert not SavedView.objects.for_tenant(tenant_a.tenant).filter(membership=agent).exists()
    assert AuditEvent.objects.filter(action="saved_view.deleted").count() == 1


def test_names_and_filters_are_checked(tenant_a, monkeypatch):
    agent = tenant_a.members[Role.AGENT]
    for name, filters in (("", {}), ("x" * 61, {}), ("ok", {"q": "+33612345678"})):
        with pytest.raises(Invalid):
            saved_view_create(actor=agent, name=name, filters=filters)
    from saved_views import services

    monkeypatch.setattr(services, "MAX_PER_MEMBER", 1)
    saved_view_create(actor=agent, name="one", filters={})
    with pytest.raises(Invalid):
        saved_view_create(actor=agent, name="two", filters={})
