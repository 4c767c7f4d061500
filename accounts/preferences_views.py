"""A profile's own playback preferences: any profile may change its own, kids included."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.access import profile_required
from accounts.forms import PreferencesForm
from accounts.http import ViewerRequest
from accounts.preferences import CAPTION_TABLES, PREFERENCE_FIELDS, caption_css


@require_http_methods(["GET", "POST"])
@profile_required
def preferences(request: ViewerRequest) -> HttpResponse:
    profile = request.profile
    form = PreferencesForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                profile=profile,
                **{name: form.cleaned_data[name] for name in PREFERENCE_FIELDS},
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Saved. The player uses these from the next title on.")
            return redirect("accounts:preferences")
    return render(
        request,
        "accounts/preferences.html",
        {"form": form, "preview_css": caption_css(profile), "caption_tables": CAPTION_TABLES},
        status=400 if form.errors else 200,
    )
