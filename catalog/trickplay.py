"""Trickplay workflows: generate a video's seek-bar thumbnails, check an editor's own track,
record the outcome, queue the work.

Generation needs the stream in the local origin (the demo): ffmpeg reads the lowest variant's
playlist, decodes key frames only (a frame every ``interval`` seconds needs nothing else), and
tiles them into sprite sheets; ``thumbs.vtt`` maps each interval to its tile. Both are written
to a ``thumbs/`` folder next to the master playlist, which the edge serves to that video's
sessions only (playback/edge.py).
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.db import transaction

from catalog.media_checks import Verdict
from catalog.models import StreamSource, TrickplayStatus, TrickplayTrack, Video
from catalog.trickplay_checks import check_trickplay
from streaming_portal.infra.origin import local_file, origin_relative_path

logger = logging.getLogger(__name__)
TASK = "catalog.tasks.build_trickplay"
FOLDER = "thumbs"
VTT_NAME = "thumbs.vtt"
INTERVAL_SECONDS = 10
TILE_WIDTH = 160
COLUMNS = ROWS = 10
FFMPEG_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class Outcome:
    status: TrickplayStatus
    message: str


class GenerationFailed(Exception):  # noqa: N818 - reads as a sentence
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def ffmpeg_binary() -> str:
    """The ffmpeg the imageio-ffmpeg wheel ships, as catalog/demo_media.py encodes with it."""
    import imageio_ffmpeg  # noqa: PLC0415 - installed with the embedded extra

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _timestamp(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{round((seconds - whole) * 1000):03d}"


def thumbnails_vtt(*, frames: int, duration: float, tile: tuple[int, int]) -> str:
    """The WebVTT that maps every ``INTERVAL_SECONDS`` of the title to its tile."""
    width, height = tile
    per_sheet = COLUMNS * ROWS
    lines = ["WEBVTT", ""]
    for frame in range(frames):
        start = frame * INTERVAL_SECONDS
        end = min(duration, start + INTERVAL_SECONDS)
        if end <= start:
            break
        sheet, cell = divmod(frame, per_sheet)
        row, column = divmod(cell, COLUMNS)
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"sprite-{sheet}.jpg#xywh={column * width},{row * height},{width},{height}",
            "",
        ]
    return "\n".join(lines)


def _summary(stderr: str) -> str:
    """The last meaningful lines of ffmpeg's error output, short enough for the admin."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " / ".join(lines[-3:])[:400] or "ffmpeg failed without a message."


def playlist_seconds(playlist: Path) -> float:
    return sum(
        float(line.split(":", 1)[1].split(",", 1)[0])
        for line in playlist.read_text(errors="replace").splitlines()
        if line.startswith("#EXTINF:")
    )


def lowest_variant(master: Path) -> Path:
    """The first variant a master playlist names (the demo lists the smallest first), or the
    playlist itself when it is a media playlist."""
    lines = master.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF") and index + 1 < len(lines):
            variant = local_file(
                str(Path(origin_relative_path_of(master)).parent / lines[index + 1].strip())
            )
            if variant is None:
                raise GenerationFailed(f"The variant {lines[index + 1].strip()!r} is missing.")
            return variant
    return master


def origin_relative_path_of(path: Path) -> str:
    return str(path.relative_to(Path(settings.LOCAL_ORIGIN_ROOT)))


def generate_sprites(*, playlist: Path, target: Path, ffmpeg: str | None = None) -> int:
    """Write ``sprite-<n>.jpg`` and ``thumbs.vtt`` for ``playlist`` into ``target``; the
    number of thumbnails. Replaces ``target`` whole, so a reader never sees half of it."""
    duration = playlist_seconds(playlist)
    if duration <= 0:
        raise GenerationFailed("The playlist names no segments.")
    work = Path(tempfile.mkdtemp(prefix=".thumbs-", dir=target.parent))
    try:
        try:
            subprocess.run(  # noqa: S603 - a fixed binary with our own arguments
                [
                    ffmpeg or ffmpeg_binary(),
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-y",
                    "-skip_frame",
                    "nokey",
                    "-i",
                    str(playlist),
                    "-an",
                    "-vf",
                    f"fps=1/{INTERVAL_SECONDS},scale={TILE_WIDTH}:-2,tile={COLUMNS}x{ROWS}",
                    "-fps_mode",
                    "passthrough",
                    "-q:v",
                    "5",
                    "-start_number",
                    "0",
                    str(work / "sprite-%d.jpg"),
                ],
                check=True,
                capture_output=True,
                text=True,
                timeout=FFMPEG_TIMEOUT_SECONDS,
            )
        except subprocess.CalledProcessError as error:
            raise GenerationFailed(f"ffmpeg: {_summary(error.stderr or '')}") from error
        except subprocess.TimeoutExpired as error:
            raise GenerationFailed(
                f"ffmpeg took longer than {FFMPEG_TIMEOUT_SECONDS} s."
            ) from error
        sheets = sorted(work.glob("sprite-*.jpg"))
        if not sheets:
            raise GenerationFailed("ffmpeg wrote no thumbnails.")
        from catalog.trickplay_checks import image_size  # noqa: PLC0415 - one small helper

        size = image_size(sheets[0].read_bytes())
        if size is None:
            raise GenerationFailed("ffmpeg wrote a sprite that is not a JPEG.")
        tile = (size[0] // COLUMNS, size[1] // ROWS)
        frames = min(math.ceil(duration / INTERVAL_SECONDS), len(sheets) * COLUMNS * ROWS)
        (work / VTT_NAME).write_text(thumbnails_vtt(frames=frames, duration=duration, tile=tile))
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
        return frames
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _primary_master(video: Video) -> Path:
    stream = StreamSource.objects.filter(video=video, is_primary=True).first()
    if stream is None:
        raise GenerationFailed("The title has no primary stream.")
    relative = origin_relative_path(str(stream.stream_url))
    master = local_file(relative) if relative is not None else None
    if master is None:
        raise GenerationFailed(
            "Thumbnails can only be generated for a stream in the local origin; give the URL "
            "of a thumbnails track instead."
        )
    return master


def trickplay_generate(*, video_id: UUID | str, ffmpeg: str | None = None) -> Outcome | None:
    """Generate the thumbnails of one video and record READY or FAILED; None if gone."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return None
    try:
        master = _primary_master(video)
        frames = generate_sprites(
            playlist=lowest_variant(master), target=master.parent / FOLDER, ffmpeg=ffmpeg
        )
        relative = origin_relative_path_of(master.parent / FOLDER / VTT_NAME)
        url = str(settings.LOCAL_ORIGIN_URL).rstrip("/") + "/" + relative
        outcome = Outcome(TrickplayStatus.READY, f"Generated {frames} thumbnails.")
    except GenerationFailed as failure:
        url, outcome = "", Outcome(TrickplayStatus.FAILED, failure.message)
    _record(video, outcome, url=url)
    return outcome


def trickplay_validate(*, video_id: UUID | str) -> Outcome | None:
    """Check an editor's own thumbnails track and record READY or FAILED."""
    track = TrickplayTrack.objects.select_related("video").filter(video_id=video_id).first()
    if track is None or not track.trickplay_url:
        return None
    verdict: Verdict = check_trickplay(track.trickplay_url, track.video.duration_seconds)
    status = TrickplayStatus.READY if verdict.status == "VALID" else TrickplayStatus.FAILED
    if verdict.status == "UNKNOWN":
        status = TrickplayStatus.PENDING  # a transient failure: the task retries
    outcome = Outcome(status, verdict.message)
    _record(track.video, outcome, url=track.trickplay_url)
    return outcome


def trickplay_build(*, video_id: UUID | str) -> Outcome | None:
    """What the worker does: check the editor's URL if there is one, else generate."""
    track = TrickplayTrack.objects.filter(video_id=video_id).only("trickplay_url").first()
    if editors_own_url(track) is not None:
        return trickplay_validate(video_id=video_id)
    return trickplay_generate(video_id=video_id)


def is_generated_url(url: str) -> bool:
    """Whether ``url`` is a track the worker generated (the ``thumbs/`` folder in the local
    origin), rather than an editor's own. The export carries only an editor's own."""
    relative = origin_relative_path(url)
    return relative is not None and relative.endswith(f"/{FOLDER}/{VTT_NAME}")


def editors_own_url(track: TrickplayTrack | None) -> str | None:
    """The URL of an editor's own track; None for no track, one still to be generated, or
    one the worker generated (its URL and status are the build's, not the editor's)."""
    if track is None or not track.trickplay_url or is_generated_url(track.trickplay_url):
        return None
    return str(track.trickplay_url)


def _record(video: Video, outcome: Outcome, *, url: str) -> None:
    TrickplayTrack.objects.update_or_create(
        video=video,
        defaults={
            "trickplay_url": url,
            "status": outcome.status,
            "status_message": outcome.message,
        },
    )
    if outcome.status == TrickplayStatus.FAILED:
        logger.warning(
            "Trickplay failed",
            extra={"video_id": str(video.pk), "trickplay_message": outcome.message},
        )


def local_origin_video_ids() -> list[UUID]:
    """The videos generation can build: those whose primary stream is in the local origin."""
    streams = StreamSource.objects.filter(is_primary=True).order_by("video_id")
    return [
        stream.video_id
        for stream in streams.only("video_id", "stream_url")
        if origin_relative_path(str(stream.stream_url)) is not None
    ]


def trickplay_request(*, video_ids: Iterable[UUID | str]) -> int:
    """Mark the videos PENDING and queue their builds once the transaction commits."""
    ids = [str(i) for i in video_ids]
    with transaction.atomic():
        rows = TrickplayTrack.objects.filter(video_id__in=ids)
        existing = {str(pk) for pk in rows.values_list("video_id", flat=True)}
        rows.update(status=TrickplayStatus.PENDING, status_message="")
        TrickplayTrack.objects.bulk_create(
            [
                TrickplayTrack(video_id=pk, status=TrickplayStatus.PENDING)
                for pk in ids
                if pk not in existing
            ]
        )

        def send() -> None:
            for pk in ids:
                current_app.send_task(TASK, (pk,))

        transaction.on_commit(send)
    return len(ids)
