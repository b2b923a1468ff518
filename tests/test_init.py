"""Entries set up against the simulators: devices, entities, dynamic cameras, unload."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.camhub.const import DOMAIN
from simulator.stack import SimulatorStack

from .conftest import async_add_entry, opencamera_data


def _find(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str, item: str
) -> dr.DeviceEntry | None:
    identifier = (DOMAIN, f"{entry.unique_id}:{kind}:{item}")
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return next((d for d in devices if identifier in d.identifiers), None)


def _device(hass: HomeAssistant, entry: MockConfigEntry, kind: str, item: str) -> dr.DeviceEntry:
    device = _find(hass, entry, kind, item)
    assert device is not None
    return device


# The platforms this file checks (other issues add sensors, updates ...).
CORE_DOMAINS = ("alarm_control_panel", "binary_sensor", "button", "camera")


def _entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {e.entity_id for e in entries if e.domain in CORE_DOMAINS}


async def test_angelcam_space_location_camera(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry
) -> None:
    assert angelcam_entry.state is ConfigEntryState.LOADED
    space = _device(hass, angelcam_entry, "hub", "account")
    assert space.name == "Angelcam Novak family"
    assert space.configuration_url == "https://my.angelcam.com/"
    house = _device(hass, angelcam_entry, "site", "1")
    assert (house.name, house.model, house.via_device_id) == ("House", "Location", space.id)
    front = _device(hass, angelcam_entry, "camera", "1")
    # A model a person reads, never the bare codec.
    assert (front.name, front.model, front.manufacturer) == (
        "Front door",
        "Cloud camera (H.264)",
        "Angelcam",
    )
    assert front.via_device_id == house.id
    assert _device(hass, angelcam_entry, "camera", "4").via_device_id == (
        _device(hass, angelcam_entry, "site", "2").id
    )
    # Other issues add entities of their own (e.g. Arrow client health); these are ours.
    assert _entity_ids(hass, angelcam_entry) >= {
        "alarm_control_panel.house_arming",
        "alarm_control_panel.garage_arming",
        *(f"camera.{c}" for c in ("front_door", "backyard", "living_room", "garage")),
        *(
            f"binary_sensor.{c}_{k}"
            for c in ("front_door", "backyard", "living_room", "garage")
            for k in ("online", "motion")
        ),
    }
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_ON
    assert hass.states.get("binary_sensor.front_door_motion").state == STATE_OFF
    online = er.async_get(hass).async_get("binary_sensor.front_door_online")
    assert online is not None
    assert online.entity_category == "diagnostic"
    assert hass.states.get("camera.front_door").state == "idle"


async def test_novavms_site_gateway_camera(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    state = stack.novavms.state
    site_id = next(iter(state.sites))
    gateway_id = next(iter(state.gateways))
    camera = next(c for c in state.cameras.values() if c.gateway_id == gateway_id)
    site = _device(hass, novavms_entry, "site", site_id)
    gateway = _device(hass, novavms_entry, "gateway", gateway_id)
    device = _device(hass, novavms_entry, "camera", camera.id)
    assert site.name == "Headquarters"
    assert gateway.via_device_id == site.id
    assert device.via_device_id == gateway.id
    assert device.configuration_url == stack.novavms.url
    assert device.model == f"{camera.type.upper()} camera"
    # The hub is named by the organisation's sites: the API names no organisation.
    hub = _device(hass, novavms_entry, "hub", "account")
    assert hub.name == "NovaVMS Headquarters and 1 more site"
    entities = _entity_ids(hass, novavms_entry)
    assert "button.lobby_trigger_clip" in entities
    assert "binary_sensor.lobby_motion" in entities
    assert not any(e.startswith("alarm_control_panel.") for e in entities)
    # The demo's "Dock west" camera is offline from the start.
    assert hass.states.get("binary_sensor.dock_west_online").state == STATE_OFF
    assert hass.states.get("camera.dock_west").state == STATE_UNAVAILABLE


async def test_opencamera_is_one_device(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), opencamera_entry.entry_id)
    assert len(devices) == 1
    (device,) = devices
    assert device.sw_version == "1.0.1"
    assert device.manufacturer == "OpenCamera"
    assert device.model is not None
    assert device.model.startswith("OpenCamera ")
    assert "264" not in device.model
    assert device.configuration_url == f"http://127.0.0.1:{stack.opencamera.port}"
    assert _entity_ids(hass, opencamera_entry) == {
        "camera.opencamera_a57f27c9",
        "binary_sensor.opencamera_a57f27c9_online",
    }


async def test_cameras_added_and_removed_without_reload(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    added = stack.angelcam.state.add_camera("Porch", 1)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("camera.porch") is not None
    assert hass.states.get("binary_sensor.porch_online").state == STATE_ON
    assert _device(hass, angelcam_entry, "camera", str(added.id)).name == "Porch"

    stack.angelcam.state.remove_camera(2)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _find(hass, angelcam_entry, "camera", "2") is None
    assert "camera.backyard" not in _entity_ids(hass, angelcam_entry)
    assert angelcam_entry.state is ConfigEntryState.LOADED


async def test_camera_offline_after_next_refresh(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.set_camera_online(1, online=False)
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_OFF
    assert hass.states.get("camera.front_door").state == STATE_UNAVAILABLE
    assert hass.states.get("binary_sensor.front_door_motion").state == STATE_UNAVAILABLE
    assert hass.states.get("binary_sensor.backyard_online").state == STATE_ON


async def test_novavms_camera_offline(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    stack.novavms.state.set_camera_status(lobby.id, "offline")
    await novavms_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.lobby_online").state == STATE_OFF
    assert hass.states.get("button.lobby_trigger_clip").state == STATE_UNAVAILABLE


async def test_remove_stale_device_only(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    registry = dr.async_get(hass)
    current = _device(hass, angelcam_entry, "camera", "1")
    stale = registry.async_get_or_create(
        config_entry_id=angelcam_entry.entry_id,
        identifiers={(DOMAIN, f"{angelcam_entry.unique_id}:camera:999")},
    )
    for device, removable in ((current, False), (stale, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": angelcam_entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removable


async def test_unload_cleans_up(hass: HomeAssistant, angelcam_entry: MockConfigEntry) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    assert coordinator._listeners
    assert await hass.config_entries.async_unload(angelcam_entry.entry_id)
    await hass.async_block_till_done()
    assert angelcam_entry.state is ConfigEntryState.NOT_LOADED
    # Every entity listener and the device-sync listener are gone, so no more polling.
    assert not coordinator._listeners
    assert hass.states.get("camera.front_door").state == STATE_UNAVAILABLE


async def test_opencamera_unload_logs_out(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(opencamera_entry.entry_id)
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/user/logout") == 1


async def test_opencamera_unload_survives_a_dead_device(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    stack.opencamera.faults.add("status5xx")
    assert await hass.config_entries.async_unload(opencamera_entry.entry_id)
    assert opencamera_entry.state is ConfigEntryState.NOT_LOADED


async def test_opencamera_without_device_endpoint_is_one_webrtc_camera(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    # The demo's second device behaves like opencamd: only the live session is implemented.
    data = opencamera_data(stack, 1)
    entry = await async_add_entry(hass, data, f"opencamera:127.0.0.1:{data['port']}")
    assert entry.state is ConfigEntryState.LOADED
    camera_id = f"127.0.0.1:{data['port']}"
    assert set(entry.runtime_data.coordinator.data.cameras) == {camera_id}
    state = hass.states.get(f"camera.opencamera_127_0_0_1_{data['port']}")
    assert state is not None
    assert state.attributes["supported_features"] == 2  # stream: WebRTC, negotiated natively


async def test_opencamera_down_before_login_is_not_a_fallback(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    data = opencamera_data(stack, 1)
    stack.opencameras[1].faults.add("status5xx", status=501)
    entry = await async_add_entry(hass, data, "opencamera:x")
    assert entry.state is ConfigEntryState.SETUP_RETRY
