"""Request budget per account: counts requests, refuses those that would break a limit."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import time

from .errors import RateLimitedError

MINUTE = 60.0
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` requests in any sliding window of `seconds`."""

    name: str
    count: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetStatus:
    """What is left, for the coordinator to plan polling."""

    remaining: Mapping[str, int]
    limits: Mapping[str, int]
    held_for: float
    sent: int


class _Window:
    """Sliding-window counter for one limit (timestamps of the requests inside it)."""

    __slots__ = ("held_until", "limit", "stamps")

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.stamps: deque[float] = deque()
        self.held_until = 0.0

    def prune(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.limit.seconds:
            self.stamps.popleft()

    def remaining(self, now: float) -> int:
        self.prune(now)
        return max(0, self.limit.count - len(self.stamps))

    def wait(self, now: float) -> float:
        """Seconds until one more request fits (0 or less if it fits now)."""
        if self.remaining(now) > 0:
            return self.held_until - now
        # The request that frees a slot is the one `count` places from the end.
        return max(self.stamps[-self.limit.count] + self.limit.seconds, self.held_until) - now


class RequestBudget:
    """One account's budget; shared by every call that client makes."""

    def __init__(
        self,
        limits: Sequence[Limit],
        *,
        keyed: Sequence[Limit] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        # `keyed` limits apply per key (e.g. NovaVMS trigger: per camera).
        self._windows = {limit.name: _Window(limit) for limit in limits}
        self._keyed_limits = {limit.name: limit for limit in keyed}
        self._keyed: dict[tuple[str, str], _Window] = {}
        self._clock = clock
        self._held_until = 0.0
        self._server_remaining: int | None = None
        self._server_reset = 0.0
        self.sent = 0

    @classmethod
    def angelcam(cls, clock: Callable[[], float] = time.time) -> RequestBudget:
        """20 requests per minute and 1000 per day per user account."""
        return cls([Limit("minute", 20, MINUTE), Limit("day", 1000, DAY)], clock=clock)

    @classmethod
    def novavms(cls, clock: Callable[[], float] = time.time) -> RequestBudget:
        """1000 per minute per key; manual trigger once per camera per 5 s."""
        return cls(
            [Limit("minute", 1000, MINUTE)],
            keyed=[Limit("trigger", 1, 5.0)],
            clock=clock,
        )

    @classmethod
    def unlimited(cls, clock: Callable[[], float] = time.time) -> RequestBudget:
        """A local device has no vendor quota; the budget still counts and honours 429."""
        return cls([], clock=clock)

    def _keyed_window(self, name: str, key: str) -> _Window:
        window = self._keyed.get((name, key))
        if window is None:
            window = self._keyed[(name, key)] = _Window(self._keyed_limits[name])
        return window

    def _wait(self, now: float, keyed: tuple[str, str] | None) -> float:
        waits = [window.wait(now) for window in self._windows.values()]
        waits.append(self._held_until - now)
        if self._server_remaining == 0:
            waits.append(self._server_reset - now)
        if keyed is not None:
            waits.append(self._keyed_window(*keyed).wait(now))
        return max(waits)

    def acquire(self, keyed: tuple[str, str] | None = None) -> None:
        """Count one request, or raise RateLimitedError with the wait if it would not fit."""
        now = self._clock()
        wait = self._wait(now, keyed)
        if wait > 0:
            raise RateLimitedError(f"request budget exhausted; retry in {wait:.0f} s", wait)
        for window in self._windows.values():
            window.stamps.append(now)
        if keyed is not None:
            self._keyed_window(*keyed).stamps.append(now)
        if self._server_remaining is not None and self._server_remaining > 0:
            self._server_remaining -= 1
        self.sent += 1

    def hold(self, seconds: float, keyed: tuple[str, str] | None = None) -> None:
        """Refuse calls for `seconds` after a 429: every call, or only those of one key."""
        until = self._clock() + seconds
        if keyed is None:
            self._held_until = max(self._held_until, until)
        else:
            self._keyed_window(*keyed).held_until = until

    def observe_server(self, remaining: int, reset_at: float) -> None:
        """Take the vendor's own count (X-RateLimit-Remaining / -Reset, unix seconds)."""
        self._server_remaining = max(0, remaining)
        self._server_reset = reset_at

    def wait_time(self, keyed: tuple[str, str] | None = None) -> float:
        """Seconds until the next call (for this key) would be allowed; 0 if now."""
        return max(0.0, self._wait(self._clock(), keyed))

    def remaining(self, name: str) -> int | None:
        """Requests left in the named window (None if this vendor has no such limit)."""
        window = self._windows.get(name)
        if window is None:
            return None
        left = window.remaining(self._clock())
        server_fresh = self._server_reset > self._clock()
        if name == "minute" and self._server_remaining is not None and server_fresh:
            left = min(left, self._server_remaining)
        return left

    @property
    def remaining_minute(self) -> int | None:
        """Requests left in the current minute window."""
        return self.remaining("minute")

    @property
    def remaining_today(self) -> int | None:
        """Requests left in the rolling day window."""
        return self.remaining("day")

    @property
    def minute_limit(self) -> int | None:
        """The per-minute limit, if any."""
        window = self._windows.get("minute")
        return None if window is None else window.limit.count

    @property
    def daily_limit(self) -> int | None:
        """The per-day limit, if any."""
        window = self._windows.get("day")
        return None if window is None else window.limit.count

    def status(self) -> BudgetStatus:
        """Everything that is left, in one object (for diagnostics and planning)."""
        remaining = {name: self.remaining(name) or 0 for name in self._windows}
        limits = {name: window.limit.count for name, window in self._windows.items()}
        return BudgetStatus(
            remaining=remaining, limits=limits, held_for=self.wait_time(), sent=self.sent
        )
