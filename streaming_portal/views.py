from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from streaming_portal.infra.origin import CONTENT_TYPES, PUBLIC_SUFFIXES, local_file


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. It touches no engine, so it stays cheap under load."""
    return JsonResponse({"status": "ok"})


@require_GET
def origin_file(request: HttpRequest, path: str) -> FileResponse:
    """Serve a file of the demo origin. Images are public; streams and captions are for staff.

    Viewers reach streams through signed playback URLs (the playback app), never through here.
    """
    file = local_file(path)
    if file is None:
        raise Http404("No such file in the local origin.")
    if file.suffix not in PUBLIC_SUFFIXES and not request.user.is_staff:
        raise PermissionDenied("Streams and captions are served through signed playback URLs.")
    response = FileResponse(file.open("rb"), content_type=CONTENT_TYPES.get(file.suffix))
    public = file.suffix in PUBLIC_SUFFIXES
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
