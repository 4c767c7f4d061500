"""Households: the Netflix-style document's Accounts (billing) and Profiles (usage)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

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


class Profile(ConstraintErrorsOnFields):
    """Who is watching: a member of the household, with a kids flag and an avatar."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(
        max_length=50, validators=[single_line("Name")], help_text="Unique within the household."
    )
    is_kids = models.BooleanField(
        default=False, help_text="Kids profiles see only titles rated for children."
    )
    avatar_colour = models.CharField(
        max_length=10, choices=AvatarColour.choices, default=AvatarColour.BLUE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ProfileQuerySet] = ProfileQuerySet.as_manager()  # type: ignore[assignment]

    constraint_fields: ClassVar[dict[str, str]] = {
        "name_unique_per_account": "name",
        "name_present": "name",
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
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def maturity_ceiling(self) -> int | None:
        """The highest rating this profile may see (None: no ceiling)."""
        return settings.KIDS_MATURITY_CEILING if self.is_kids else None

    @property
    def initial(self) -> str:
        return self.name[:1].upper()
