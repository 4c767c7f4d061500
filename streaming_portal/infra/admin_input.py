"""The admin's answer to junk in a list page's address, a search or a list filter: a message
and the unfiltered list, never a server error.

Django's changelist already answers many malformed filters with IncorrectLookupParameters
(a redirect to ``?e=1``), but not these, which reach the database or the date arithmetic:

- a NUL byte in a filter's value (``?visibility__exact=%00``, ``?title=%00``): PostgreSQL
  refuses NUL in a text parameter, and psycopg raises in the middle of the page;
- a NUL byte in the autocomplete's ``term`` (the changelist's own search box refuses NUL
  already; the autocomplete endpoint passes the term straight to the search);
- a date-hierarchy year that overflows (``?started_at__year=99999999999999999999``, or
  December 9999, whose end is past the last date Python knows);
- lookups typed into the address that the database evaluates as a program or that need an
  extension the portal does not install (``?title__regex=(``, ``?title__trigram_similar=x``,
  ``?title__unaccent=x``), and ``__range``, which the admin passes as one string;
- selected rows whose ids are not ids (an action's ``_selected_action=abc``);
- a value a SimpleListFilter does not list (``?availability=zzz``): :class:`KnownValueFilter`
  refuses it with a message instead of letting it reach the filter's code.

:class:`SafeInputAdmin` is the ModelAdmin mixin; :class:`TextRulesAdmin` alone (for inlines)
gives form fields their model fields' text rules (streaming_portal.infra.text). This module
imports no app of the portal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, QueryDict
from django.utils.text import capfirst

from streaming_portal.infra.text import TextValidator, adopt_text_rules, printable, unstorable

# Lookups a list page's address may not use (see the module's docstring).
REFUSED_LOOKUPS = frozenset(
    {
        "regex",
        "iregex",
        "range",
        "unaccent",
        "trigram_similar",
        "trigram_word_similar",
        "trigram_strict_word_similar",
        "trigram_distance",
        "trigram_word_distance",
        "trigram_strict_word_distance",
    }
)


class RefusedListParameter(IncorrectLookupParameters):
    """A list-page parameter refused with a message for the editor."""


def unstorable_parameter(query: QueryDict) -> str | None:
    """The name of the first parameter whose name or value the database cannot take."""
    for key, values in query.lists():
        if unstorable(key) or any(unstorable(value) for value in values):
            return key
    return None


class TextRulesAdmin:
    """Form fields adopt their model field's text rules (the field is named in the message,
    a NUL byte included). For ModelAdmin and InlineModelAdmin classes alike.

    The portal's own models state the rule on their fields. For a model the portal does not
    own (Django's users and groups), ``text_rules_for_every_field`` gives every text field
    of its admin form the rule, named after the field's verbose name.
    """

    text_rules_for_every_field = False

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is None:
            return None
        rules = list(db_field.validators)
        if self.text_rules_for_every_field and isinstance(
            db_field, models.CharField | models.TextField
        ):
            label = capfirst(str(db_field.verbose_name))
            rules.append(TextValidator(label, multiline=isinstance(db_field, models.TextField)))
        adopt_text_rules(formfield, rules)
        return formfield


class SafeInputAdmin(TextRulesAdmin):
    """A ModelAdmin mixin: junk in a changelist's address, its search, the autocomplete or an
    action's selection is answered with a message, not a 500."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # No stored text holds a NUL byte (or a lone surrogate), so nothing matches it; and
        # PostgreSQL would refuse the parameter rather than answer "nothing".
        if unstorable(search_term):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc, no-any-return]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        refused = sorted(REFUSED_LOOKUPS.intersection(lookup.split(LOOKUP_SEP)))
        if refused:
            raise RefusedListParameter(
                f"The list cannot be filtered with “{printable(lookup)}”: the “{refused[0]}” "
                "lookup is not available in the address of a list."
            )
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc, no-any-return]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        shown_error = ERROR_FLAG not in request.GET  # else Django shows its error page
        key = unstorable_parameter(request.GET)
        if key is not None:
            if shown_error:
                messages.error(
                    request,
                    f"The list could not be filtered by “{printable(key)}”: its value holds a "
                    "NUL byte or another character no record can hold. Showing the whole list.",
                )
            raise RefusedListParameter(f"unstorable character in {key!r}")
        try:
            return super().get_changelist_instance(request)  # type: ignore[misc]
        except OverflowError as error:  # a date-hierarchy year, month or day out of range
            if shown_error:
                messages.error(
                    request, "That date is out of range for this list. Showing the whole list."
                )
            raise RefusedListParameter(str(error)) from error
        except RefusedListParameter as error:
            if shown_error:
                messages.error(request, f"{error} Showing the whole list.")
            raise

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        pk = self.model._meta.pk  # type: ignore[attr-defined]
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                pk.get_prep_value(pk.to_python(value))
            except (ValidationError, ValueError, TypeError, OverflowError):
                messages.error(
                    request,
                    f"“{printable(value)}” is not the id of a "
                    f"{self.model._meta.verbose_name}; nothing was done.",  # type: ignore[attr-defined]
                )
                return None  # the changelist redirects back to itself
        return super().response_action(request, queryset)  # type: ignore[misc]


class KnownValueFilter(admin.SimpleListFilter, ABC):
    """A SimpleListFilter that filters only by the values it lists (``lookups``).

    Any other value (a stale link, a typo, junk) is refused with a message naming the filter,
    and the list is shown unfiltered (through the admin's ``?e=1`` redirect), instead of
    reaching the filter's code. Subclasses implement :meth:`filter` for a listed value.
    """

    def known_values(self) -> set[str]:
        return {str(value) for value, _label in self.lookup_choices}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if not value:
            return queryset
        if str(value) not in self.known_values():
            raise RefusedListParameter(
                f"The {self.title} filter has no choice “{printable(str(value))}”."
            )
        return self.filter(request, queryset, str(value))

    @abstractmethod
    def filter(
        self, request: HttpRequest, queryset: QuerySet[Any], value: str
    ) -> QuerySet[Any]: ...
