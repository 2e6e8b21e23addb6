"""SMS numbers in the admin, for platform superusers: how the platform's own
provider accounts and their numbers are assigned to tenants. Secrets and
webhook payloads never appear here."""

from django import forms
from django.contrib import admin

from channels_sms.models import PhoneNumber, ProviderAccount
from instaply.errors import Invalid
from privacy.blind_index import normalise_phone


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    list_display = ("provider", "account_ref", "tenant", "platform_owned", "active")
    list_filter = ("provider", "platform_owned", "active")
    search_fields = ("=account_ref",)
    # The secrets are excluded: tenants set their own through the API, the
    # platform's come from settings.
    fields = ("tenant", "provider", "name", "account_ref", "platform_owned", "active")


class PhoneNumberForm(forms.ModelForm):
    class Meta:
        model = PhoneNumber
        fields = ("tenant", "shop", "account", "number", "messaging_service_sid", "active")

    def clean_number(self):
        try:
            return normalise_phone(self.cleaned_data["number"])
        except Invalid as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        tenant, shop, account = data.get("tenant"), data.get("shop"), data.get("account")
        if tenant and shop and shop.tenant_id != tenant.pk:
            self.add_error("shop", "This shop belongs to another tenant.")
        if tenant and account and account.tenant_id != tenant.pk:
            self.add_error("account", "This account belongs to another tenant.")
        return data

    def save(self, commit=True):
        self.instance.provider = self.instance.account.provider
        return super().save(commit)


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    form = PhoneNumberForm
    list_display = ("number", "provider", "tenant", "shop", "active")
    list_filter = ("provider", "active")
    search_fields = ("=number", "=messaging_service_sid")
    list_select_related = ("tenant", "shop")
