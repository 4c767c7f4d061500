from __future__ import annotations

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from streaming_portal import views

admin.site.site_header = "Streaming portal"
admin.site.site_title = "Streaming portal admin"
admin.site.index_title = "Catalog and households"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("origin/<path:path>", views.origin_file, name="origin"),
    # Until the viewer pages land, the front door is the editors' admin.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
]
