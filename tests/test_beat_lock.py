"""One beat schedules across the cluster (streaming_portal/beat_lock.py), on the real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from playback import live
from streaming_portal.beat_lock import LOCK_KEY, LockedScheduler
from streaming_portal.celery import app


class Counting(LockedScheduler):
    """Counts what it would send instead of sending it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[str] = []
        super().__init__(*args, **kwargs)

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kw: Any) -> Any:
        self.sent.append(entry.name)
        return None


@pytest.fixture
def beats(tmp_path: Path, settings: Settings) -> Iterator[list[Counting]]:
    settings.BEAT_LOCK_SECONDS = 3
    app.conf.beat_schedule = {"ping": {"task": "streaming_portal.ping", "schedule": 0.001}}
    made = [
        Counting(app=app, schedule_filename=str(tmp_path / f"beat-{n}"), lazy=False)
        for n in range(2)
    ]
    yield made
    for beat in made:
        beat.close()


def test_only_the_beat_holding_the_lock_schedules(beats: list[Counting]) -> None:
    first, second = beats
    for _ in range(5):
        first.tick()
        second.tick()

    assert first.leading
    assert not second.leading
    assert first.sent
    assert not second.sent
    assert live.redis().get(LOCK_KEY).decode() == first.lock_token


def test_a_standby_takes_over_once_the_leader_is_gone(beats: list[Counting]) -> None:
    first, second = beats
    first.tick()
    live.redis().delete(LOCK_KEY)  # the leader's lock ran out (a crash, a long stall)

    second.tick()
    sent_before = len(first.sent)
    first.tick()

    assert second.leading
    assert second.sent
    assert not first.leading
    assert len(first.sent) == sent_before  # a stalled leader sends nothing once it lost the lock


def test_a_clean_stop_hands_the_lock_over_at_once(beats: list[Counting]) -> None:
    first, second = beats
    first.tick()
    first.close()

    second.tick()

    assert second.leading
