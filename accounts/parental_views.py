"""Parental controls on the page: PIN prompts, the owner's consent, setting and removing PINs.

The rules are accounts/consent.py's; the counting of wrong PINs is accounts/pins.py's. These
views only ask, check through those, and say what happened.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import consent, pins, services
from accounts.access import (
    choose_profile,
    current_profile,
    household_account,
    management_required,
    own_profile_or_404,
)
from accounts.forms import PinRemoveForm, PinSetForm, UnlockForm
from accounts.http import AuthenticatedRequest, HouseholdRequest
from accounts.models import Account

# A lock-out is a 429 (too many tries); a counter that cannot be read, a 503.
LOCKED, UNAVAILABLE = 429, 503


def _owner_matches(request: HttpRequest, account: Account, secret: str) -> bool:
    """The owner's consent: the management PIN when there is one, else the password."""
    if consent.owner_asks_pin(account):
        return pins.pin_check(
            account_id=account.pk, stored_hash=account.management_pin_hash, pin=secret
        ).matched
    return _password_matches(request, account, secret)


def _password_matches(request: HttpRequest, account: Account, secret: str) -> bool:
    return pins.guarded_check(
        account_id=account.pk,
        matches=lambda: account.owner.check_password(secret),
    ).matched


def _checked(request: HttpRequest, form: UnlockForm, check: Any) -> tuple[bool, int]:
    """Run ``check(secret)`` on a valid form: (matched, status to answer with)."""
    if not form.is_valid():
        return False, 400
    try:
        if check(form.cleaned_data["secret"]):
            return True, 200
    except pins.PinLockedError as locked:
        form.add_error(None, locked.message)
        return False, LOCKED
    except pins.PinUnavailableError as unavailable:
        form.add_error(None, unavailable.message)
        return False, UNAVAILABLE
    form.add_error("secret", "That is not right. Try again.")
    return False, 400


@login_required
@require_http_methods(["GET", "POST"])
def unlock_profile(request: AuthenticatedRequest, profile_id: int) -> HttpResponse:
    """Open a profile that asks for its PIN, or for the owner's consent."""
    target = own_profile_or_404(request, profile_id)
    current = current_profile(request)
    need = consent.unlock_for(current=current, target=target)
    if need is consent.Unlock.NOTHING:
        choose_profile(request, target)
        return redirect("catalog:home")
    account = target.account
    ask_password = need is consent.Unlock.OWNER and not consent.owner_asks_pin(account)
    form = UnlockForm(request.POST or None, ask_password=ask_password)
    status = 200
    if request.method == "POST":

        def check(secret: str) -> bool:
            if need is consent.Unlock.PROFILE_PIN:
                return pins.pin_check(
                    account_id=account.pk, stored_hash=target.pin_hash, pin=secret
                ).matched
            return _owner_matches(request, account, secret)

        matched, status = _checked(request, form, check)
        if matched:
            choose_profile(request, target)
            return redirect("catalog:home")
    return render(
        request,
        "accounts/unlock.html",
        {
            "form": form,
            "target": target,
            "asks": need.value,
            "ask_password": ask_password,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_unlock(request: AuthenticatedRequest) -> HttpResponse:
    """The owner's consent to manage profiles: the management PIN, or the password."""
    account = household_account(request)
    if account is None:
        return redirect("accounts:profiles")
    current = current_profile(request)
    after = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()}):
        after = ""
    ask_password = not consent.owner_asks_pin(account)
    form = UnlockForm(request.POST or None, ask_password=ask_password)
    status = 200
    if request.method == "POST":
        matched, status = _checked(
            request, form, lambda secret: _owner_matches(request, account, secret)
        )
        if matched:
            consent.consent_grant(request.session, current)
            return redirect(after or "accounts:manage_profiles")
    return render(
        request,
        "accounts/unlock.html",
        {"form": form, "asks": "manage", "ask_password": ask_password, "current": current},
        status=status,
    )


def _pin_page(
    request: HouseholdRequest, *, heading: str, has_pin: bool, save: Any, what: str
) -> HttpResponse:
    """Set, change or remove one PIN, each confirmed with the account's password."""
    removing = request.method == "POST" and request.POST.get("action") == "remove"
    set_form = PinSetForm(request.POST if request.method == "POST" and not removing else None)
    remove_form = PinRemoveForm(request.POST if removing else None)
    form: PinSetForm | PinRemoveForm = remove_form if removing else set_form
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = _password_matches(request, request.account, form.cleaned_data["password"])
        except pins.PinLockedError as locked:
            form.add_error(None, locked.message)
            status = LOCKED
        except pins.PinUnavailableError as unavailable:
            form.add_error(None, unavailable.message)
            status = UNAVAILABLE
        else:
            if confirmed:
                save(None if removing else form.cleaned_data["pin"])
                messages.success(request, f"{what} {'removed' if removing else 'saved'}.")
                return redirect("accounts:manage_profiles")
            form.add_error("password", "That is not the account's password.")
    if request.method == "POST" and status == 200 and form.errors:
        status = 400
    return render(
        request,
        "accounts/pin_form.html",
        {
            "heading": heading,
            "form": set_form,
            "remove_form": remove_form,
            "has_pin": has_pin,
        },
        status=status,
    )


@management_required
@require_http_methods(["GET", "POST"])
def profile_pin(request: HouseholdRequest, profile_id: int) -> HttpResponse:
    profile = own_profile_or_404(request, profile_id)
    return _pin_page(
        request,
        heading=f"Profile lock for {profile.name}",
        has_pin=profile.has_pin,
        save=lambda pin: services.profile_pin_set(profile=profile, pin=pin),
        what=f"{profile.name}'s PIN",
    )


@management_required
@require_http_methods(["GET", "POST"])
def management_pin(request: HouseholdRequest) -> HttpResponse:
    account = request.account

    def save(pin: str | None) -> None:
        services.management_pin_set(account=account, pin=pin)
        # The owner just proved who they are: no PIN prompt on the way back.
        consent.consent_grant(request.session, current_profile(request))

    return _pin_page(
        request,
        heading="PIN for managing profiles",
        has_pin=bool(account.management_pin_hash),
        save=save,
        what="The profile-management PIN",
    )
