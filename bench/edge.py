"""Segments per second through the nginx edge (deploy/nginx/edge.js) against the portal's own
Django edge, in the same run, on the same files, for the same viewers.

Every request carries a real viewer's cookies (sign-in, token, grant) for one of PLAYERS
sessions and names one of their segments; both edges check the token's grammar, key,
signature, expiry, path and viewer on every request and the session's revocation (Django: a
Redis read; nginx: a marker file), so the ratio is the cost of a segment request, not of a
skipped check. A forged token is sent to both edges before and after the load and must be
refused: a benchmark over an edge that stopped checking would measure nothing.

Segments are SEGMENT_BYTES (a few TS packets' worth of a low rendition) so that the run
measures the per-request cost, which is what limits an edge; a second pair of runs with
segments of a 6-second 700 kbit/s rendition reports what bandwidth does to it.
"""

from __future__ import annotations

import http.client
import tempfile
from pathlib import Path
from typing import Any

from bench.environment import UNLIMITED_ENV, free_port, gunicorn, session_cookie
from bench.load import Request
from bench.report import BenchReport
from bench.wrk import MISSING as WRK_MISSING
from bench.wrk import WrkResult, run_wrk, wrk_binary

PLAYERS = 200
SEGMENTS = 20
SEGMENT_BYTES = 188 * 64  # 12 KiB
REAL_SEGMENT_BYTES = 700_000 * 6 // 8  # 525 KB: 6 s at 700 kbit/s
CONNECTIONS = {"nginx edge (njs)": 64, "Django edge (gunicorn)": 16}
ROUNDS = 2
GOAL_RATIO = 10.0
GOAL_RATE = 5_000.0


def _write_stream(folder: Path, segment_bytes: int) -> None:
    (folder / "low").mkdir(parents=True, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6"]
    for number in range(SEGMENTS):
        (folder / "low" / f"seg{number}.ts").write_bytes(
            bytes([0x47]) + bytes((number + i) % 256 for i in range(segment_bytes - 1))
        )
        lines += ["#EXTINF:6.0,", f"low/seg{number}.ts"]
    (folder / "master.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))


def prepare(stream_folder: str, *, title: int) -> list[dict[str, Any]]:
    """PLAYERS viewers, each signed in and watching one session of a local-origin stream
    (the ``title``-th bench movie's, pointed at ``stream_folder``: one title per folder, as
    the portal's edges keep a stream's URL for minutes)."""
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from accounts.services import demo_household  # noqa: PLC0415
    from catalog.models import Movie, StreamSource, Video  # noqa: PLC0415
    from playback import grants, tokens  # noqa: PLC0415
    from playback.sessions import session_start  # noqa: PLC0415

    if not Movie.objects.filter(title__startswith="Bench ").exists():
        from bench.catalog_data import load_movies  # noqa: PLC0415

        load_movies(5, prefix="Bench")
    movies = Movie.objects.filter(title__startswith="Bench ").order_by("title")
    video = Video.objects.get(pk=movies[title].pk)
    source = StreamSource.objects.filter(video=video).first()
    if source is None:
        raise RuntimeError("the bench catalog has a movie without a stream source")
    source.stream_url = f"{settings.LOCAL_ORIGIN_URL}{stream_folder}/master.m3u8"
    source.save()
    user_model = get_user_model()
    user_model.objects.filter(username__startswith=f"bench-edge-{title}-").delete()
    players = []
    for number in range(PLAYERS):
        user = user_model.objects.create(username=f"bench-edge-{title}-{number}")
        profile = demo_household(user=user).profiles.get(is_kids=False)
        started = session_start(profile=profile, video=video, device_type="DESKTOP")
        signin = session_cookie(profile.pk, user)
        grant = grants.session_grant(
            started.token, session_id=started.session.pk, signin_key=signin.partition("=")[2]
        )
        players.append(
            {
                "session": str(started.session.pk),
                "cookie": f'{signin}; edge_token="{started.token}"; edge_grant="{grant}"',
                "forged": f'{signin}; edge_token="{_forged(started.token, tokens)}"; '
                f'edge_grant="{grant}"',
            }
        )
    return players


def _forged(token: str, tokens: Any) -> str:
    parsed = tokens.parse(token)[0]
    return token.replace(f"exp={parsed.exp}", f"exp={parsed.exp + 86_400}")


def _requests(players: list[dict[str, Any]]) -> list[Request]:
    return [
        (
            "GET",
            f"/edge/{player['session']}/low/seg{(index * 7) % SEGMENTS}.ts",
            None,
            {"Host": "127.0.0.1", "Cookie": player["cookie"]},
        )
        for index, player in enumerate(players)
    ]


def _refuses_forgery(port: int, player: dict[str, Any]) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "GET",
            f"/edge/{player['session']}/low/seg0.ts",
            headers={"Host": "127.0.0.1", "Cookie": player["forged"]},
        )
        response = connection.getresponse()
        return response.status == 403 and b"token_bad_signature" in response.read()
    finally:
        connection.close()


def _measure(
    report: BenchReport, players: list[dict[str, Any]], ports: dict[str, int], duration: float
) -> dict[str, float]:
    rates = {}
    for label, port in ports.items():
        if not _refuses_forgery(port, players[0]):
            report.failed_requests += 1
            report.add(f"{label}: a forged token was NOT refused; the figure would be a lie")
    results: dict[str, list[WrkResult]] = {label: [] for label in ports}
    for _ in range(ROUNDS):  # alternating rounds: a noisy machine slows both alike
        for label, port in ports.items():
            results[label].append(
                run_wrk(
                    label,
                    port,
                    _requests(players),
                    duration=duration / ROUNDS,
                    connections=CONNECTIONS[label],
                )
            )
    for label, parts in results.items():
        best = max(parts, key=lambda part: part.throughput)
        for part in parts:
            report.failed_requests += part.errors
        report.add(best.line() + f"   (best of {ROUNDS} alternating rounds)")
        report.add(
            f"  {best.bytes_read / max(best.requests, 1) / 1000:,.0f} kB read per answer "
            f"(wrk's count, headers included), {best.bytes_read * 8 / best.seconds / 1e9:.1f} Gbit/s"
        )
        rates[label] = best.throughput
    for label, port in ports.items():
        if not _refuses_forgery(port, players[-1]):
            report.failed_requests += 1
            report.add(f"{label}: a forged token was NOT refused after the load")
    return rates


def run(duration: float, *, smoke: bool = False) -> BenchReport:
    from django.conf import settings  # noqa: PLC0415

    from deploy.nginx_edge import MISSING, nginx_binary, running, user_directive  # noqa: PLC0415
    from playback.edge_config import EdgeLayout, edge_config_write  # noqa: PLC0415

    report = BenchReport(
        f"Edge: segments/s, nginx+njs against the Django edge, {PLAYERS} viewers, "
        "load from wrk, token checked on every request"
    )
    for missing, problem in (
        (nginx_binary() is None, MISSING),
        (wrk_binary() is None, WRK_MISSING),
    ):
        if missing:
            report.failed_requests += 1
            report.add(f"NOT RUN: {problem}")
            return report
    root = Path(settings.LOCAL_ORIGIN_ROOT)
    _write_stream(root / "bench-edge", SEGMENT_BYTES)
    _write_stream(root / "bench-edge-real", REAL_SEGMENT_BYTES)
    players = prepare("bench-edge", title=0)
    with gunicorn(UNLIMITED_ENV) as portal_port, tempfile.TemporaryDirectory() as folder:
        edge_port = free_port()
        conf = edge_config_write(
            EdgeLayout(
                config_dir=Path(folder),
                listen=f"127.0.0.1:{edge_port}",
                portal_nodes=[f"127.0.0.1:{portal_port}"],
                user=user_directive(),
            )
        )
        with running(conf, port=edge_port):
            ports = {"nginx edge (njs)": edge_port, "Django edge (gunicorn)": portal_port}
            for port in ports.values():  # warm both: connections, caches, file cache
                run_wrk("warm-up", port, _requests(players), duration=1, connections=8)
            report.add(f"segments of {SEGMENT_BYTES:,} bytes (per-request cost):")
            rates = _measure(report, players, ports, duration)
            nginx, django = rates["nginx edge (njs)"], rates["Django edge (gunicorn)"]
            ratio = nginx / django if django else float("inf")
            report.add(f"nginx edge serves {ratio:.1f}x the segments of the Django edge")
            report.target(
                f">= {GOAL_RATIO:.0f}x the Django edge", ratio >= GOAL_RATIO, f"{ratio:.1f}x"
            )
            report.target(
                f">= {GOAL_RATE:,.0f} segments/s through nginx",
                nginx >= GOAL_RATE,
                f"{nginx:,.0f}/s",
            )
            if not smoke:
                real = prepare("bench-edge-real", title=1)
                report.add(f"segments of {REAL_SEGMENT_BYTES:,} bytes (6 s at 700 kbit/s):")
                real_rates = _measure(report, real, ports, duration / 2)
                nginx_real = real_rates["nginx edge (njs)"]
                report.add(
                    f"nginx edge serves {nginx_real / max(real_rates['Django edge (gunicorn)'], 1e-9):.1f}x "
                    "the segments of the Django edge at this size"
                )
    return report
