"""Angelcam simulator: the documented 20/min and 1000/day per-account limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import math

import aiohttp
import pytest

from simulator.angelcam_http import RateLimiter, RateLimits
from simulator.control import SimClock

from .angelcam_support import Angel, Serve, running, validate_schema
from .conftest import START


@pytest.fixture
async def angel(
    serve: Serve, session: aiohttp.ClientSession, clock: SimClock
) -> AsyncIterator[Angel]:
    """The demo scenario with the documented limits on."""
    async with running(serve, session, clock, limits=True) as sim:
        yield sim


async def test_minute_window(angel: Angel) -> None:
    """The 21st request within a minute is throttled until the first one leaves the window."""
    for second in range(20):
        angel.clock.advance(1)
        assert (await angel.api.get("/v1/me/")).status == 200, second
    throttled = await angel.api.get("/v1/me/", validate=False)
    assert throttled.status == 429
    validate_schema(throttled.body, "Error429TooManyRequests")
    # The first request was at +1 s, now is +20 s: its slot frees at +61 s.
    assert throttled.body == {
        "title": "throttled",
        "detail": "Request was throttled. Expected available in 41 seconds.",
        "status": 429,
    }
    assert "Retry-After" not in throttled.headers
    angel.clock.advance(40)
    assert (await angel.api.get("/v1/me/", validate=False)).status == 429
    angel.clock.advance(1)
    assert (await angel.api.get("/v1/me/")).status == 200
    assert angel.log.count(vendor="angelcam", status=429) == 2


async def test_limit_is_per_account(angel: Angel) -> None:
    """Another user's token has its own window; the log counts per account."""
    for _ in range(20):
        await angel.api.get("/v1/me/")
    assert (await angel.api.get("/v1/me/", validate=False)).status == 429
    bob = angel.state.world.users[2].personal_access_token
    other = await angel.api.get("/v1/me/", auth=False, headers=angel.api.auth(bob))
    assert other.status == 200
    assert other.body["id"] == 2
    assert angel.log.count(vendor="angelcam", account="1") == 21
    assert angel.log.count(vendor="angelcam", account="2") == 1


async def test_day_window(angel: Angel) -> None:
    """1000 requests a day: after that only the passing of a day helps."""
    limiter = angel.state.rate_limiter
    for _ in range(999):
        angel.clock.advance(3.5)  # 17 a minute: never the minute limit
        assert limiter.hit("1") is None
    angel.clock.advance(3.5)
    assert (await angel.api.get("/v1/me/")).status == 200
    angel.clock.advance(60)
    throttled = await angel.api.get("/v1/me/", validate=False)
    assert throttled.status == 429
    # The oldest request was 1000 * 3.5 + 60 seconds ago; a day after it, a slot frees.
    wait = 86400 - (1000 * 3.5 + 60) + 3.5
    expected = f"Request was throttled. Expected available in {math.ceil(wait)} seconds."
    assert throttled.body["detail"] == expected
    angel.clock.advance(wait)
    assert (await angel.api.get("/v1/me/")).status == 200


async def test_media_hosts_are_not_counted(angel: Angel) -> None:
    """Stream and snapshot URLs live on other hosts and do not use the API budget."""
    camera = (await angel.api.get("/v1/cameras/1/")).body
    for _ in range(25):
        assert (await angel.api.get(camera["live_snapshot"], auth=False)).status == 200
    assert (await angel.api.get("/v1/me/")).status == 200


def test_limiter_switches_windows_off() -> None:
    """``None`` disables a window; a wait is never below one second."""
    clock = SimClock(START)
    limiter = RateLimiter(clock, RateLimits(per_minute=2, per_day=None))
    assert limiter.hit("a") is None
    assert limiter.hit("a") is None
    assert limiter.hit("a") == 60
    clock.advance(59.9)
    assert limiter.hit("a") == 1
    clock.advance(0.1)
    assert limiter.hit("a") is None
    limiter.limits.per_minute = None
    assert all(limiter.hit("a") is None for _ in range(50))


def test_limiter_forgets_requests_older_than_a_day() -> None:
    """The day window slides: old requests drop out of the count."""
    clock = SimClock(START)
    limiter = RateLimiter(clock, RateLimits(per_minute=None, per_day=3))
    for _ in range(3):
        assert limiter.hit("a") is None
    assert limiter.hit("a") == 86400
    clock.advance(timedelta(days=1).total_seconds())
    assert limiter.hit("a") is None
