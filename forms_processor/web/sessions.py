"""Sessions, CSRF tokens and sign-in throttling, kept in the server's memory.

A session is a random token in an HttpOnly, SameSite=Strict cookie; the server keeps what
it stands for. Every session (even before signing in) has its own CSRF token, checked on
every POST. Signing in always starts a fresh session. A session left idle for longer than
the idle timeout is gone. The clock is passed in, so tests need no sleeps.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "forms_session"
Clock = Callable[[], float]


@dataclass
class Session:
    token: str
    csrf: str
    last_seen: float
    user: str | None = None  # the user's name once signed in
    flash: list[str] = field(default_factory=list)


class SessionStore:
    def __init__(self, idle_seconds: float, clock: Clock = time.monotonic, limit: int = 10_000) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.limit = limit
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, user: str | None = None) -> Session:
        with self._lock:
            if len(self._sessions) >= self.limit:
                self._prune()
            s = Session(token=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), last_seen=self.clock(), user=user)
            self._sessions[s.token] = s
            return s

    def get(self, token: str | None, *, touch: bool = True) -> Session | None:
        """The live session of a cookie (None when unknown or idle too long); ``touch``
        counts this request as activity (a page polling by itself does not)."""
        if not token:
            return None
        with self._lock:
            s = self._sessions.get(token)
            if s is None:
                return None
            now = self.clock()
            if now - s.last_seen > self.idle_seconds:
                del self._sessions[token]
                return None
            if touch:
                s.last_seen = now
            return s

    def end(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def end_user(self, name: str) -> None:
        with self._lock:
            for token in [t for t, s in self._sessions.items() if s.user and s.user.lower() == name.lower()]:
                del self._sessions[token]

    def _prune(self) -> None:
        now = self.clock()
        for token in [t for t, s in self._sessions.items() if now - s.last_seen > self.idle_seconds]:
            del self._sessions[token]
        while len(self._sessions) >= self.limit:  # the oldest go first
            oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
            del self._sessions[oldest.token]


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and secrets.compare_digest(str(given), expected)


class Throttle:
    """At most ``tries`` sign-in attempts per ``window`` seconds for one name from one address."""

    def __init__(self, tries: int = 5, window: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.tries = tries
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, name: str, address: str) -> bool:
        """Count one attempt; False when this name and address have used up their tries."""
        key = (name.strip().lower(), address)
        now = self.clock()
        with self._lock:
            if len(self._seen) > 50_000:
                self._seen = {k: q for k, q in self._seen.items() if q and now - q[-1] < self.window}
            times = self._seen.setdefault(key, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.tries:
                return False
            times.append(now)
            return True
