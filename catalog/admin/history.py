"""The editorial history in the admin: a panel on the change page of a movie, series or
episode (the newest changes), and the full list behind the page's "History" link.

Both read catalog/history.py: a fixed number of queries whatever the history's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from catalog.history import FieldChange, HistoryPage, history_page, word_diff

HISTORY_CHANGE_FORM = "admin/catalog/history_change_form.html"
HISTORY_PAGE = "admin/catalog/editorial_history.html"
PANEL_EVENTS = 10  # on the change page; the rest behind "History"
PAGE_EVENTS = 50
MAX_PAGE = 10_000  # a page number past this is a typo or a probe, not a history


@dataclass(frozen=True)
class HistoryRow:
    change: FieldChange
    diff: list[tuple[str, str]] | None  # long text: the words removed and added


def history_rows(page: HistoryPage) -> list[HistoryRow]:
    return [
        HistoryRow(
            change,
            word_diff(change.before, change.after)
            if change.long_text and change.before != "(not recorded)"
            else None,
        )
        for change in page.changes
    ]


def page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("p", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


class EditorialHistoryAdmin:
    """For a ModelAdmin of a model catalog.history reads: the panel and the History page.

    The ModelAdmin sets ``change_form_template = HISTORY_CHANGE_FORM`` (or a template that
    extends it) and ``object_history_template = HISTORY_PAGE``.
    """

    def render_change_form(  # noqa: PLR0917 - ModelAdmin's signature
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None and not add:
            page = history_page(obj, limit=PANEL_EVENTS)
            context["editorial_history"] = history_rows(page)
            context["editorial_history_more"] = page.has_more
        return super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        model_admin: Any = self
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not model_admin.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        number = page_number(request)
        page = history_page(obj, limit=PAGE_EVENTS, offset=(number - 1) * PAGE_EVENTS)
        opts = model_admin.opts
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"Editorial history: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": str(opts.verbose_name_plural).capitalize(),
            "editorial_history": history_rows(page),
            "page_number": number,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if page.has_more else None,
            "preserved_filters": model_admin.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = model_admin.admin_site.name
        return TemplateResponse(
            request, model_admin.object_history_template or HISTORY_PAGE, context
        )
