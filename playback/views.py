from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.access import profile_required
from accounts.http import ViewerRequest
from playback import services


@require_POST
@profile_required
def forget(request: ViewerRequest, video_id: UUID) -> HttpResponse:
    """Remove a title from this profile's Continue watching row."""
    services.progress_forget(profile=request.profile, video_id=video_id)
    return redirect("catalog:home")
