from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.maturity import CEILING_CHOICES, NO_CEILING
from accounts.models import Account, AvatarColour, Profile
from accounts.preferences import (
    AUDIO_ORIGINAL,
    CAPTIONS_DEFAULT,
    CAPTIONS_OFF,
    PREFERENCE_FIELDS,
)
from streaming_portal.infra.languages import LANGUAGE_CHOICES
from streaming_portal.infra.text import adopt_text_rules

# The text rules live on the model fields (accounts/models.py); these forms adopt them, so a
# refused character (a NUL byte included) is refused here with the field named, before the
# services run.
EMAIL_RULES = Account._meta.get_field("email").validators
PROFILE_NAME_RULES = Profile._meta.get_field("name").validators


class SignUpForm(forms.Form):
    # 150: the e-mail becomes the username, and usernames hold 150 characters.
    email = adopt_text_rules(
        forms.EmailField(
            label="E-mail",
            max_length=150,
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        ),
        EMAIL_RULES,
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    profile_name = adopt_text_rules(
        forms.CharField(
            label="Your profile name",
            max_length=50,
            help_text="You can add the rest of the household next.",
        ),
        PROFILE_NAME_RULES,
    )


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail or username"


class ProfileForm(forms.Form):
    name = adopt_text_rules(forms.CharField(max_length=50), PROFILE_NAME_RULES)
    is_kids = forms.BooleanField(
        label="Kids profile",
        required=False,
        help_text="A simpler look and titles up to 7+; leaving it needs the account owner.",
    )
    max_maturity = forms.TypedChoiceField(
        label="Maturity ceiling",
        coerce=int,
        choices=CEILING_CHOICES,
        initial=NO_CEILING,
        required=False,
        empty_value=None,
        help_text="The highest rating this profile sees anywhere: rows, search and the player.",
    )
    avatar_colour = forms.ChoiceField(
        label="Colour", choices=AvatarColour.choices, widget=forms.RadioSelect
    )


class PinField(forms.CharField):
    """Four digits, typed on a phone's number pad; anything else is refused by the form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "PIN")
        super().__init__(
            min_length=4,
            max_length=4,
            strip=True,
            widget=forms.PasswordInput(
                attrs={
                    "inputmode": "numeric",
                    "pattern": "[0-9]{4}",
                    "autocomplete": "off",
                    "class": "pin-input",
                    "maxlength": "4",
                }
            ),
            error_messages={
                "min_length": "A PIN is exactly 4 digits.",
                "max_length": "A PIN is exactly 4 digits.",
                "required": "Type the 4-digit PIN.",
            },
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        text = str(super().clean(value))
        if not (text.isascii() and text.isdigit()):
            raise forms.ValidationError("A PIN is exactly 4 digits.")
        return text


class UnlockForm(forms.Form):
    """What opening a locked profile, or consenting as the owner, asks for: a PIN or, for
    the owner of a household without a management PIN, the account's password."""

    def __init__(self, *args: Any, ask_password: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_password:
            self.fields["secret"] = forms.CharField(
                label="Account password",
                strip=False,
                max_length=4096,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        else:
            self.fields["secret"] = PinField()


class PinSetForm(forms.Form):
    """Set or change a PIN: typed twice, and confirmed with the account's password."""

    pin = PinField(label="New PIN")
    pin_again = PinField(label="New PIN again")
    password = forms.CharField(
        label="Account password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Only the account owner can set PINs.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pin") and data.get("pin_again") and data["pin"] != data["pin_again"]:
            self.add_error("pin_again", "The two PINs differ.")
        return data


class PinRemoveForm(forms.Form):
    password = forms.CharField(
        label="Account password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PreferencesForm(forms.ModelForm):  # type: ignore[type-arg]
    caption_language = forms.ChoiceField(
        label="Subtitles",
        required=False,
        choices=[
            (CAPTIONS_DEFAULT, "As each title suggests"),
            (CAPTIONS_OFF, "Off"),
            *LANGUAGE_CHOICES,
        ],
        help_text="Shown when a title has them; otherwise the title's own choice.",
    )
    audio_language = forms.ChoiceField(
        label="Audio",
        required=False,
        choices=[(AUDIO_ORIGINAL, "Original language"), *LANGUAGE_CHOICES],
        help_text="Used when a title offers more than one audio track.",
    )

    class Meta:
        model = Profile
        fields = PREFERENCE_FIELDS
        labels = {
            "caption_size": "Text size",
            "caption_colour": "Text colour",
            "caption_background": "Background",
            "caption_edge": "Text edge",
        }
