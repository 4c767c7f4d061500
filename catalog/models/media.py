"""A video's stream sources and caption tracks, and the media-check verdict they share."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q

from catalog.fields import EncryptedStreamURLField, validate_fetchable_url
from catalog.models.choices import ValidationStatus
from catalog.models.titles import HTTPS_PREFIX, Video
from streaming_portal.infra.constraint_errors import ConstraintErrorsOnFields
from streaming_portal.infra.languages import ISO_639_1_CODES, LANGUAGE_CHOICES, language_name
from streaming_portal.infra.text import single_line

# A caption URL's file type, read from its path: a signed-URL query string may follow, but an
# extension inside the query string ("x.ttml?name=a.vtt") does not count.
VTT_URL = r"^[^?#]*\.vtt(\?[^#]*)?$"
TTML_URL = r"^[^?#]*\.(ttml|dfxp|xml)(\?[^#]*)?$"


class MediaCheck(ConstraintErrorsOnFields):
    """The verdict fields a stream source and a caption track share (abstract)."""

    last_validated_at = models.DateTimeField(null=True, blank=True, editable=False)
    validation_status = models.CharField(
        max_length=7,
        choices=ValidationStatus.choices,
        default=ValidationStatus.UNKNOWN,
        editable=False,
    )
    validation_message = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True


class StreamSource(MediaCheck):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="stream_sources")
    stream_url = EncryptedStreamURLField(
        help_text="An HTTPS HLS playlist ending in .m3u8. Stored encrypted."
    )
    # NULL, not "", means "single quality", as the data-model document states.
    quality_tag = models.CharField(  # noqa: DJ001
        max_length=20,
        null=True,
        blank=True,
        validators=[single_line("Quality tag")],
        help_text="e.g. 1080p; empty for a single quality.",
    )
    drm_required = models.BooleanField(
        default=False, help_text="Plays only in browsers that report DRM support."
    )
    is_primary = models.BooleanField(
        default=False, help_text="The canonical source; exactly one per movie or episode."
    )
    # Part of the verdict, like validation_message: what the last check read from the master
    # playlist's #EXT-X-MEDIA tags, replaced whole by the next check. Not editorial data.
    validation_renditions = models.JSONField(default=list, blank=True, editable=False)

    constraint_fields: ClassVar[dict[str, str]] = {"one_primary_per_video": "is_primary"}

    class Meta:
        ordering = ["-is_primary", "quality_tag"]
        constraints = [
            models.UniqueConstraint(
                fields=["video"],
                condition=Q(is_primary=True),
                name="catalog_stream_one_primary_per_video",
                violation_error_message="This title already has a primary stream.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quality_tag or 'stream'}{' (primary)' if self.is_primary else ''}"


class CaptionTrack(MediaCheck):
    class Format(models.TextChoices):
        WEBVTT = "WEBVTT", "WebVTT (.vtt)"
        TTML = "TTML", "TTML (.ttml, .dfxp, .xml)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="caption_tracks")
    language_code = models.CharField(
        max_length=2,
        choices=LANGUAGE_CHOICES,
        help_text="ISO 639-1 two-letter code, one track per language.",
    )
    caption_url = models.URLField(
        max_length=500,
        validators=[single_line("Caption URL"), validate_fetchable_url],
        help_text="An HTTPS .vtt (WebVTT) or .ttml/.dfxp/.xml (TTML) file.",
    )
    format = models.CharField(max_length=6, choices=Format.choices)
    is_default = models.BooleanField(
        default=False, help_text="Preselected in the player; exactly one per movie or episode."
    )

    constraint_fields: ClassVar[dict[str, str]] = {
        "language_unique_per_video": "language_code",
        "one_default_per_video": "is_default",
        "language_iso_639_1": "language_code",
        "caption_url_https": "caption_url",
        "format_matches_url": "format",
    }

    class Meta:
        ordering = ["-is_default", "language_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "language_code"],
                name="catalog_caption_language_unique_per_video",
                violation_error_message="This title already has captions in that language.",
            ),
            models.UniqueConstraint(
                fields=["video"],
                condition=Q(is_default=True),
                name="catalog_caption_one_default_per_video",
                violation_error_message="This title already has a default caption track.",
            ),
            models.CheckConstraint(
                condition=Q(language_code__in=sorted(ISO_639_1_CODES)),
                name="catalog_caption_language_iso_639_1",
                violation_error_message="Not an ISO 639-1 language code.",
            ),
            models.CheckConstraint(
                condition=Q(caption_url__startswith=HTTPS_PREFIX),
                name="catalog_caption_url_https",
                violation_error_message="The caption URL must start with https://.",
            ),
            models.CheckConstraint(
                condition=Q(format="WEBVTT", caption_url__iregex=VTT_URL)
                | Q(format="TTML", caption_url__iregex=TTML_URL),
                name="catalog_caption_format_matches_url",
                violation_error_message=(
                    "The format does not match the URL: WebVTT files end in .vtt, TTML files "
                    "in .ttml, .dfxp or .xml."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{language_name(self.language_code)}{' (default)' if self.is_default else ''}"
