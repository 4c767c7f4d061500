from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import consent, services
from accounts.access import (
    choose_profile,
    current_profile,
    management_required,
    own_profile_or_404,
)
from accounts.forms import ProfileForm, SignUpForm
from accounts.http import AuthenticatedRequest, HouseholdRequest
from accounts.models import AvatarColour, Profile


def _apply(form: ProfileForm | SignUpForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, on the field it names where it has one."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("catalog:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                profile_name=form.cleaned_data["profile_name"],
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            login(request, account.owner, backend="accounts.backends.EmailOrUsernameBackend")
            choose_profile(request, account.profiles.get())
            messages.success(request, "Welcome! Add the rest of your household under Profiles.")
            return redirect("catalog:home")
    return render(
        request, "accounts/sign_up.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def profiles(request: AuthenticatedRequest) -> HttpResponse:
    """Who's watching? Choosing a profile puts it in the session, unless it asks for a PIN
    or the owner's consent first (accounts/consent.py)."""
    current = current_profile(request)
    if request.method == "POST":
        target = own_profile_or_404(request, _int(request.POST.get("profile")))
        if consent.unlock_for(current=current, target=target) is not consent.Unlock.NOTHING:
            return redirect("accounts:unlock_profile", profile_id=target.pk)
        choose_profile(request, target)
        return redirect("catalog:home")
    household = list(Profile.objects.for_user(request.user))
    for profile in household:  # what each tile says it asks for: a PIN, a grown-up, nothing
        profile.asks = consent.unlock_for(current=current, target=profile).value  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/profiles.html",
        {"profiles": household, "current": current},
    )


@management_required
def manage_profiles(request: HouseholdRequest) -> HttpResponse:
    account = request.account
    household = list(Profile.objects.filter(account=account))
    return render(
        request,
        "accounts/manage_profiles.html",
        {
            "profiles": household,
            "account": account,
            "can_add": len(household) < account.profile_limit,
        },
    )


@management_required
@require_http_methods(["GET", "POST"])
def add_profile(request: HouseholdRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"avatar_colour": AvatarColour.GREEN})
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(account=request.account, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, f"Added {profile.name}.")
            return redirect("accounts:manage_profiles")
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "adding": True},
        status=400 if form.errors else 200,
    )


@management_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: HouseholdRequest, profile_id: int) -> HttpResponse:
    profile = own_profile_or_404(request, profile_id)
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": profile.name,
            "is_kids": profile.is_kids,
            "max_maturity": profile.max_maturity,
            "avatar_colour": profile.avatar_colour,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(profile=profile, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, f"Saved {profile.name}.")
            return redirect("accounts:manage_profiles")
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@management_required
@require_POST
def delete_profile(request: HouseholdRequest, profile_id: int) -> HttpResponse:
    profile = own_profile_or_404(request, profile_id)
    try:
        services.profile_delete(profile=profile)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Deleted {profile.name} and their viewing history.")
    return redirect("accounts:manage_profiles")


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
