from __future__ import annotations

from django import template

from catalog import last_chance as last_chance_rule
from catalog.models import Title
from catalog.progress_source import StoredPosition
from streaming_portal.infra.languages import language_name

register = template.Library()


@register.filter
def minutes(value: int | None) -> str:
    """95 -> "1 h 35 min"."""
    hours, rest = divmod(int(value or 0), 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


@register.filter
def seasons_label(count: int) -> str:
    return f"{count} season{'s' if count != 1 else ''}"


@register.filter
def clock(seconds: int | None) -> str:
    """754 -> "12:34"; 4000 -> "1:06:40"."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"


@register.filter
def language(code: str) -> str:
    return language_name(code)


@register.filter
def last_chance(title: Title) -> bool:
    return last_chance_rule.is_last_chance(title.availability_end)


@register.filter
def percent_of(progress: StoredPosition | None, duration_seconds: int) -> int:
    if progress is None or not duration_seconds:
        return 0
    return min(100, round(100 * progress.progress_seconds / duration_seconds))
