from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from tenants.models.access import EMAIL_MAX_LENGTH


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "New here: choose at least 10 characters. Already have an account: its password."
        ),
    )


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app, or (in a fold-out) one recovery code."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("code") or data.get("recovery_code")):
            raise forms.ValidationError(_("Enter a code."))
        return data

    @property
    def given(self) -> str:
        return self.cleaned_data.get("code") or self.cleaned_data.get("recovery_code") or ""


class AuthenticatorConfirmForm(forms.Form):
    """Confirms a new authenticator; replacing one also needs a code of the current one."""

    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
    current_code = forms.CharField(
        label=_("Code from your current authenticator, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, replacing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not replacing:
            del self.fields["current_code"]


def _time_zone_choices():
    import zoneinfo

    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("SystemV")
    )
    return [("", _("This device's time zone")), *[(z, z.replace("_", " ")) for z in zones]]


class PreferencesForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("The browser's language")),
            *settings.LANGUAGES,
        ]
        self.fields["time_zone"].choices = _time_zone_choices()


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What it is for, e.g. “CRM sync”."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=EMAIL_MAX_LENGTH)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["role"].initial = "agent"


class ShopForm(forms.Form):
    """A shop's name, time zone, opening hours (two intervals a day) and texts."""

    name = forms.CharField(label=_("Name"), max_length=120)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    auto_reply_text = forms.CharField(
        label=_("Automatic reply outside business hours"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent once per closed period to whoever writes. Leave empty for none."),
    )
    help_text = forms.CharField(
        label=_("Answer to HELP over SMS"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    SLOTS = (1, 2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _time_zone_choices()[1:]
        self.fields["time_zone"].initial = "Europe/Paris"
        for day in self.DAYS:
            for slot in self.SLOTS:
                for edge in ("open", "close"):
                    self.fields[f"{day}_{slot}_{edge}"] = forms.TimeField(
                        required=False,
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    @classmethod
    def initial_for(cls, shop) -> dict:
        initial = {
            "name": shop.name,
            "time_zone": shop.time_zone,
            "auto_reply_text": shop.auto_reply_text,
            "help_text": shop.help_text,
        }
        for day, intervals in (shop.business_hours or {}).items():
            for slot, (opens, closes) in zip(cls.SLOTS, intervals, strict=False):
                initial[f"{day}_{slot}_open"] = opens
                initial[f"{day}_{slot}_close"] = closes
        return initial

    def rows(self):
        """(day, [(open field, close field), ...]) for the hours table."""
        return [
            (day, [(self[f"{day}_{s}_open"], self[f"{day}_{s}_close"]) for s in self.SLOTS])
            for day in self.DAYS
        ]

    def clean(self):
        data = super().clean()
        self.hours = {}
        for day in self.DAYS:
            intervals = []
            for slot in self.SLOTS:
                opens, closes = data.get(f"{day}_{slot}_open"), data.get(f"{day}_{slot}_close")
                if opens and closes:
                    intervals.append([opens.strftime("%H:%M"), closes.strftime("%H:%M")])
                elif opens or closes:
                    self.add_error(
                        f"{day}_{slot}_open", _("Give both the opening and the closing time.")
                    )
            if intervals:
                self.hours[day] = intervals
        from tenants.business_hours import business_hours_problems

        # Said beside the day's opening it is about, in the reader's words.
        for problem in business_hours_problems(self.hours):
            slot = (problem.opening or 0) + 1
            field = f"{problem.day}_{slot}_open" if problem.day else None
            self.add_error(field if field in self.fields else None, problem.message)
        return data

    def service_fields(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "time_zone": self.cleaned_data["time_zone"],
            "auto_reply_text": self.cleaned_data["auto_reply_text"],
            "help_text": self.cleaned_data["help_text"],
            "business_hours": self.hours,
        }


class NumberForm(forms.Form):
    number = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("International format, e.g. +33 1 23 45 67 89."),
    )
    shop = forms.ChoiceField(label=_("Shop"))
    account = forms.ChoiceField(label=_("Provider account"))

    def __init__(self, *args, shops, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [(str(s.id), s.name) for s in shops]
        self.fields["account"].choices = [
            (str(a.id), f"{a.get_provider_display()} {a.name or a.account_ref}") for a in accounts
        ]


COLOUR_HELP = _("A colour like #1f5fbf.")


class WidgetForm(forms.Form):
    allowed_origins = forms.CharField(
        label=_("Websites allowed to show the chat"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        required=False,
        help_text=_("One origin a line, like https://www.my-shop.example"),
    )
    greeting = forms.CharField(label=_("Greeting"), max_length=300)
    colour = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    text_colour = forms.RegexField(
        label=_("Text colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    pre_chat_fields = forms.MultipleChoiceField(
        label=_("Ask before the chat starts"),
        choices=[("name", _("Name")), ("email", _("Email"))],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age_gate = forms.BooleanField(label=_("Ask visitors their age"), required=False)
    special_category_consent = forms.BooleanField(
        label=_("Ask for consent before visitors send sensitive data"), required=False
    )
    special_category_text = forms.CharField(
        label=_("Consent text"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'Shown beside the checkbox, e.g. "I agree that the shop processes the health '
            'details I give in this chat to answer me." Changing it starts a new version.'
        ),
    )
    active = forms.BooleanField(label=_("Chat switched on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The widget speaks the visitor's language: the tenant's texts per language
        # (greeting_fr, away_fr...), each optional (conversations.widget.language).
        for code, _name in settings.LANGUAGES:
            language = get_language_info(code)["name_translated"]
            self.fields[f"greeting_{code}"] = forms.CharField(
                label=_("Greeting (%(language)s)") % {"language": language},
                max_length=300,
                required=False,
            )
            self.fields[f"away_{code}"] = forms.CharField(
                label=_("Closed message (%(language)s)") % {"language": language},
                max_length=600,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def language_fields(self) -> list[tuple]:
        """(greeting field, away field) per language, for the template."""
        return [(self[f"greeting_{c}"], self[f"away_{c}"]) for c, _n in settings.LANGUAGES]

    @classmethod
    def initial_for(cls, widget) -> dict:
        per_language = {}
        for code, _name in settings.LANGUAGES:
            per_language[f"greeting_{code}"] = widget.greetings.get(code, "")
            per_language[f"away_{code}"] = widget.away_messages.get(code, "")
        return per_language | {
            "allowed_origins": "\n".join(widget.allowed_origins),
            "greeting": widget.greeting,
            "colour": widget.colour,
            "text_colour": widget.text_colour,
            "pre_chat_fields": widget.pre_chat_fields,
            "age_gate": widget.age_gate,
            "special_category_consent": widget.special_category_consent,
            "special_category_text": widget.special_category_text,
            "active": widget.active,
        }

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["allowed_origins"] = [
            line.strip() for line in data["allowed_origins"].splitlines() if line.strip()
        ]
        data["greetings"], data["away_messages"] = {}, {}
        for code, _name in settings.LANGUAGES:
            data["greetings"][code] = data.pop(f"greeting_{code}", "")
            data["away_messages"][code] = data.pop(f"away_{code}", "")
        return data


class ProviderAccountForm(forms.Form):
    """Connects a Twilio or Vonage account; its secrets go in and never come out."""

    provider = forms.ChoiceField(
        label=_("Provider"), choices=[("twilio", "Twilio"), ("vonage", "Vonage")]
    )
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    account_ref = forms.CharField(
        label=_("Account SID (Twilio) or API key (Vonage)"), max_length=64
    )
    auth_token = forms.CharField(
        label=_("Auth token (Twilio) or API secret (Vonage)"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    signature_secret = forms.CharField(
        label=_("Signature secret (Vonage)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
