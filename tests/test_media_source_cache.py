"""The per-entry media cache: shared fetches, expiry, eviction, failures, other vendors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.recordings import TtlCache, media_library
from simulator.stack import SimulatorStack

T0 = datetime(2026, 5, 1, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_concurrent_misses_share_one_fetch_and_values_expire() -> None:
    clock = Clock()
    cache = TtlCache(clock, max_entries=2)
    calls: list[str] = []
    release = asyncio.Event()

    async def fetch() -> str:
        calls.append("a")
        await release.wait()
        return f"value{len(calls)}"

    first = asyncio.create_task(cache.get("a", timedelta(seconds=10), fetch))
    second = asyncio.create_task(cache.get("a", timedelta(seconds=10), fetch))
    await asyncio.sleep(0)
    release.set()
    assert await first == await second == "value1"
    assert await cache.get("a", timedelta(seconds=10), fetch) == "value1"
    clock.now += timedelta(seconds=11)
    assert await cache.get("a", timedelta(seconds=10), fetch) == "value2"
    # Beyond two entries the least recently used goes.
    await cache.get("b", None, fetch)
    await cache.get("c", None, fetch)
    assert await cache.get("a", None, fetch) == "value5"
    cache.forget("a")
    assert await cache.get("a", None, fetch) == "value6"


async def test_failures_reach_every_waiter_and_are_not_cached() -> None:
    cache = TtlCache(Clock())
    release = asyncio.Event()
    attempts = 0

    async def fetch() -> str:
        nonlocal attempts
        attempts += 1
        await release.wait()
        if attempts == 1:
            raise RuntimeError("boom")
        return "ok"

    first = asyncio.create_task(cache.get("k", None, fetch))
    second = asyncio.create_task(cache.get("k", None, fetch))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(RuntimeError):
        await first
    with pytest.raises(RuntimeError):
        await second
    assert await cache.get("k", None, fetch) == "ok"


async def test_cancelled_fetch_cancels_waiters() -> None:
    cache = TtlCache(Clock())

    async def fetch() -> str:
        await asyncio.Event().wait()
        return "never"

    first = asyncio.create_task(cache.get("k", None, fetch))
    second = asyncio.create_task(cache.get("k", None, fetch))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    with pytest.raises(asyncio.CancelledError):
        await second


async def test_vendors_without_cloud_recording_have_none(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    opencamera_entry: MockConfigEntry,
) -> None:
    nova = media_library(hass, novavms_entry)
    assert media_library(hass, novavms_entry) is nova
    camera_id = next(iter(novavms_entry.runtime_data.coordinator.data.cameras))
    assert await nova.recordings(camera_id) == []
    assert await nova.clips(camera_id) == []
    assert await nova.timeline("r", T0.date()) == []
    device = media_library(hass, opencamera_entry)
    assert await device.events("x") == []
