"""The request budget counts, refuses with the wait, holds after 429, reports what is left."""

from __future__ import annotations

import pytest

from custom_components.camhub.providers.budget import Limit, RequestBudget
from custom_components.camhub.providers.errors import RateLimitedError


class FakeClock:
    """Seconds that only move when told to."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_angelcam_minute_limit_refuses_the_21st_and_names_the_wait() -> None:
    clock = FakeClock()
    budget = RequestBudget.angelcam(clock)
    for second in range(20):
        clock.now += 1 if second else 0
        budget.acquire()
    assert budget.remaining_minute == 0
    assert budget.remaining_today == 980
    assert budget.sent == 20
    with pytest.raises(RateLimitedError) as caught:
        budget.acquire()
    # The first request (at t0) leaves the window at t0+60; now is t0+19.
    assert caught.value.retry_after == pytest.approx(41)
    assert budget.sent == 20, "a refused call is not counted"
    clock.now += 41
    budget.acquire()
    assert budget.remaining_minute == 0


def test_angelcam_daily_limit() -> None:
    clock = FakeClock()
    budget = RequestBudget.angelcam(clock)
    assert budget.daily_limit == 1000
    assert budget.minute_limit == 20
    for _ in range(1000):
        budget.acquire()
        clock.now += 3.1  # 19.35 per minute: never hits the minute limit
    assert budget.remaining_today == 0
    with pytest.raises(RateLimitedError) as caught:
        budget.acquire()
    assert caught.value.retry_after == pytest.approx(86400 - 3100, abs=0.01)
    status = budget.status()
    assert status.remaining == {"minute": 1, "day": 0}
    assert status.limits == {"minute": 20, "day": 1000}
    assert status.held_for == pytest.approx(caught.value.retry_after)


def test_hold_after_429_blocks_until_the_wait_is_over() -> None:
    clock = FakeClock()
    budget = RequestBudget.angelcam(clock)
    budget.hold(7)
    assert budget.wait_time() == pytest.approx(7)
    with pytest.raises(RateLimitedError, match="retry in 7 s"):
        budget.acquire()
    clock.now += 7
    budget.acquire()
    assert budget.wait_time() == 0


def test_keyed_limit_is_per_key_and_keyed_hold_is_local() -> None:
    clock = FakeClock()
    budget = RequestBudget.novavms(clock)
    budget.acquire(("trigger", "cam1"))
    budget.acquire(("trigger", "cam2"))
    with pytest.raises(RateLimitedError) as caught:
        budget.acquire(("trigger", "cam1"))
    assert caught.value.retry_after == pytest.approx(5)
    budget.acquire()  # other calls still go
    budget.hold(30, ("trigger", "cam2"))
    clock.now += 6
    budget.acquire(("trigger", "cam1"))
    with pytest.raises(RateLimitedError):
        budget.acquire(("trigger", "cam2"))
    assert budget.wait_time(("trigger", "cam2")) == pytest.approx(24)
    budget.acquire()
    assert budget.remaining_today is None
    assert budget.daily_limit is None


def test_server_headers_lower_what_is_left_and_block_at_zero() -> None:
    clock = FakeClock()
    budget = RequestBudget.novavms(clock)
    budget.observe_server(remaining=3, reset_at=clock.now + 20)
    assert budget.remaining_minute == 3
    budget.acquire()
    assert budget.remaining_minute == 2
    budget.observe_server(remaining=0, reset_at=clock.now + 20)
    with pytest.raises(RateLimitedError) as caught:
        budget.acquire()
    assert caught.value.retry_after == pytest.approx(20)
    clock.now += 21
    budget.acquire()
    # The server's count has expired with its reset time; the local window rules again.
    assert budget.remaining_minute == 998


def test_unlimited_budget_counts_only() -> None:
    budget = RequestBudget.unlimited(FakeClock())
    for _ in range(5000):
        budget.acquire()
    assert budget.sent == 5000
    assert budget.remaining_minute is None
    assert budget.minute_limit is None


def test_custom_limits() -> None:
    clock = FakeClock()
    budget = RequestBudget([Limit("minute", 2, 10)], clock=clock)
    budget.acquire()
    clock.now += 4
    budget.acquire()
    with pytest.raises(RateLimitedError) as caught:
        budget.acquire()
    assert caught.value.retry_after == pytest.approx(6)
    assert RateLimitedError("x", -3).retry_after == 0
