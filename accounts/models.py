"""Households: the Netflix-style document's Accounts (billing) and Profiles (usage)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.maturity import CEILING_CHOICES, KIDS_CEILING, NO_CEILING
from accounts.preferences import (
    CAPTIONS_DEFAULT,
    CaptionBackground,
    CaptionColour,
    CaptionEdge,
    CaptionSize,
)
from accounts.querysets import ProfileQuerySet
from streaming_portal.infra.constraint_errors import ConstraintErrorsOnFields
from streaming_portal.infra.text import single_line


class SubscriptionPlan(models.TextChoices):
    BASIC = "BASIC", "Basic"
    STANDARD = "STANDARD", "Standard"
    PREMIUM = "PREMIUM", "Premium"


# What each plan allows: (profiles, concurrent streams).
PLAN_LIMITS: dict[str, tuple[int, int]] = {
    SubscriptionPlan.BASIC: (3, 1),
    SubscriptionPlan.STANDARD: (5, 2),
    SubscriptionPlan.PREMIUM: (5, 4),
}


class AccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    PAST_DUE = "PAST_DUE", "Payment overdue"
    CANCELLED = "CANCELLED", "Cancelled"


class AvatarColour(models.TextChoices):
    RED = "red", "Red"
    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    PURPLE = "purple", "Purple"
    TEAL = "teal", "Teal"


class Account(ConstraintErrorsOnFields):
    """The billing entity: one per household, owned by the user who signed up."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    email = models.EmailField(
        validators=[single_line("E-mail")],
        help_text="Where the household's bills and password resets go.",
    )
    subscription_plan = models.CharField(
        max_length=10, choices=SubscriptionPlan.choices, default=SubscriptionPlan.STANDARD
    )
    status = models.CharField(
        max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    management_pin_hash = models.CharField(
        max_length=128,
        blank=True,
        editable=False,
        help_text="The hashed 4-digit PIN that guards profile management (empty: none).",
    )

    constraint_fields: ClassVar[dict[str, str]] = {"email_ci_unique": "email"}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_account_email_ci_unique",
                violation_error_message="An account with this e-mail address already exists.",
            ),
            models.CheckConstraint(
                condition=Q(subscription_plan__in=["BASIC", "STANDARD", "PREMIUM"]),
                name="accounts_account_plan_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["ACTIVE", "PAST_DUE", "CANCELLED"]),
                name="accounts_account_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def profile_limit(self) -> int:
        return PLAN_LIMITS[self.subscription_plan][0]

    @property
    def stream_limit(self) -> int:
        return PLAN_LIMITS[self.subscription_plan][1]

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE


# A caption or audio language a profile may store: empty, "off" (captions only) or ISO 639-1.
LANGUAGE_PREFERENCE = r"^([a-z]{2})?$"


class Profile(ConstraintErrorsOnFields):
    """Who is watching: a member of the household, with its ceiling, lock and preferences."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(
        max_length=50, validators=[single_line("Name")], help_text="Unique within the household."
    )
    is_kids = models.BooleanField(
        default=False,
        help_text="Kids mode: a simpler look, titles up to 7+, and no way out without the "
        "account owner.",
    )
    max_maturity = models.PositiveSmallIntegerField(
        "maturity ceiling",
        choices=CEILING_CHOICES,
        default=NO_CEILING,
        help_text="The highest rating this profile sees, everywhere: rows, search, the player.",
    )
    avatar_colour = models.CharField(
        max_length=10, choices=AvatarColour.choices, default=AvatarColour.BLUE
    )
    pin_hash = models.CharField(
        max_length=128,
        blank=True,
        editable=False,
        help_text="The hashed 4-digit PIN asked before this profile opens (empty: none).",
    )
    caption_language = models.CharField(
        max_length=3,
        blank=True,
        default=CAPTIONS_DEFAULT,
        help_text='An ISO 639-1 code, "off", or empty to follow each title\'s default.',
    )
    audio_language = models.CharField(
        max_length=2,
        blank=True,
        help_text="An ISO 639-1 code, or empty for each title's original audio.",
    )
    caption_size = models.CharField(
        max_length=2, choices=CaptionSize.choices, default=CaptionSize.MEDIUM
    )
    caption_colour = models.CharField(
        max_length=8, choices=CaptionColour.choices, default=CaptionColour.WHITE
    )
    caption_background = models.CharField(
        max_length=8, choices=CaptionBackground.choices, default=CaptionBackground.SHADED
    )
    caption_edge = models.CharField(
        max_length=10, choices=CaptionEdge.choices, default=CaptionEdge.NONE
    )
    autoplay_next = models.BooleanField(
        "autoplay the next episode",
        default=True,
        help_text="Start the next episode when one ends.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ProfileQuerySet] = ProfileQuerySet.as_manager()  # type: ignore[assignment]

    constraint_fields: ClassVar[dict[str, str]] = {
        "name_unique_per_account": "name",
        "name_present": "name",
        "caption_language_valid": "caption_language",
        "audio_language_valid": "audio_language",
    }

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="accounts_profile_name_unique_per_account",
                violation_error_message="Another profile in this household has this name.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="accounts_profile_name_present"),
            models.CheckConstraint(
                condition=Q(max_maturity__in=[0, 7, 13, 16, 18]),
                name="accounts_profile_ceiling_valid",
            ),
            models.CheckConstraint(
                condition=Q(caption_language="off")
                | Q(caption_language__regex=LANGUAGE_PREFERENCE),
                name="accounts_profile_caption_language_valid",
                violation_error_message="Choose a caption language from the list.",
            ),
            models.CheckConstraint(
                condition=Q(audio_language__regex=LANGUAGE_PREFERENCE),
                name="accounts_profile_audio_language_valid",
                violation_error_message="Choose an audio language from the list.",
            ),
            models.CheckConstraint(
                condition=Q(caption_size__in=CaptionSize.values)
                & Q(caption_colour__in=CaptionColour.values)
                & Q(caption_background__in=CaptionBackground.values)
                & Q(caption_edge__in=CaptionEdge.values),
                name="accounts_profile_caption_style_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def maturity_ceiling(self) -> int | None:
        """The highest rating this profile may see (None: no ceiling). A kids profile is
        capped at KIDS_CEILING whatever its stored ceiling says."""
        ceiling = min(self.max_maturity, KIDS_CEILING) if self.is_kids else self.max_maturity
        return None if ceiling >= NO_CEILING else int(ceiling)

    @property
    def is_restricted(self) -> bool:
        """Kids mode or a ceiling: this profile may not manage the household or open a
        profile that sees more without the owner's consent."""
        return self.is_kids or self.maturity_ceiling is not None

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    def sees_more_than(self, other: Profile) -> bool:
        """Whether this profile's ceiling is above ``other``'s (or ``other`` is kids and
        this one is not)."""
        mine, theirs = self.maturity_ceiling, other.maturity_ceiling
        if theirs is None:
            return False
        return mine is None or mine > theirs or (other.is_kids and not self.is_kids)

    @property
    def initial(self) -> str:
        return self.name[:1].upper()
