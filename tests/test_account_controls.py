"""Account controls in Home Assistant: incident TTL select, unread sensor, broadcasting.

Real Home Assistant against the Angelcam simulator; requests are counted in its log.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import DOMAIN
from custom_components.camhub.providers.angelcam.extras import START_DELAY, UNREAD_MIN_AGE
from custom_components.camhub.providers.errors import NotSupportedError
from simulator.stack import SimulatorStack

FRONT_DOOR = 1  # the demo camera with the Broadcasting service


def _entity_id(hass: HomeAssistant, platform: str, entry: MockConfigEntry, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}:{key}")


def _requests(stack: SimulatorStack, prefix: str, method: str | None = None) -> int:
    return stack.log.count(vendor="angelcam", path_prefix=prefix, method=method)


async def _read_extras(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Poll past START_DELAY until every camera's broadcasting was read (a few per poll)."""
    freezer.tick(START_DELAY)
    for _ in range(4):
        freezer.tick(timedelta(minutes=1))
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()


async def test_incident_ttl_select(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    """The TTL read at setup shows; a choice costs one PUT and moves motion's TTL too."""
    select = _entity_id(hass, SELECT_DOMAIN, angelcam_entry, "account:incident_ttl")
    assert select is not None
    state = hass.states.get(select)
    assert state is not None
    assert state.state == "5_minutes"
    assert state.attributes["options"] == [
        "1_minute",
        "3_minutes",
        "5_minutes",
        "10_minutes",
        "30_minutes",
        "1_hour",
    ]
    sent = stack.log.count(vendor="angelcam")
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: select, "option": "30_minutes"},
        blocking=True,
    )
    assert stack.log.count(vendor="angelcam") - sent == 1
    assert stack.angelcam.state.rts.incident_ttl[1] == "PT30M"
    assert hass.states.get(select).state == "30_minutes"
    coordinator = angelcam_entry.runtime_data.coordinator
    assert coordinator.motion.incident_ttl == timedelta(minutes=30)
    # A value the vendor refuses surfaces as a translated error; the state stays.
    stack.angelcam.faults.add("status5xx", count=1, status=502, path_prefix="/v1/rts/")
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: select, "option": "1_hour"},
            blocking=True,
        )
    assert failed.value.translation_key == "cannot_connect"
    assert hass.states.get(select).state == "30_minutes"


async def test_unread_sensor_and_broadcasting_switch_appear_once_read(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    unread = "account:unread_messages"
    front, backyard = f"{FRONT_DOOR}:broadcasting", "2:broadcasting"
    # Nothing is read in setup's burst, so neither entity exists yet.
    assert _entity_id(hass, "sensor", angelcam_entry, unread) is None
    assert _entity_id(hass, SWITCH_DOMAIN, angelcam_entry, front) is None
    assert stack.angelcam.state.set_camera_online(2, online=False)  # one unread message
    await _read_extras(hass, angelcam_entry, freezer)
    sensor = _entity_id(hass, "sensor", angelcam_entry, unread)
    assert sensor is not None
    assert hass.states.get(sensor).state == "1"
    assert _requests(stack, "/v1/rts/messages/unread-count/") == 1
    # Read elsewhere: the next due read (after a push, past the floor) brings the sensor to 0.
    for message in stack.angelcam.state.rts.messages.values():
        message.is_read = True
    coordinator = angelcam_entry.runtime_data.coordinator
    coordinator.async_note_push()
    freezer.tick(UNREAD_MIN_AGE)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _requests(stack, "/v1/rts/messages/unread-count/") == 2
    assert hass.states.get(sensor).state == "0"
    switch = _entity_id(hass, SWITCH_DOMAIN, angelcam_entry, front)
    assert switch is not None
    # The Backyard camera has no Broadcasting service: no switch.
    assert _entity_id(hass, SWITCH_DOMAIN, angelcam_entry, backyard) is None
    cameras = len(angelcam_entry.runtime_data.coordinator.data.cameras)
    assert (
        sum(
            _requests(stack, f"/v1/cameras/{camera}/broadcasting/")
            for camera in stack.angelcam.state.world.cameras
        )
        == cameras
    )
    assert hass.states.get(switch).state == "off"
    sent = stack.log.count(vendor="angelcam")
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    broadcasting = stack.angelcam.state.world.cameras[FRONT_DOOR].broadcasting
    assert broadcasting is not None
    assert broadcasting.enabled is True
    assert hass.states.get(switch).state == "on"
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert broadcasting.enabled is False
    assert hass.states.get(switch).state == "off"
    # One request per switch, no poll.
    assert stack.log.count(vendor="angelcam") - sent == 2
    # The service ends on the vendor side: the switch says so, then goes once re-read.
    stack.angelcam.state.world.cameras[FRONT_DOOR].broadcasting = None
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch}, blocking=True
        )
    assert failed.value.translation_key == "unsupported"
    freezer.tick(timedelta(days=1))
    await _read_extras(hass, angelcam_entry, freezer)
    assert hass.states.get(switch).state == "unavailable"


async def test_no_account_controls_without_the_capabilities(
    hass: HomeAssistant, novavms_entry: MockConfigEntry
) -> None:
    """NovaVMS offers no incident TTL, unread count or broadcasting (its switches are rules)."""
    registry = er.async_get(hass)
    ours = er.async_entries_for_config_entry(registry, novavms_entry.entry_id)
    assert ours
    assert not [e for e in ours if e.domain == SELECT_DOMAIN]
    switches = [e for e in ours if e.domain == SWITCH_DOMAIN]
    assert switches
    assert all(e.unique_id.endswith(":alert_rule") for e in switches)
    assert not [e for e in ours if e.unique_id.endswith(":unread_messages")]
    # Without the features the coordinator refuses before sending anything.
    coordinator = novavms_entry.runtime_data.coordinator
    with pytest.raises(NotSupportedError, match="no incident TTL"):
        await coordinator.async_set_incident_ttl(timedelta(minutes=1))
    with pytest.raises(NotSupportedError, match="no broadcasting"):
        await coordinator.async_set_broadcasting("1", enabled=True)
