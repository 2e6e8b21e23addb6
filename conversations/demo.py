"""Demo data of the conversations app: the demo shop's widget and canned replies."""

from conversations.models import CannedResponse, Label, Widget
from tenants.models import Shop

DEMO_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]


def demo_inbox_ensure(*, shop: Shop) -> Widget:
    """Idempotent: one widget usable from the demo's own pages, a few labels and replies."""
    widget = (
        Widget.objects.for_tenant(shop.tenant_id).filter(shop=shop).order_by("created_at").first()
    )
    if widget is None:
        widget = Widget.objects.create(
            tenant_id=shop.tenant_id,
            shop=shop,
            allowed_origins=DEMO_ORIGINS,
            greeting="Bonjour! Ask us about today's bread, cakes and orders.",
            pre_chat_fields=["name"],
        )
    elif set(DEMO_ORIGINS) - set(widget.allowed_origins):
        widget.allowed_origins = sorted(set(widget.allowed_origins) | set(DEMO_ORIGINS))
        widget.save(update_fields=["allowed_origins"])
    for name, colour in (("order", "#1f7a3d"), ("complaint", "#a3262a"), ("vip", "#7a4e00")):
        Label.objects.for_tenant(shop.tenant_id).get_or_create(
            tenant_id=shop.tenant_id, name=name, defaults={"colour": colour}
        )
    for shortcut, text in (
        ("hours", "We are open Monday to Friday 9:00-19:00 and Saturday 9:00-13:00."),
        ("ready", "Good news: your order is ready for pick-up."),
        ("thanks", "Thank you for your message, we will get back to you shortly."),
    ):
        CannedResponse.objects.for_tenant(shop.tenant_id).get_or_create(
            tenant_id=shop.tenant_id, shortcut=shortcut, defaults={"text": text}
        )
    if not shop.auto_reply_text:
        shop.auto_reply_text = "Thanks for writing! The bakery is closed now; we answer from 9:00."
        shop.help_text = "Demo Bakery: reply to chat with us. Text STOP to stop messages."
        shop.save(update_fields=["auto_reply_text", "help_text"])
    return widget
