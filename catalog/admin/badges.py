"""The coloured badges every catalog and playback admin page uses to say a state at a glance."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.models import AvailabilityState, ValidationStatus

BADGE_COLOURS = {
    "green": ("#0f5132", "#d1e7dd"),
    "red": ("#842029", "#f8d7da"),
    "amber": ("#664d03", "#fff3cd"),
    "blue": ("#084298", "#cfe2ff"),
    "grey": ("#41464b", "#e2e3e5"),
}
AVAILABILITY_COLOURS = {
    AvailabilityState.UPCOMING: "blue",
    AvailabilityState.LIVE: "green",
    AvailabilityState.LAST_CHANCE: "amber",
    AvailabilityState.EXPIRED: "grey",
}
VERDICT_COLOURS = {
    ValidationStatus.VALID: "green",
    ValidationStatus.INVALID: "red",
    ValidationStatus.UNKNOWN: "grey",
}


def badge(text: str, colour: str, title: str = "") -> SafeString:
    foreground, background = BADGE_COLOURS[colour]
    return format_html(
        '<span class="portal-badge" title="{}" style="color:{};background:{};padding:2px 8px;'
        'border-radius:10px;font-weight:600;font-size:11px;white-space:nowrap">{}</span>',
        title,
        foreground,
        background,
        text,
    )
