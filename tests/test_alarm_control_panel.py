"""Alarm panels arm and disarm Angelcam locations in the simulator."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.alarm_control_panel import DOMAIN as ALARM_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_ALARM_ARM_AWAY,
    SERVICE_ALARM_DISARM,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_component import EntityComponent
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.camhub.alarm_control_panel import CamHubAlarmPanel
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry


def _armed(stack: SimulatorStack, location_id: int) -> bool:
    return bool(stack.angelcam.state.world.location(location_id).is_armed)


def _panel(hass: HomeAssistant, entity_id: str) -> CamHubAlarmPanel:
    component: EntityComponent[CamHubAlarmPanel] = hass.data[ALARM_DOMAIN]
    entity = component.get_entity(entity_id)
    assert isinstance(entity, CamHubAlarmPanel)
    return entity


async def _call(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        ALARM_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_arm_and_disarm_change_the_location(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    house = "alarm_control_panel.house_arming"
    state = hass.states.get(house)
    assert state is not None
    assert state.state == "disarmed"
    assert state.attributes["code_arm_required"] is False
    sent = stack.log.count(vendor="angelcam")
    await _call(hass, SERVICE_ALARM_ARM_AWAY, house)
    assert _armed(stack, 1)
    assert hass.states.get(house).state == "armed_away"
    # The arm call plus one location read, not a whole poll.
    assert stack.log.count(vendor="angelcam") - sent == 2
    await _call(hass, SERVICE_ALARM_DISARM, house)
    assert not _armed(stack, 1)
    assert hass.states.get(house).state == "disarmed"


async def test_delayed_changes_show_arming_and_disarming(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    client = angelcam_entry.runtime_data.connection.client
    await client.async_arm("1", delay=60)
    await client.async_disarm("2", delay=60)
    await coordinator.async_refresh()
    house = hass.states.get("alarm_control_panel.house_arming")
    garage = hass.states.get("alarm_control_panel.garage_arming")
    assert (house.state, garage.state) == ("arming", "disarming")
    assert house.attributes["next_arming"] is not None
    assert garage.attributes["next_disarming"] is not None
    freezer.tick(timedelta(seconds=61))
    await coordinator.async_refresh()
    assert hass.states.get("alarm_control_panel.house_arming").state == "armed_away"
    assert hass.states.get("alarm_control_panel.garage_arming").state == "disarmed"


async def test_arming_shows_when_its_window_opens_without_new_data(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A poll that changes nothing writes nothing, so the panel keeps its own time."""
    coordinator = angelcam_entry.runtime_data.coordinator
    await angelcam_entry.runtime_data.connection.client.async_arm("1", delay=15 * 60)
    await coordinator.async_refresh()
    house = "alarm_control_panel.house_arming"
    assert hass.states.get(house).state == "disarmed"
    freezer.tick(timedelta(minutes=4))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(house).state == "disarmed"
    # Ten minutes before it is due the arming shows as pending.
    freezer.tick(timedelta(minutes=1, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(house).state == "arming"


async def test_changes_from_outside_show_after_refresh(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.set_arming(1, armed=True)
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    assert hass.states.get("alarm_control_panel.house_arming").state == "armed_away"


async def test_arming_failure_is_translated(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.faults.add("status5xx", path_prefix="/v1/rts/arm/")
    with pytest.raises(HomeAssistantError) as failure:
        await _call(hass, SERVICE_ALARM_ARM_AWAY, "alarm_control_panel.house_arming")
    assert failure.value.translation_key == "cannot_connect"
    assert not _armed(stack, 1)


async def test_no_panel_without_arming_permission(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    # Alice only views Bob's shop floor: she may not arm it.
    entry = await async_add_entry(hass, angelcam_data(stack, 0, "2"), "angelcam:1:2")
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert entities
    assert not [e for e in entities if e.domain == ALARM_DOMAIN]


async def test_disarming_when_rate_limited_is_translated(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.set_arming(1, armed=True)
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    # Setup and the refresh spent this minute's allowance at one request per minute.
    stack.angelcam.state.rate_limiter.limits.per_minute = 1
    with pytest.raises(HomeAssistantError) as failure:
        await _call(hass, SERVICE_ALARM_DISARM, "alarm_control_panel.house_arming")
    assert failure.value.translation_key == "rate_limited"
    assert failure.value.translation_placeholders["vendor"] == "Angelcam"
    # The vendor refused it (429); nothing changed there or here.
    assert stack.log.count(vendor="angelcam", path_prefix="/v1/rts/disarm/", status=429) == 1
    assert _armed(stack, 1)
    assert hass.states.get("alarm_control_panel.house_arming").state == "armed_away"


async def test_deleted_location_loses_its_panel(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    house = "alarm_control_panel.house_arming"
    panel = _panel(hass, house)
    del stack.angelcam.state.world.locations[1]  # deleted in My Angelcam
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    # The location's device goes, and its panel with it; the other location stays.
    assert hass.states.get(house) is None
    assert er.async_get(hass).async_get(house) is None
    assert hass.states.get("alarm_control_panel.garage_arming").state == "armed_away"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # Until then the panel was unavailable, so Home Assistant read neither property;
    # read directly, they report nothing rather than the deleted location's last state.
    assert not panel.available
    assert panel.alarm_state is None
    assert panel.extra_state_attributes == {}
