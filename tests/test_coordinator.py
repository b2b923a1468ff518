"""Polling behaviour: auth failure, rate limits, outages, motion, the request budget."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.camhub.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.camhub.providers.polling import (
    ANGELCAM_MIN_INTERVAL,
    angelcam_min_interval,
    requests_per_day,
)
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry, async_wait_a_minute, novavms_data


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.world.users[1].personal_access_token = "rotated"
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == angelcam_entry.entry_id


async def test_rate_limited_poll_keeps_state_and_waits(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    planned = coordinator.update_interval
    assert planned is not None
    limits = stack.angelcam.state.rate_limiter.limits
    # The account has used up its day: Angelcam answers 429 with the wait in the body.
    limits.per_day = 0 + len(stack.log.records)
    sent = stack.log.count(vendor="angelcam")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert stack.log.count(vendor="angelcam") == sent + 1  # one refused request, no retry storm
    assert coordinator.last_update_success
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_ON
    assert coordinator.update_interval is not None
    assert coordinator.update_interval > planned
    limits.per_day = None
    # The client's own budget still holds back until the vendor's wait is over.
    await coordinator.async_refresh()
    assert stack.log.count(vendor="angelcam") == sent + 1


async def test_outage_makes_entities_unavailable_and_logs_twice(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = novavms_entry.runtime_data.coordinator
    stack.novavms.faults.add("status5xx")
    caplog.clear()
    for _ in range(3):
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.lobby_online").state == STATE_UNAVAILABLE
    stack.novavms.faults.clear()
    for _ in range(2):
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.lobby_online").state == STATE_ON
    ours = [r for r in caplog.records if r.name.startswith("custom_components.camhub")]
    assert [r.levelname for r in ours if r.levelname != "DEBUG"] == ["ERROR", "INFO"]
    # Home Assistant adds the chain at debug level only; nothing louder carries a traceback.
    assert not any(r.exc_info for r in caplog.records if r.levelname != "DEBUG")
    assert novavms_data(stack)["api_key"] not in caplog.text


async def test_first_poll_failure_retries_setup(hass: HomeAssistant, stack: SimulatorStack) -> None:
    stack.novavms.faults.add("status5xx")
    entry = await async_add_entry(hass, novavms_data(stack), "novavms:x")
    assert entry.state.name == "SETUP_RETRY"


async def test_first_poll_rate_limited_retries_setup(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    stack.angelcam.state.rate_limiter.limits.per_minute = 1
    entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    assert entry.state.name == "SETUP_RETRY"
    assert entry.reason is not None
    assert "Angelcam is rate limiting requests. Try again in" in entry.reason
    assert "{" not in entry.reason


async def test_angelcam_motion_from_incident_until_ttl(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    # The Garage location is armed, so motion there opens an incident.
    stack.angelcam.state.fire_motion(4)
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_ON
    assert hass.states.get("binary_sensor.front_door_motion").state == STATE_OFF
    # The open incident's own snapshot became the camera's Last event picture.
    assert hass.states.get("image.garage_last_event").state != STATE_UNKNOWN
    assert hass.states.get("image.front_door_last_event").state == STATE_UNKNOWN
    # The incident is resolved to its camera once; the next poll costs no lookups.
    sent = stack.log.count(vendor="angelcam")
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    # Locations, cameras, incidents: no event lookups, no membership queries, and the
    # incident's picture is not fetched again.
    assert stack.log.count(vendor="angelcam") - sent == 3
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF


async def test_angelcam_poll_pictures_each_cameras_newest_open_incident(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    """Two open incidents of one camera: only the newer one's snapshot is downloaded."""
    rts = stack.angelcam.state.rts
    _event, newer = stack.angelcam.state.fire_motion(4)
    assert newer is not None
    older = replace(
        newer,
        id=newer.id + 100,
        first_event_occurred_at=newer.first_event_occurred_at - timedelta(seconds=30),
    )
    rts.incidents[older.id] = older
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    downloads = stack.log.select(vendor="angelcam", path_prefix="/snapshots/4/")
    taken = int(newer.first_event_occurred_at.timestamp())
    assert [record.path for record in downloads] == [f"/snapshots/4/{taken}.jpg"]


async def test_angelcam_motion_in_disarmed_location_is_no_incident(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.fire_motion(1)
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.front_door_motion").state == STATE_OFF


async def test_one_camera_failing_does_not_fail_the_poll(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.fire_motion(4)
    stack.angelcam.faults.add("status5xx", path_prefix="/v1/cameras/4/events/")
    coordinator = angelcam_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF
    stack.angelcam.faults.clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_ON


async def test_novavms_motion_from_events(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    stack.novavms.state.fire_event(lobby.id, "motion")
    await novavms_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.lobby_motion").state == STATE_ON
    assert hass.states.get("binary_sensor.parking_motion").state == STATE_OFF
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.lobby_motion").state == STATE_OFF


async def test_angelcam_polling_plan_stays_within_budget(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    sent = stack.log.count(vendor="angelcam")
    await coordinator.async_refresh()
    cost = stack.log.count(vendor="angelcam") - sent
    interval = coordinator.update_interval
    assert interval is not None
    assert interval >= ANGELCAM_MIN_INTERVAL
    assert requests_per_day(cost, interval) <= 600
    # Webhooks being healthy slows polling down further.
    coordinator.async_note_push()
    assert coordinator.push_healthy
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval > interval


async def test_chosen_interval_is_used(hass: HomeAssistant, stack: SimulatorStack) -> None:
    entry = await async_add_entry(
        hass, novavms_data(stack), "novavms:y", options={CONF_SCAN_INTERVAL: 45}
    )
    assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=45)


async def test_spaces_of_one_account_share_its_budget(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Angelcam meters the user, not the space: two entries split one budget and one share."""
    alone = angelcam_entry.runtime_data.coordinator
    await alone.async_refresh()
    assert alone.update_interval is not None
    single = alone.update_interval
    second = await async_add_entry(hass, angelcam_data(stack, space="2"), "angelcam:1:2")
    # If the first entry spent the minute's 20 requests, the second waits its turn.
    await async_wait_a_minute(hass, freezer)
    assert second.state.name == "LOADED"
    both = [angelcam_entry.runtime_data, second.runtime_data]
    assert both[0].connection.budget is both[1].connection.budget
    per_day = 0.0
    for data in both:
        await data.coordinator.async_refresh()
        interval = data.coordinator.update_interval
        assert interval is not None
        per_day += (
            requests_per_day(data.coordinator.poll_cost, interval) + data.connection.extra_per_day
        )
    # Twice the single-entry interval (the measured poll cost moves it a little).
    assert alone.update_interval is not None
    assert alone.update_interval >= single * 1.9
    assert per_day <= 600
    # Another user's entry has a budget of its own.
    other = await async_add_entry(hass, angelcam_data(stack, user=1, space="2"), "angelcam:2:2")
    assert other.runtime_data.connection.client.budget is not both[0].connection.budget
    # A chosen interval is held to the shared floor as well.
    hass.config_entries.async_update_entry(second, options={CONF_SCAN_INTERVAL: 10})
    await async_wait_a_minute(hass, freezer)  # the options reload the entry, inside the budget
    coordinator = second.runtime_data.coordinator
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    floor = angelcam_min_interval(
        coordinator.poll_cost,
        coordinator.locations,
        second.runtime_data.connection.extra_per_day * 2,
    )
    assert coordinator.update_interval == floor * 2


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Let `delta` pass in half-minute steps, polls running as they come due."""
    while delta > timedelta():
        step = min(delta, timedelta(seconds=30))
        freezer.tick(step)
        async_fire_time_changed(hass)
        # Polls run as background tasks: done before the clock moves on mid-request.
        await hass.async_block_till_done(wait_background_tasks=True)
        delta -= step


async def _assert_motion_lasts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stack: SimulatorStack,
    entry: MockConfigEntry,
    ttl: timedelta,
) -> None:
    """Motion in the armed Garage opens an incident: on until `ttl` has passed, then off."""
    garage = "binary_sensor.garage_motion"
    stack.angelcam.state.fire_motion(4)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(garage).state == STATE_ON
    await _tick(hass, freezer, ttl - timedelta(seconds=10))
    assert hass.states.get(garage).state == STATE_ON, "before the TTL"
    await _tick(hass, freezer, timedelta(seconds=20))
    assert hass.states.get(garage).state == STATE_OFF


def _rts_settings_reads(stack: SimulatorStack) -> int:
    return sum(1 for r in stack.log.select(vendor="angelcam", method="GET") if r.path == "/v1/rts/")


async def test_angelcam_motion_ends_after_the_account_incident_ttl(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stack: SimulatorStack
) -> None:
    # The space's owner keeps incidents open for 10 minutes, not Angelcam's default 5.
    stack.angelcam.state.rts.incident_ttl[1] = "PT10M"
    entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    await _assert_motion_lasts(hass, freezer, stack, entry, timedelta(minutes=10))
    # Read once at setup; the polls in between did not read the settings again.
    assert _rts_settings_reads(stack) == 1


async def test_angelcam_incident_ttl_is_read_again_after_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    assert _rts_settings_reads(stack) == 1
    stack.angelcam.state.rts.incident_ttl[1] = "PT1M"
    await coordinator.async_refresh()
    assert _rts_settings_reads(stack) == 1, "not before a day has passed"
    freezer.tick(timedelta(days=1))
    # Two refreshes at once (a scheduled one and a manual one) read the settings once.
    await asyncio.gather(coordinator.async_refresh(), coordinator.async_refresh())
    assert _rts_settings_reads(stack) == 2
    freezer.tick(timedelta(minutes=1))  # out of Angelcam's per-minute limit
    await _assert_motion_lasts(hass, freezer, stack, angelcam_entry, timedelta(minutes=1))


async def test_angelcam_unreadable_rts_settings_keep_the_default_ttl(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stack: SimulatorStack
) -> None:
    stack.angelcam.state.rts.incident_ttl[1] = "PT10M"
    # The first RTS request of the setup is the settings read: its body comes back broken.
    stack.angelcam.faults.add("malformed_json", count=1, path_prefix="/v1/rts/")
    entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    assert entry.state.name == "LOADED"
    await _assert_motion_lasts(hass, freezer, stack, entry, timedelta(minutes=5))
    # Not asked again on every poll: the next try is a day later.
    assert _rts_settings_reads(stack) == 1


async def test_angelcam_rts_settings_outage_fails_the_poll_and_is_retried(
    stack: SimulatorStack, angelcam_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    stack.angelcam.faults.add("status5xx", count=1, path_prefix="/v1/rts/")
    stack.angelcam.state.rts.incident_ttl[1] = "PT10M"
    freezer.tick(timedelta(days=1))
    coordinator = angelcam_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    # The next poll asks again (not a day later) and takes the new TTL.
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert _rts_settings_reads(stack) == 3
    assert coordinator.motion.incident_ttl == timedelta(minutes=10)
