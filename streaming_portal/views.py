from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. It touches no engine, so it stays cheap under load."""
    return JsonResponse({"status": "ok"})
