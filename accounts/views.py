from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.access import choose_profile, current_profile, own_profile_or_404
from accounts.forms import ProfileForm, SignUpForm
from accounts.http import AuthenticatedRequest
from accounts.models import Account, AvatarColour, Profile


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
    """Who's watching? Choosing a profile puts it in the session."""
    if request.method == "POST":
        profile = own_profile_or_404(request, _int(request.POST.get("profile")))
        choose_profile(request, profile)
        return redirect("catalog:home")
    household = Profile.objects.for_user(request.user)
    return render(
        request,
        "accounts/profiles.html",
        {"profiles": list(household), "current": current_profile(request)},
    )


@login_required
def manage_profiles(request: AuthenticatedRequest) -> HttpResponse:
    account = Account.objects.filter(owner=request.user).first()
    household = list(Profile.objects.for_user(request.user))
    return render(
        request,
        "accounts/manage_profiles.html",
        {
            "profiles": household,
            "account": account,
            "can_add": account is not None and len(household) < account.profile_limit,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_profile(request: AuthenticatedRequest) -> HttpResponse:
    account = Account.objects.filter(owner=request.user).first()
    if account is None:
        messages.error(request, "Only a household account can have profiles.")
        return redirect("accounts:profiles")
    form = ProfileForm(request.POST or None, initial={"avatar_colour": AvatarColour.GREEN})
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(account=account, **form.cleaned_data)
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


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: AuthenticatedRequest, profile_id: int) -> HttpResponse:
    profile = own_profile_or_404(request, profile_id)
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": profile.name,
            "is_kids": profile.is_kids,
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


@login_required
@require_POST
def delete_profile(request: AuthenticatedRequest, profile_id: int) -> HttpResponse:
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
