from __future__ import annotations

from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("genres/<slug:slug>/", views.genre, name="genre"),
    path("movies/<slug:slug>/", views.movie_detail, name="movie"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
]
