from __future__ import annotations

from django.urls import path

from playback import views

app_name = "playback"

urlpatterns = [
    path("progress/<uuid:video_id>/forget/", views.forget, name="forget"),
]
