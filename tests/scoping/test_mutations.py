"""The one-line scoping bugs that once left the whole suite green, applied one by
one: each must fail at least one test.

A mutation replaces one line of the real source. The scoping lint reads the
mutated module; where the bug also shows at run time, the mutated function is
compiled from the real one's source and swapped in, and the check that guards
it must fail. Each check also passes on the unmutated code (the plain tests below).
"""

import contextlib
import importlib
import inspect
import textwrap
from dataclasses import dataclass

import pytest

from channels_sms.models import PhoneNumber
from conversations.models import ConversationLabel, Label, Message
from conversations.tests.factories import MessageFactory
from tenants.models import Role
from tenants.scoping import TenantMismatch
from tests.isolation.walker import cross_tenant_references
from tests.scoping.checker import ROOT, check_source


@dataclass(frozen=True)
class Mutation:
    module: str
    function: str  # "name" or "Class.name", the function whose line changes
    old: str
    new: str
    check: str | None = None  # the run-time check below that must fail
    lint: bool = True  # the scoping lint names the mutated line

    def source(self) -> str:
        return (ROOT / (self.module.replace(".", "/") + ".py")).read_text()


MUTATIONS = {
    "a number's shop looked up from the body without the tenant": Mutation(
        "channels_sms.api.views",
        "PhoneNumberListApi.post",
        'shop=data["shop"],',
        'shop=Shop.objects.get(pk=request.data["shop"]),',
    ),
    "a body id resolved without the tenant by the shared field": Mutation(
        "instaply.api.fields",
        "TenantPrimaryKeyRelatedField.to_internal_value",
        "return tenant_get(self.base, tenant=self._tenant(), id=pk)",
        "return self.base._default_manager.get(pk=pk)",
        check="check_a_foreign_shop_in_the_body_is_a_field_error",
        lint=False,
    ),
    "the labels list shows every tenant's labels": Mutation(
        "conversations.selectors",
        "label_list",
        'return Label.objects.for_tenant(tenant).order_by("name")',
        'return Label.objects.order_by("name")',
        check="check_lists_show_only_the_tenant_own",
    ),
    "a delivery status applied without the tenant": Mutation(
        "channels_sms.services.inbound",
        "_apply_status",
        "messages = Message.objects.for_tenant(delivery.tenant_id).filter(",
        "messages = Message.objects.filter(",
        check="check_a_status_callback_stays_in_its_tenant",
    ),
    "tenant B's label attached to tenant A's conversation (the page)": Mutation(
        "conversations.api.views.conversations",
        "ConversationLabelApi._change",
        "label = label_get(tenant=self.tenant, id=label_id)",
        "from conversations.models import Label; label = Label.objects.get(pk=label_id)",
    ),
    "tenant B's label attached to tenant A's conversation (the service)": Mutation(
        "conversations.services.inbox",
        "conversation_label",
        "require_same_tenant(actor, conversation, label)",
        "pass",
        check="check_a_foreign_label_is_never_attached",
        lint=False,
    ),
    "a number moved into another tenant's shop": Mutation(
        "channels_sms.services.numbers",
        "phone_number_update",
        'require_same_tenant(actor, phone_number, changes.get("shop"))',
        "pass",
        check="check_a_number_never_moves_to_a_foreign_shop",
        lint=False,
    ),
}


def _mutated_function(mutation: Mutation):
    """The mutated function, compiled from the real one's source in its module."""
    module = importlib.import_module(mutation.module)
    owner, _, name = mutation.function.rpartition(".")
    holder = getattr(module, owner) if owner else module
    original = inspect.unwrap(getattr(holder, name))
    source = textwrap.dedent(inspect.getsource(original))
    assert source.count(mutation.old) == 1, f"{mutation.function} no longer has {mutation.old!r}"
    namespace = dict(vars(module))
    exec(compile(source.replace(mutation.old, mutation.new), module.__file__, "exec"), namespace)  # noqa: S102
    return holder, name, namespace[name]


def test_every_mutation_is_caught_by_the_lint_or_a_runtime_check():
    assert all(m.lint or m.check for m in MUTATIONS.values())


LINTED = {k: m for k, m in MUTATIONS.items() if m.lint}


@pytest.mark.parametrize("mutation", LINTED.values(), ids=LINTED.keys())
def test_the_scoping_lint_fails_on_each_mutation(mutation):
    source = mutation.source()
    assert source.count(mutation.old) == 1, f"{mutation.module} no longer has {mutation.old!r}"
    path = mutation.module.replace(".", "/") + ".py"
    assert check_source(source, path=path, module=mutation.module) == []
    mutated = source.replace(mutation.old, mutation.new)
    found = check_source(mutated, path=path, module=mutation.module)
    assert len(found) == 1, found
    assert mutated.splitlines()[found[0].line - 1].strip().endswith(mutation.new.strip()), found


RUNTIME = {k: m for k, m in MUTATIONS.items() if m.check}


@pytest.mark.django_db
@pytest.mark.parametrize("mutation", RUNTIME.values(), ids=RUNTIME.keys())
def test_a_runtime_check_fails_on_each_mutation(
    mutation, monkeypatch, request, without_row_security
):
    holder, name, mutated = _mutated_function(mutation)
    monkeypatch.setattr(holder, name, mutated)
    check = globals()[mutation.check]
    with pytest.raises(AssertionError):
        check(*(request.getfixturevalue(arg) for arg in inspect.signature(check).parameters))


@pytest.mark.django_db
@pytest.mark.parametrize("check", sorted({m.check for m in RUNTIME.values()}))
def test_each_runtime_check_passes_on_the_real_code(check, request):
    check = globals()[check]
    check(*(request.getfixturevalue(arg) for arg in inspect.signature(check).parameters))


# The run-time checks ------------------------------------------------------------------


def check_a_foreign_shop_in_the_body_is_a_field_error(tenant_a, tenant_b, own):
    response = tenant_a.client(Role.OWNER).post(
        "/api/v1/phone-numbers",
        {"shop": str(tenant_b.shop.id), "account": own["account_id"](), "number": "+15017122655"},
        format="json",
    )
    assert response.status_code == 400, response.status_code
    assert list(response.json()["error"]["fields"]) == ["shop"]


def check_lists_show_only_the_tenant_own(tenant_a, own, foreign):
    # The list endpoint the isolation walk reads (test_isolation_walk), on its own.
    content = tenant_a.client().get("/api/v1/labels").content.decode()
    assert own["label_id"]() in content
    assert foreign["label_id"]() not in content


def check_a_status_callback_stays_in_its_tenant(tenant_a, tenant_b, own):
    from channels_sms.models import WebhookDelivery
    from channels_sms.services.inbound import NotYet, delivery_process

    theirs = MessageFactory(
        conversation__tenant=tenant_b.tenant,
        conversation__shop=tenant_b.shop,
        direction=Message.Direction.OUTBOUND,
        sender_kind=Message.SenderKind.MEMBER,
        status=Message.Status.SENT,
        provider_message_id="SM" + "9" * 32,
    )
    # A delivery report reaches tenant A's number naming tenant B's message.
    event = WebhookDelivery.objects.create(
        tenant=tenant_a.tenant,
        provider="twilio",
        kind="status",
        provider_message_id=theirs.provider_message_id,
        provider_status="delivered",
        phone_number=PhoneNumber.objects.for_tenant(tenant_a.tenant).get(pk=own["number_id"]()),
        payload={"MessageSid": theirs.provider_message_id, "MessageStatus": "delivered"},
    )
    with contextlib.suppress(NotYet):  # no message of tenant A has this id: it waits
        delivery_process(delivery_id=event.pk)
    theirs.refresh_from_db()
    assert theirs.status == Message.Status.SENT, theirs.status


def check_a_foreign_label_is_never_attached(tenant_a, tenant_b, own):
    from conversations.selectors import conversation_get
    from conversations.services.inbox import conversation_label

    conversation = conversation_get(tenant=tenant_a.tenant, id=own["conversation_id"]())
    label = Label.objects.for_tenant(tenant_b.tenant).create(tenant=tenant_b.tenant, name="b's")
    with contextlib.suppress(TenantMismatch):
        conversation_label(
            actor=tenant_a.owner, conversation=conversation, label=label, present=True
        )
    assert not ConversationLabel.objects.for_tenant(tenant_a.tenant).filter(label=label).exists()
    assert cross_tenant_references() == []


def check_a_number_never_moves_to_a_foreign_shop(tenant_a, tenant_b, own):
    from channels_sms.services.numbers import phone_number_update

    number = PhoneNumber.objects.for_tenant(tenant_a.tenant).get(pk=own["number_id"]())
    with contextlib.suppress(TenantMismatch):
        phone_number_update(actor=tenant_a.owner, phone_number=number, shop=tenant_b.shop)
    number.refresh_from_db()
    assert number.shop_id == tenant_a.shop.id
    assert cross_tenant_references() == []
