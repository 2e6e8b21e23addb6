"""Every query of tenant data goes through ``.for_tenant(...)`` or through the one
named way out, ``.dangerously_unscoped(reason="...")``. The checker reads the
code; it is shown to catch each kind of unscoped query on small sources."""

import textwrap

import pytest

from tenants.models import Shop
from tests.scoping.checker import check_files, check_source, source_files


def findings(source: str) -> list[str]:
    return [str(f) for f in check_source(textwrap.dedent(source), path="fixture.py")]


def test_the_codebase_has_no_unscoped_query_of_tenant_data():
    scanned = list(source_files())
    # The walk reaches every app, down to views, pages, tasks and commands.
    names = {str(p) for p in scanned}
    for expected in (
        "web/conversation.py",
        "channels_sms/api/views.py",
        "conversations/selectors.py",
        "conversations/services/inbox.py",
        "audit/tasks.py",
        "channels_sms/management/commands/sms_deliveries.py",
    ):
        assert any(name.endswith(expected) for name in names), expected
    assert [str(f) for f in check_files(scanned)] == []


UNSCOPED = {
    "get by id": """
        from tenants.models import Shop
        def shop(data):
            return Shop.objects.get(pk=data["shop"])
    """,
    "all": """
        from conversations.models import Label
        def labels():
            return Label.objects.all()
    """,
    "filter then order": """
        from conversations.models import Label
        def labels():
            return Label.objects.filter(name="vip").order_by("name")
    """,
    "select_for_update chain": """
        from conversations.models import Message
        def lock(message_id):
            return Message.objects.select_for_update().filter(pk=message_id).first()
    """,
    "default manager": """
        from channels_sms.models import PhoneNumber
        def number(pk):
            return PhoneNumber._default_manager.get(pk=pk)
    """,
    "module attribute": """
        from conversations import models
        def labels():
            return models.Label.objects.filter(name="vip")
    """,
    "import inside the function, aliased": """
        def labels():
            from conversations.models import Label as L
            return L.objects.values_list("id", flat=True)
    """,
    "manager kept in a variable": """
        from conversations.models import Label
        def labels():
            rows = Label.objects
            return rows.filter(name="vip")
    """,
    "update without the tenant": """
        from conversations.models import WidgetVisitor
        def seen(pk, now):
            WidgetVisitor.objects.filter(pk=pk).update(last_seen_at=now)
    """,
    "get_or_create": """
        from conversations.models import ConversationLabel
        def link(conversation, label):
            ConversationLabel.objects.get_or_create(conversation=conversation, label=label)
    """,
    "reverse relation": """
        def labels(conversation):
            return list(conversation.labels.all())
    """,
    "tenant-owned rows outside TenantScopedModel": """
        from audit.models import SecurityAlert
        def alert(pk):
            return SecurityAlert.objects.filter(pk=pk).first()
    """,
    "a way out without a reason": """
        from tenants.models import Shop
        def shops():
            return Shop.objects.dangerously_unscoped(reason="").all()
    """,
    "a way out whose reason is not written out": """
        from tenants.models import Shop
        def shops(why):
            return Shop.objects.dangerously_unscoped(reason=why).all()
    """,
}


@pytest.mark.parametrize("source", UNSCOPED.values(), ids=UNSCOPED.keys())
def test_an_unscoped_query_is_a_finding(source):
    found = findings(source)
    assert len(found) == 1, found
    assert found[0].startswith("fixture.py:")


def test_a_finding_names_the_place_and_the_model():
    (finding,) = findings(UNSCOPED["get by id"])
    assert finding == (
        'fixture.py:4: Shop: query (get) without .for_tenant(...) or .dangerously_unscoped(reason="...")'
    )


SCOPED = {
    "for_tenant": """
        from conversations.models import Label
        def labels(tenant):
            return Label.objects.for_tenant(tenant).order_by("name")
    """,
    "for_tenant after a lock": """
        from conversations.models import Message
        def lock(message):
            return Message.objects.select_for_update().for_tenant(message.tenant_id).get(pk=message.pk)
    """,
    "the named way out": """
        from conversations.models import Widget
        def widget(key):
            return Widget.objects.dangerously_unscoped(reason="the public key finds its tenant").get(
                public_key=key
            )
    """,
    "handed to tenant_get": """
        from conversations.models import Conversation
        from tenants.scoping import tenant_get
        def conversation(tenant, id):
            return tenant_get(Conversation.objects.select_related("shop"), tenant=tenant, id=id)
    """,
    "narrowed for the body-id field, which adds the tenant": """
        from instaply.api.fields import TenantPrimaryKeyRelatedField
        from tenants.models import Membership
        assignee = TenantPrimaryKeyRelatedField(queryset=Membership.objects.filter(revoked_at=None))
    """,
    "an insert carries its tenant": """
        from conversations.models import Label
        def label(tenant):
            return Label.objects.create(tenant=tenant, name="vip")
    """,
    "a model that is not tenant data": """
        from tenants.models import Tenant, User
        def tenant(slug, email):
            return Tenant.objects.get(slug=slug), User.objects.filter(email=email).first()
    """,
    "a reverse relation bound to the tenant": """
        def labels(conversation):
            return list(conversation.labels.for_tenant(conversation.tenant_id))
    """,
    "an attribute that only shares a relation's name": """
        def texts(result):
            return result.messages
    """,
}


@pytest.mark.parametrize("source", SCOPED.values(), ids=SCOPED.keys())
def test_a_scoped_query_is_not_a_finding(source):
    assert findings(source) == []


@pytest.mark.django_db
def test_the_way_out_refuses_an_empty_reason():
    with pytest.raises(ValueError, match="needs a reason"):
        Shop.objects.dangerously_unscoped(reason=" ")
    assert list(Shop.objects.dangerously_unscoped(reason="a test counts every shop")) == []
