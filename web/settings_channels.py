"""Settings for owners and admins: shops and their hours, SMS numbers, the chat widget."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels_sms import selectors as sms_selectors
from channels_sms.services import numbers as number_services
from channels_sms.webhooks.addresses import webhook_urls
from conversations import selectors as conversation_selectors
from conversations.widget import admin_services as widget_services
from instaply.errors import DomainError
from tenants import selectors
from tenants.permissions import Capability
from tenants.services import tenancy as shop_services
from web import labels
from web.forms import NumberForm, ProviderAccountForm, ShopForm, WidgetForm
from web.tenancy import member_required

MANAGE = Capability.CHANNELS_MANAGE


def _page(request, template: str, tab: str, context: dict):
    return render(request, template, context | {"section": "settings", "tab": tab})


def _form_error(form, error: DomainError) -> None:
    """Each problem said once: beside its field when the form has it, otherwise
    on top, after the error's own message."""
    beside = {f: p for f, p in (error.fields or {}).items() if f in form.fields}
    elsewhere = [p for f, ps in (error.fields or {}).items() if f not in beside for p in ps]
    for field, problems in beside.items():
        for problem in problems:
            form.add_error(field, problem)
    if elsewhere or not beside:
        form.add_error(None, labels.domain_error_message(error))
    for problem in elsewhere:
        form.add_error(None, problem)


@member_required(MANAGE)
def shops(request):
    form = ShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_services.shop_create(
                tenant=request.tenant, actor=request.membership, **form.service_fields()
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Shop %(name)s created.") % {"name": shop.name})
            return redirect("web:shop", shop_id=shop.id)
    return _page(
        request,
        "web/settings/shops.html",
        "shops",
        {"shops": selectors.shop_list(tenant=request.tenant), "form": form},
    )


@member_required(MANAGE)
def shop_edit(request, shop_id):
    shop = selectors.shop_get(tenant=request.tenant, id=shop_id)
    form = ShopForm(request.POST or None, initial=ShopForm.initial_for(shop))
    if request.method == "POST" and form.is_valid():
        try:
            shop_services.shop_update(shop=shop, actor=request.membership, **form.service_fields())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Shop saved."))
            return redirect("web:shop", shop_id=shop.id)
    return _page(
        request,
        "web/settings/shop.html",
        "shops",
        {"shop": shop, "form": form, "weekdays": labels.WEEKDAYS},
    )


@member_required(MANAGE)
def numbers(request):
    shops = list(selectors.shop_list(tenant=request.tenant))
    accounts = [a for a in sms_selectors.provider_account_list(tenant=request.tenant) if a.active]
    form = NumberForm(request.POST or None, shops=shops, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Ids from the form are looked up inside the member's tenant.
            number = number_services.phone_number_create(
                actor=request.membership,
                shop=selectors.shop_get(tenant=request.tenant, id=data["shop"]),
                account=sms_selectors.provider_account_get(
                    tenant=request.tenant, id=data["account"]
                ),
                number=data["number"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Number %(number)s added.") % {"number": number.number})
            return redirect("web:numbers")
    shop_names = {shop.id: shop.name for shop in shops}
    rows = list(sms_selectors.phone_number_list(tenant=request.tenant)[:200])
    for row in rows:
        row.shop_name = shop_names.get(row.shop_id, "")
    for account in accounts:
        account.webhooks = webhook_urls(account.provider)
    return _page(
        request,
        "web/settings/numbers.html",
        "numbers",
        {
            "numbers": rows,
            "accounts": accounts,
            "form": form,
            "account_form": ProviderAccountForm(),
        },
    )


@require_POST
@member_required(MANAGE)
def provider_account_add(request):
    form = ProviderAccountForm(request.POST)
    if form.is_valid():
        try:
            account = number_services.provider_account_create(
                actor=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, labels.domain_error_message(error))
        else:
            messages.success(
                request,
                _("%(provider)s account connected. Give it the webhook addresses below.")
                % {"provider": account.get_provider_display()},
            )
    else:
        messages.error(request, _("Fill in the account's identifier and secret."))
    return redirect("web:numbers")


@require_POST
@member_required(MANAGE)
def number_active(request, number_id):
    number = sms_selectors.phone_number_get(tenant=request.tenant, id=number_id)
    active = request.POST.get("active") == "true"
    try:
        number_services.phone_number_update(
            actor=request.membership, phone_number=number, active=active
        )
    except DomainError as error:
        messages.error(request, labels.domain_error_message(error))
    else:
        messages.success(
            request,
            _("%(number)s is active again.") % {"number": number.number}
            if active
            else _("%(number)s is deactivated: it neither sends nor receives.")
            % {"number": number.number},
        )
    return redirect("web:numbers")


@member_required(MANAGE)
def widgets(request):
    shops = list(selectors.shop_list(tenant=request.tenant))
    if request.method == "POST":
        shop = selectors.shop_get(tenant=request.tenant, id=request.POST.get("shop", ""))
        widget = widget_services.widget_create(actor=request.membership, shop=shop)
        messages.success(request, _("Chat widget created for %(shop)s.") % {"shop": shop.name})
        return redirect("web:widget", widget_id=widget.id)
    rows = list(conversation_selectors.widget_list(tenant=request.tenant))
    return _page(request, "web/settings/widgets.html", "widget", {"widgets": rows, "shops": shops})


@member_required(MANAGE)
def widget_edit(request, widget_id):
    widget = conversation_selectors.widget_get(tenant=request.tenant, id=widget_id)
    form = WidgetForm(request.POST or None, initial=WidgetForm.initial_for(widget))
    if request.method == "POST" and form.is_valid():
        try:
            widget_services.widget_update(
                actor=request.membership, widget=widget, **form.service_fields()
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Chat widget saved."))
            return redirect("web:widget", widget_id=widget.id)
    return _page(
        request,
        "web/settings/widget.html",
        "widget",
        {"widget": widget, "form": form, "snippet": widget_services.widget_snippet(widget)},
    )
