"""Household workflows: sign-up and the profile rules that span an account and its profiles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import pins
from accounts.maturity import KIDS_CEILING, NO_CEILING
from accounts.models import Account, AvatarColour, Profile, SubscriptionPlan
from accounts.preferences import PREFERENCE_FIELDS

AVATAR_ROTATION = list(AvatarColour)


def account_sign_up(
    *,
    email: str,
    password: str,
    profile_name: str,
    plan: str = SubscriptionPlan.STANDARD,
) -> Account:
    """Create the user, the household account and its first profile, all or nothing.

    The user's username is the e-mail address, lowercased, so logging in by e-mail works.
    Raises ValidationError naming the field.
    """
    email = email.strip()
    user_model = get_user_model()
    username = email.lower()
    if user_model.objects.filter(username=username).exists():
        raise ValidationError({"email": "An account with this e-mail address already exists."})
    user = user_model(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    if len(username) > (user_model._meta.get_field("username").max_length or 150):
        raise ValidationError(
            {"email": "This e-mail address is too long (150 characters at most)."}
        )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            account = Account(owner=user, email=email, subscription_plan=plan)
            account.full_clean(exclude=["owner"])
            account.save()
            profile_create(account=account, name=profile_name, is_kids=False)
    except IntegrityError as error:
        # Two sign-ups with one address at the same moment (a double click): the database's
        # unique username decides, and the loser hears why.
        raise ValidationError(
            {"email": "An account with this e-mail address already exists."}
        ) from error
    return account


def ceiling_for(*, is_kids: bool, max_maturity: int | None) -> int:
    """The ceiling to store: the one chosen, never above the kids ceiling in kids mode (a
    kids profile created without one gets the kids ceiling)."""
    chosen = NO_CEILING if max_maturity is None else max_maturity
    return min(chosen, KIDS_CEILING) if is_kids else chosen


def profile_create(
    *,
    account: Account,
    name: str,
    is_kids: bool,
    avatar_colour: str | None = None,
    max_maturity: int | None = None,
) -> Profile:
    """Add a profile unless the plan's limit is reached (checked under a lock on the account)."""
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        count = locked.profiles.count()
        if count >= locked.profile_limit:
            raise ValidationError(
                {
                    "name": f"The {locked.get_subscription_plan_display()} plan allows "
                    f"{locked.profile_limit} profiles, and this household has {count}. Remove "
                    "one first."
                }
            )
        profile = Profile(
            account=locked,
            name=name.strip(),
            is_kids=is_kids,
            max_maturity=ceiling_for(is_kids=is_kids, max_maturity=max_maturity),
            avatar_colour=avatar_colour or AVATAR_ROTATION[count % len(AVATAR_ROTATION)],
        )
        profile.full_clean()
        profile.save()
    return profile


def profile_update(
    *,
    profile: Profile,
    name: str,
    is_kids: bool,
    avatar_colour: str,
    max_maturity: int | None = None,
) -> Profile:
    """Save the household's settings of a profile (the caller has the owner's consent)."""
    profile.name = name.strip()
    profile.is_kids = is_kids
    profile.avatar_colour = avatar_colour
    profile.max_maturity = ceiling_for(
        is_kids=is_kids, max_maturity=profile.max_maturity if max_maturity is None else max_maturity
    )
    profile.full_clean()
    profile.save(update_fields=["name", "is_kids", "avatar_colour", "max_maturity"])
    return profile


def preferences_update(*, profile: Profile, **chosen: object) -> Profile:
    """Save a profile's own playback preferences (any profile may change its own)."""
    unknown = set(chosen) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown preferences: {', '.join(sorted(unknown))}.")
    for name, value in chosen.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save(update_fields=list(chosen))
    return profile


def profile_pin_set(*, profile: Profile, pin: str | None) -> Profile:
    """Lock a profile behind a 4-digit PIN, or (None) unlock it."""
    profile.pin_hash = pins.pin_hash(pin) if pin is not None else ""
    profile.save(update_fields=["pin_hash"])
    return profile


def management_pin_set(*, account: Account, pin: str | None) -> Account:
    """Guard profile management with a 4-digit PIN, or (None) remove the guard."""
    account.management_pin_hash = pins.pin_hash(pin) if pin is not None else ""
    account.save(update_fields=["management_pin_hash"])
    return account


def profile_delete(*, profile: Profile) -> None:
    """Delete a profile and its progress; a household always keeps at least one profile."""
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=profile.account_id).get()
        if Profile.objects.filter(account_id=profile.account_id).count() <= 1:
            raise ValidationError("A household needs at least one profile.")
        profile.delete()


def demo_household(*, user: User) -> Account:
    """The demo viewer's household: an adult and a kids profile (idempotent)."""
    account = Account.objects.filter(owner=user).first()
    if account is None:
        email = user.email or f"{user.username}@example.com"
        account = Account.objects.create(owner=user, email=email)
    if not account.profiles.exists():
        profile_create(account=account, name="Alex", is_kids=False, avatar_colour="red")
        profile_create(account=account, name="Kids", is_kids=True, avatar_colour="amber")
    return account
