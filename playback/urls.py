from __future__ import annotations

from django.urls import path

from playback import activity_views, views

app_name = "playback"

urlpatterns = [
    path("watch/<uuid:video_id>/", views.watch, name="watch"),
    path("playback/progress/<uuid:video_id>/forget/", views.forget, name="forget"),
    path("activity/", activity_views.activity_page, name="activity"),
    path("activity/<uuid:video_id>/hide/", activity_views.hide, name="activity_hide"),
    path(
        "activity/series/<uuid:series_id>/hide/",
        activity_views.hide_series,
        name="activity_hide_series",
    ),
    path("api/playback/<uuid:video_id>/sessions", views.start, name="start"),
    path("api/sessions/<uuid:session_id>/heartbeat", views.heartbeat, name="heartbeat"),
    path("api/sessions/<uuid:session_id>/token", views.token, name="token"),
    path("api/sessions/<uuid:session_id>/end", views.end, name="end"),
    path("edge/<uuid:session_id>/<path:path>", views.edge_file, name="edge"),
]
