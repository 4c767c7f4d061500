"""The media part of a catalog import: one movie's or episode's streams, captions, markers and
trickplay track made to match its record (catalog/importer.py writes the records around it).

Every row goes through the rules the admin applies: the model's ``full_clean`` for streams,
captions and the trickplay track (the admin's inline forms), ``services.marker_save`` for
markers. Errors are added to the importer's list, named by record and row; the importer's
savepoint then drops the record's writes. New URLs are queued for a check only once every
record is written (:meth:`MediaImport.queue_checks`), as the admin queues them after a save.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from catalog import services
from catalog.import_types import Errors
from catalog.media import media_urls_changed
from catalog.models import CaptionTrack, StreamSource, TrickplayTrack, Video, VideoMarker
from catalog.trickplay import editors_own_url, trickplay_request

JSONObject = Mapping[str, Any]  # a record the schema has checked


class MediaImport:
    """Writes the media of one video at a time, and remembers which URLs need a check."""

    def __init__(self, *, errors: Errors) -> None:
        self.errors = errors
        # New media, or media whose URL changed: their verdicts are reset and checks queued
        # (queue_checks) once every record is written.
        self.streams_to_check: list[Any] = []
        self.captions_to_check: list[Any] = []
        self.trickplay_to_check: list[Any] = []

    def write(self, where: str, video: Video, record: JSONObject) -> bool:
        """Make the video's media match the record; True if anything changed.

        ``streams`` and ``captions`` left out mean none. ``markers`` and ``trickplay_url``
        came later: a file that leaves them out (one written before them) leaves them as
        they are."""
        existing_streams = {s.quality_tag: s for s in video.stream_sources.all()}
        existing_captions = {c.language_code: c for c in video.caption_tracks.all()}
        # Clear the flags that move first, so that moving "primary" or "default" between rows
        # never trips the one-per-video constraints halfway through. Only those: a flag
        # cleared and set again would be two changes in the editorial history.
        kept_primary = [
            stream.pk
            for stream in existing_streams.values()
            if _flagged(record, "streams", "quality_tag", stream)
        ]
        kept_default = [
            caption.pk
            for caption in existing_captions.values()
            if _flagged(record, "captions", "language_code", caption)
        ]
        video.stream_sources.filter(is_primary=True).exclude(pk__in=kept_primary).update(
            is_primary=False
        )
        video.caption_tracks.filter(is_default=True).exclude(pk__in=kept_default).update(
            is_default=False
        )
        changed = self._streams(where, video, record.get("streams", []), existing_streams)
        changed |= self._captions(where, video, record.get("captions", []), existing_captions)
        changed |= self._markers(where, video, record.get("markers"))
        if "trickplay_url" in record:
            changed |= self._trickplay(where, video, record["trickplay_url"])
        return changed

    def queue_checks(self) -> None:
        """Once every record is written: forget the verdicts about old URLs, queue checks of
        the new ones (sent when the import's transaction commits)."""
        media_urls_changed(stream_ids=self.streams_to_check, caption_ids=self.captions_to_check)
        if self.trickplay_to_check:
            trickplay_request(video_ids=self.trickplay_to_check)

    # --- streams and captions ----------------------------------------------------------------

    def _streams(
        self, where: str, video: Video, items: list[JSONObject], existing: dict[Any, StreamSource]
    ) -> bool:
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} streams[{index}]"
            tag = item.get("quality_tag")
            stream = existing.get(tag) or StreamSource(video=video, quality_tag=tag)
            url = item["url"]
            needs_check = stream._state.adding or stream.stream_url != url
            primary = item.get("is_primary", False)
            changed |= needs_check or stream.is_primary != primary
            stream.stream_url = url
            stream.drm_required = item.get("drm_required", False)
            stream.is_primary = primary
            if self._save(at, stream, {"stream_url": "url"}):
                kept.add(stream.pk)
                if needs_check:
                    self.streams_to_check.append(stream.pk)
        removed = video.stream_sources.exclude(pk__in=kept).delete()[0]
        return changed or removed > 0

    def _captions(
        self, where: str, video: Video, items: list[JSONObject], existing: dict[str, CaptionTrack]
    ) -> bool:
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} captions[{index}]"
            code = item["language_code"]
            caption = existing.get(code) or CaptionTrack(video=video, language_code=code)
            url = item["url"]
            needs_check = caption._state.adding or caption.caption_url != url
            default = item.get("is_default", False)
            changed |= needs_check or caption.is_default != default
            caption.caption_url = url
            caption.format = item["format"]
            caption.is_default = default
            if self._save(at, caption, {"caption_url": "url"}):
                kept.add(caption.pk)
                if needs_check:
                    self.captions_to_check.append(caption.pk)
        removed = video.caption_tracks.exclude(pk__in=kept).delete()[0]
        return changed or removed > 0

    def _save(self, where: str, row: StreamSource | CaptionTrack, renames: dict[str, str]) -> bool:
        try:
            row.full_clean()
        except ValidationError as error:
            renamed = ValidationError(
                {renames.get(name, name): messages for name, messages in error.message_dict.items()}
            )
            self.errors.add_validation(where, renamed)
            return False
        row.save()
        return True

    # --- markers ---------------------------------------------------------------------------

    def _markers(self, where: str, video: Video, items: list[JSONObject] | None) -> bool:
        """Upsert the listed markers by kind and delete the others; ``None`` (left out) keeps
        them. Either way every marker kept must still end within the running time, which
        this same record may have shortened (the admin checks its unchanged inline rows too).
        """
        existing = {marker.kind: marker for marker in video.markers.all()}
        if items is None:
            for marker in existing.values():
                self._marker_still_fits(f"{where} markers (stored {marker.kind})", video, marker)
            return False
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} markers[{index}]"
            marker = existing.get(item["kind"]) or VideoMarker(video=video, kind=item["kind"])
            times = (item["start_seconds"], item["end_seconds"])
            if not marker._state.adding and (marker.start_seconds, marker.end_seconds) == times:
                if self._marker_still_fits(at, video, marker):
                    kept.add(marker.pk)
                continue
            marker.video = video  # the running time as this record sets it, not as stored
            marker.start_seconds, marker.end_seconds = times
            try:
                services.marker_save(marker=marker)
            except ValidationError as error:
                self.errors.add_validation(at, error)
                continue
            changed = True
            kept.add(marker.pk)
        # No query when nothing goes: an unchanged video costs its one read above.
        stale = [marker.pk for marker in existing.values() if marker.pk not in kept]
        if stale:
            VideoMarker.objects.filter(pk__in=stale).delete()
        return changed or bool(stale)

    def _marker_still_fits(self, where: str, video: Video, marker: VideoMarker) -> bool:
        """An unchanged marker: its own constraints held when it was saved, so only
        ``VideoMarker.clean`` (the end within the running time) is asked again, with no
        query and no write."""
        marker.video = video
        try:
            marker.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            self.errors.add_validation(where, error)
            return False
        return True

    # --- trickplay -------------------------------------------------------------------------

    def _trickplay(self, where: str, video: Video, url: str | None) -> bool:
        """The editor's own thumbnails track, as the admin's inline saves it. Only its URL is
        imported: a status is the worker's verdict, and a generated track is the worker's
        (``null`` removes an editor's own track and leaves a generated one alone)."""
        track = TrickplayTrack.objects.filter(video=video).first()
        if url is None:
            if track is None or editors_own_url(track) is None:
                return False
            track.delete()
            return True
        if track is not None and track.trickplay_url == url:
            return False
        track = track or TrickplayTrack(video=video)
        track.trickplay_url = url
        try:
            track.full_clean()
        except ValidationError as error:
            self.errors.add_validation(where, error)
            return False
        if track._state.adding:
            track.save(force_insert=True)  # its key is the video's: no UPDATE to try first
        else:
            track.save(update_fields=["trickplay_url", "updated_at"])
        # Checked like a caption file once the import commits; until then PENDING, never the
        # old URL's verdict.
        self.trickplay_to_check.append(video.pk)
        return True


def _flagged(record: JSONObject, kind: str, key: str, row: StreamSource | CaptionTrack) -> bool:
    """Whether ``record`` keeps the primary (or default) flag on ``row``, matched by ``key``."""
    flag = "is_primary" if kind == "streams" else "is_default"
    return any(
        item.get(key) == getattr(row, key) and item.get(flag, False)
        for item in record.get(kind, [])
    )
