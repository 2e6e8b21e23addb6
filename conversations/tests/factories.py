import factory

from conversations.models import Contact, Conversation, Message
from instaply.ids import uuid7
from tenants.tests.factories import ShopFactory, TenantFactory


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.Sequence(lambda n: f"+3361234{n:04d}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    tenant = factory.SubFactory(TenantFactory)
    shop = factory.SubFactory(ShopFactory, tenant=factory.SelfAttribute("..tenant"))
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    channel = "widget"
    endpoint_id = factory.LazyFunction(uuid7)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    tenant = factory.SelfAttribute("conversation.tenant")
    conversation = factory.SubFactory(ConversationFactory)
    contact = factory.SelfAttribute("conversation.contact")
    direction = Message.Direction.INBOUND
    sender_kind = Message.SenderKind.CONTACT
    body = factory.Sequence(lambda n: f"Hello, is my order {n} ready?")
    status = Message.Status.RECEIVED
