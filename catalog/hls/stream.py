"""Rules over a stream rather than one playlist's text: how a playlist is served (RFC 8216
4) and whether a master playlist's variants agree with one another (6.2.4).

The caller fetches; these functions only read what it fetched, so they stay pure like the
rest of the package.
"""

from __future__ import annotations

from catalog.hls.report import ERROR, WARNING, Problem, Report


def identification(path: str, content_type: str) -> Problem | None:
    """RFC 8216 4: a playlist is known by its path (.m3u8, .m3u) or by its Content-Type."""
    if path.lower().endswith((".m3u8", ".m3u")) or content_type in (
        "application/vnd.apple.mpegurl",
        "audio/mpegurl",
    ):
        return None
    return Problem(
        None,
        f"the playlist is served as {content_type or 'no type'} from a path that does not end "
        "in .m3u8 or .m3u: players may not recognise it (serve it as "
        "application/vnd.apple.mpegurl)",
        "4",
        WARNING,
    )


def variant_consistency(variants: list[tuple[str, Report]]) -> list[Problem]:
    """RFC 8216 6.2.4: the media playlists of a master playlist's variant streams must have
    the same target duration and matching discontinuities (labels name the variants)."""
    problems = []
    targets = {label: report.target_duration for label, report in variants}
    if len(set(targets.values())) > 1:
        listed = ", ".join(f"{label} {target}" for label, target in targets.items())
        problems.append(
            Problem(
                None,
                f"the variants have different #EXT-X-TARGETDURATION values ({listed}); "
                "every variant must have the same",
                "6.2.4",
                WARNING,
            )
        )
    counts = {label: report.discontinuities for label, report in variants}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{label} {count}" for label, count in counts.items())
        problems.append(
            Problem(
                None,
                f"the variants have different numbers of #EXT-X-DISCONTINUITY tags ({listed}); "
                "matching content must have matching discontinuity sequence numbers, or "
                "switching variants breaks playback",
                "6.2.4",
                ERROR,
            )
        )
    return problems
