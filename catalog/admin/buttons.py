"""Publish and Hide buttons on a title's change page: the list actions' services, one title.

Each button POSTs (with the admin's CSRF token) to its own URL beside the change page, which
runs ``services.title_publish`` or ``services.title_hide`` and redirects back with a message:
a refused publish names every problem, as the list action does. A GET changes nothing (405),
an editor who may only view gets 403, and an id that names no title of this admin's kind
(another kind's, none at all, not a UUID) gets 404. Pressing a button twice is harmless:
the second press writes nothing and says so.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from catalog import services
from catalog.admin.history import EditorialHistoryAdmin
from catalog.models import Title, Visibility

TITLE_CHANGE_FORM = "admin/catalog/title_change_form.html"


class PublishButtonsAdmin(EditorialHistoryAdmin):
    """For the movie and series admins: the buttons' URLs and views. The ModelAdmin sets
    ``change_form_template = TITLE_CHANGE_FORM``, which shows them."""

    def get_urls(self) -> list[URLPattern]:
        model_admin: Any = self
        opts = model_admin.opts
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = model_admin.admin_site.admin_view
        return [
            path(
                "<path:object_id>/publish/",
                wrap(require_POST(self.publish_view)),
                name=f"{name}_publish",
            ),
            path("<path:object_id>/hide/", wrap(require_POST(self.hide_view)), name=f"{name}_hide"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        title = self._title_to_change(request, object_id)
        was_visible = title.visibility == Visibility.VISIBLE
        outcome = services.title_publish(title=title, by=request.user)  # type: ignore[arg-type]
        if not outcome.published:
            messages.error(request, f"“{title}” was not published: {'; '.join(outcome.problems)}.")
        elif was_visible:
            messages.info(request, f"“{title}” was already visible; nothing changed.")
        else:
            messages.success(request, f"“{title}” is published: viewers can see it now.")
        return self._back_to_change_page(title)

    def hide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        title = self._title_to_change(request, object_id)
        if title.visibility == Visibility.HIDDEN:
            messages.info(request, f"“{title}” was already hidden; nothing changed.")
        else:
            services.title_hide(title=title, by=request.user)  # type: ignore[arg-type]
            messages.success(request, f"“{title}” is hidden from viewers.")
        return self._back_to_change_page(title)

    def _title_to_change(self, request: HttpRequest, object_id: str) -> Title:
        model_admin: Any = self
        title: Title | None = model_admin.get_object(request, unquote(object_id))
        if title is None:
            raise Http404
        if not model_admin.has_change_permission(request, title):
            raise PermissionDenied
        return title

    def _back_to_change_page(self, title: Title) -> HttpResponse:
        opts = title._meta
        return redirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[title.pk])
        )
