from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from streaming_portal import health, views

admin.site.site_header = "Streaming portal"
admin.site.site_title = "Streaming portal admin"
admin.site.index_title = "Catalog and households"

handler400 = "streaming_portal.errors.bad_request"
handler403 = "streaming_portal.errors.permission_denied"
handler404 = "streaming_portal.errors.page_not_found"
handler500 = "streaming_portal.errors.server_error_page"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("origin/<path:path>", views.origin_file, name="origin"),
    path("account/", include("accounts.urls")),
    path("", include("playback.urls")),
    path("", include("catalog.urls")),
]
