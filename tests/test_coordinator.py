"""Polling behaviour: auth failure, rate limits, outages, motion, the request budget."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.camhub.const import ANGELCAM_MIN_INTERVAL, CONF_SCAN_INTERVAL, DOMAIN
from custom_components.camhub.polling import requests_per_day
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry, novavms_data


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
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_ON
    assert hass.states.get("binary_sensor.front_door_motion").state == STATE_OFF
    # The incident is resolved to its camera once; the next poll costs no lookups.
    sent = stack.log.count(vendor="angelcam")
    await coordinator.async_refresh()
    # Locations, cameras, incidents: no event lookups, no membership queries.
    assert stack.log.count(vendor="angelcam") - sent == 3
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF


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
    coordinator.push_healthy = True
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval > interval


async def test_chosen_interval_is_used(hass: HomeAssistant, stack: SimulatorStack) -> None:
    entry = await async_add_entry(
        hass, novavms_data(stack), "novavms:y", options={CONF_SCAN_INTERVAL: 45}
    )
    assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=45)
