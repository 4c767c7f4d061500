"""Simulated players against the cluster's front door, as a browser's player behaves.

Each player is a signed-in viewer in its own thread: it starts a viewing session (a POST
through nginx to any web node), then loops: a heartbeat every BEAT_SECONDS with its position
moving on a second each time, a segment through the edge every other beat, and the home page
and its title's page
(browse reads, from the replica) every few seconds. A session lost to a fault is started
again. Every answer is recorded with its time, and every acknowledged heartbeat with its
position: the rig checks those positions against PostgreSQL after each fault.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

BEAT_SECONDS = 0.25


@dataclass(frozen=True)
class Answer:
    at: float
    player: int
    kind: str  # start, heartbeat, segment, browse
    status: int  # 0: no answer (refused or reset connection)


@dataclass
class Record:
    answers: list[Answer] = field(default_factory=list)
    acked: dict[int, list[tuple[float, int]]] = field(
        default_factory=dict
    )  # player: (time, position)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, player: int, kind: str, status: int) -> None:
        with self.lock:
            self.answers.append(Answer(time.time(), player, kind, status))

    def ack(self, player: int, position: int) -> None:
        with self.lock:
            self.acked.setdefault(player, []).append((time.time(), position))


class Player(threading.Thread):
    def __init__(  # noqa: PLR0917 - one player's whole identity
        self,
        number: int,
        port: int,
        signin: str,
        video: str,
        title_path: str,
        record: Record,
        stop: threading.Event,
    ) -> None:
        super().__init__(name=f"player-{number}", daemon=True)
        self.number, self.port, self.video, self.title_path = number, port, video, title_path
        self.record, self.stopping = record, stop
        self.csrf = secrets.token_hex(16)
        self.cookies = {"sessionid": signin, "csrftoken": self.csrf}
        self.session: str | None = None
        self.position = 1
        self.connection: http.client.HTTPConnection | None = None

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": self.csrf,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(2):  # a keep-alive connection the server closed: once more
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                for header in response.headers.get_all("Set-Cookie") or []:
                    for name, morsel in SimpleCookie(header).items():
                        self.cookies[name] = morsel.coded_value
                return response.status, data
            except (OSError, http.client.HTTPException):
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
                if attempt == 1:
                    return 0, b""
        return 0, b""

    def _start(self) -> None:
        status, data = self._request("POST", f"/api/playback/{self.video}/sessions", b"{}")
        self.record.answer(self.number, "start", status)
        if status == 201:
            started = json.loads(data)
            self.session = started["session_id"]
            self.position = max(self.position, int(started.get("resume_seconds") or 0) + 1)

    def _beat(self) -> None:
        body = json.dumps({"position_seconds": self.position, "at": int(time.time() * 1000)})
        status, data = self._request(
            "POST", f"/api/sessions/{self.session}/heartbeat", body.encode()
        )
        self.record.answer(self.number, "heartbeat", status)
        if status == 200 and json.loads(data).get("status") == "ok":
            self.record.ack(self.number, self.position)
            self.position += 1
        elif status in {403, 404, 409}:
            self.session = None  # ended or unknown after a fault: a new session

    def run(self) -> None:
        tick = 0
        while not self.stopping.is_set():
            began = time.monotonic()
            if self.session is None:
                self._start()
            else:
                self._beat()
                if tick % 2 == 0 and self.session is not None:
                    status, _ = self._request("GET", f"/edge/{self.session}/low/seg{tick % 10}.ts")
                    self.record.answer(self.number, "segment", status)
                if tick % 6 == 0:  # the home page and the title's page, in turn
                    page = "/" if tick % 12 == 0 else self.title_path
                    status, _ = self._request("GET", page)
                    self.record.answer(self.number, "browse", status)
            tick += 1
            self.stopping.wait(max(0.0, BEAT_SECONDS - (time.monotonic() - began)))
        if self.connection is not None:
            self.connection.close()
