from __future__ import annotations

from django.urls import path

from catalog import library_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("genres/<slug:slug>/", views.genre, name="genre"),
    path("movies/<slug:slug>/", views.movie_detail, name="movie"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("my-list/", library_views.my_list, name="my_list"),
    path("my-list/state/", library_views.my_list_state, name="my_list_state"),
    path("titles/<uuid:title_id>/my-list/", library_views.my_list_change, name="my_list_change"),
    path("titles/<uuid:title_id>/rating/", library_views.rating_change, name="rating_change"),
]
