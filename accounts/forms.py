from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import Account, AvatarColour, Profile
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
        label="Kids profile", required=False, help_text="Shows only titles rated for children."
    )
    avatar_colour = forms.ChoiceField(
        label="Colour", choices=AvatarColour.choices, widget=forms.RadioSelect
    )
