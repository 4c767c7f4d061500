"""Intro, recap and credits markers in the admin: times typed as a clock reads them.

The rules are the model's (its constraints, and ``VideoMarker.clean`` for the end within the
running time); the form only turns "1:35" into 95 seconds, with a message when it cannot.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from catalog.models import VideoMarker
from catalog.models.markers import clock_text

CLOCK = re.compile(r"^(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+)$")


def clock_seconds(text: str) -> int:
    """``"1:35"`` → 95, ``"1:02:05"`` → 3725, ``"95"`` → 95; ValueError for anything else."""
    match = CLOCK.match(text.strip())
    if match is None:
        raise ValueError(text)
    hours, minutes, seconds = (int(match[name] or 0) for name in ("h", "m", "s"))
    # "1:75" is not a time; "75" alone (seconds) is, and so is "75:00" (minutes) on its own.
    if match["m"] is not None and seconds >= 60:
        raise ValueError(text)
    if match["h"] is not None and minutes >= 60:
        raise ValueError(text)
    return hours * 3600 + minutes * 60 + seconds


class ClockField(forms.CharField):
    """A time into the video, entered as "m:ss" or "h:mm:ss" (or whole seconds)."""

    default_error_messages = {
        "invalid": 'Enter a time as "m:ss" or "h:mm:ss", for example 1:35 or 1:02:05.',
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"size": 8, "maxlength": 12, "placeholder": "m:ss"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return clock_text(value) if isinstance(value, int) else value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        # No max_length validator: it would measure the parsed int. A long text is no time.
        if len(text) > 12:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return clock_seconds(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True


class VideoMarkerForm(forms.ModelForm):  # type: ignore[type-arg]
    start_seconds = ClockField(
        label="Start", help_text='From the start of the video, as "m:ss" or "h:mm:ss".'
    )
    end_seconds = ClockField(
        label="End", help_text="After the start; credits may end at the very end of the video."
    )

    class Meta:
        model = VideoMarker
        fields = ["kind", "start_seconds", "end_seconds"]


class VideoMarkerFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def _construct_form(self, i: int, **kwargs: Any) -> forms.ModelForm:  # type: ignore[type-arg]
        form: forms.ModelForm = super()._construct_form(i, **kwargs)  # type: ignore[misc,type-arg]
        # The movie or episode as submitted, not as stored: a marker is checked against the
        # running time on this same page (and a new title has no row to read yet).
        form.instance.video = self.instance
        return form


class VideoMarkerInline(admin.TabularInline):  # type: ignore[type-arg]
    model = VideoMarker
    form = VideoMarkerForm
    formset = VideoMarkerFormSet
    fields = ["kind", "start_seconds", "end_seconds"]
    extra = 0
    max_num = len(VideoMarker.Kind)
    verbose_name = "Intro, recap or credits marker"
    verbose_name_plural = "Intro, recap and credits markers"
