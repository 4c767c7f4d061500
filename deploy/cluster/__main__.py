"""``make cluster-test``: bring the production topology up on this machine, drive simulated
players through it, break each piece in turn, and report what every fault did.

Exits non-zero when an acknowledged heartbeat was lost, a fault that must not show users an
error did, a piece did not recover in time, or two beats scheduled at once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from deploy.cluster.engines import missing_engines
from deploy.cluster.players import Player, Record
from deploy.cluster.scenario import FaultResult, faults, run_fault
from deploy.cluster.topology import Cluster
from deploy.nginx_edge import MISSING, nginx_binary

HLS_SEGMENTS = 10


def _setup_django(cluster: Cluster) -> None:
    os.environ.update(cluster.env())
    import django  # noqa: PLC0415

    django.setup()


def _seed(cluster: Cluster, players: int) -> dict[int, tuple[str, str, str, str]]:
    """A catalog whose streams live in the bucket, and ``players`` signed-in viewers:
    {player: (session cookie, profile id, video id, title page)}."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from accounts.services import demo_household  # noqa: PLC0415
    from bench.catalog_data import load_movies  # noqa: PLC0415
    from bench.environment import session_cookie  # noqa: PLC0415
    from catalog.models import Movie, StreamSource  # noqa: PLC0415
    from streaming_portal.infra import object_storage  # noqa: PLC0415

    folder = cluster.root / "hls"
    (folder / "low").mkdir(parents=True, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6"]
    for number in range(HLS_SEGMENTS):
        (folder / "low" / f"seg{number}.ts").write_bytes(bytes([0x47]) * 188 * 64)
        lines += ["#EXTINF:6.0,", f"low/seg{number}.ts"]
    (folder / "master.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    object_storage.client().create_bucket(Bucket="media")
    object_storage.folder_upload(folder, "vod/rig")
    load_movies(12, prefix="Rig")
    StreamSource.objects.update(stream_url=f"{cluster.env()['S3_ORIGIN_URL']}vod/rig/master.m3u8")
    movies = list(Movie.objects.filter(maturity_rating__lte=13).order_by("title"))
    viewers = {}
    for number in range(players):
        user = get_user_model().objects.create(username=f"rig-player-{number}")
        profile = demo_household(user=user).profiles.get(is_kids=False)
        cookie = session_cookie(profile.pk, user).partition("=")[2]
        movie = movies[number % len(movies)]
        viewers[number] = (cookie, str(profile.pk), str(movie.pk), f"/movies/{movie.slug}/")
    return viewers


def _beat_leaders(cluster: Cluster) -> list[str]:
    """Each beat's changes of leadership, from its log and the rig's kills, in time order."""
    from datetime import UTC, datetime  # noqa: PLC0415

    events = [
        f"{datetime.fromtimestamp(at, tz=UTC).isoformat(timespec='milliseconds')} {name} killed"
        for at, name in cluster.kills
        if name.startswith("beat-")
    ]
    for name in ("beat-1", "beat-2"):
        for line in (cluster.root / f"{name}.log").read_text(errors="replace").splitlines():
            if '"beat_leading"' in line or '"beat_standing_by"' in line:
                moment = json.loads(line).get("time", "")
                events.append(f"{moment} {name} {'leads' if 'leading' in line else 'stands by'}")
    return sorted(events)


def _overlapping_leaders(events: list[str]) -> bool:
    leading: set[str] = set()
    for event in events:
        _, name, what = event.split(" ", 2)
        if what == "leads":
            if leading - {name}:
                return True
            leading.add(name)
        else:
            leading.discard(name)
    return False


def _report(results: list[FaultResult], leaders: list[str], overlap: bool) -> list[str]:
    lines = [
        "",
        "make cluster-test: what each fault did",
        f"{'fault':<70} {'answers':>8} {'5xx':>5} {'no answer':>9} {'recovery':>9} "
        f"{'hb acked':>8} {'stored':>7} {'lost':>5}  result",
    ]
    for r in results:
        lines.append(
            f"{r.name:<70} {sum(r.answers.values()):>8} {r.server_errors:>5} {r.unanswered:>9} "
            f"{r.recovery_seconds:>8.1f}s {r.acked:>8} {r.stored:>7} {r.lost:>5}  "
            f"{'pass' if r.passed else 'FAIL'}"
            + (
                f" ({r.lost_in_window} acked in the last {1.0:.0f} s before the crash lost)"
                if r.lost_in_window
                else ""
            )
        )
    lines.append("beat leadership (two beats, one lock):")
    lines += [f"  {event}" for event in leaders] or ["  (no change logged)"]
    lines.append(f"  two beats leading at once: {'YES' if overlap else 'never'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__)
    parser.add_argument("--players", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the rig's folder (logs)")
    options = parser.parse_args()
    problems = missing_engines() + ([MISSING] if nginx_binary() is None else [])
    if problems:
        sys.exit("make cluster-test needs: " + "; ".join(problems) + " (make cluster-deps)")
    # A stopped run (SIGTERM, a CI timeout) still takes its processes down: through finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("make cluster-test: stopped"))
    root = Path(tempfile.mkdtemp(prefix="portal-cluster-"))
    root.chmod(0o755)
    cluster = Cluster(root)
    started = time.monotonic()
    stop = threading.Event()
    results: list[FaultResult] = []
    overlap, replica_served = False, 0
    try:
        print(f"::: bringing the cluster up in {root}", flush=True)
        cluster.start()
        _setup_django(cluster)
        viewers = _seed(cluster, options.players)
        cluster.start_nginx()
        print(
            f"::: up in {time.monotonic() - started:.0f} s; {options.players} players", flush=True
        )
        record = Record()
        threads = [
            Player(n, cluster.nginx_port, cookie, video, title, record, stop)
            for n, (cookie, _, video, title) in viewers.items()
        ]
        for thread in threads:
            thread.start()
        time.sleep(3)
        replica_before = cluster.replica_transactions()
        players = {n: (profile, video) for n, (_, profile, video, _) in viewers.items()}
        for fault in faults(cluster):
            results.append(run_fault(fault, record=record, players=players))
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        replica_served = cluster.replica_transactions() - replica_before
        leaders = _beat_leaders(cluster)
        overlap = _overlapping_leaders(leaders)
        for line in _report(results, leaders, overlap):
            print(line, flush=True)
        print(
            f"browse reads on the replica: {replica_served:,} catalog table scans during the run",
            flush=True,
        )
    finally:
        stop.set()
        cluster.stop()
        if not options.keep:
            import shutil  # noqa: PLC0415

            shutil.rmtree(root, ignore_errors=True)
    print(f"make cluster-test took {time.monotonic() - started:.0f} s", flush=True)
    failed = [r.name for r in results if not r.passed] + (
        ["two beats led at once"] if overlap else []
    )
    if results and replica_served <= 0:
        failed.append("the replica served no browse read")
    if failed or not results:
        sys.exit("make cluster-test FAILED: " + "; ".join(failed or ["no fault ran"]))
    print("make cluster-test: every fault recovered, no acknowledged heartbeat lost")


if __name__ == "__main__":
    main()
