"""Health sensors against the simulators: OpenCamera, NovaVMS cameras and gateways, locations."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_OPTIONS
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.providers import AngelcamClient
from custom_components.camhub.providers.model import (
    Account,
    Camera,
    DeviceInfo,
    Snapshot,
)
from custom_components.camhub.sensor import CAMERA_SENSORS
from simulator.stack import SimulatorStack

from .health_support import async_add_opencamera, device_uuid, entity_id, find_entity_id

OPENCAMERA_SYSTEM_SENSORS = ("sd_card_free", "sd_card_total", "sd_card_free_share")
MEDIA_SENSORS = ("resolution", "frame_rate", "video_codec", "audio_codec")


def _state(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(entity)
    assert state is not None, entity
    return state.state


async def test_opencamera_storage_and_boot(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    uuid = device_uuid(stack)
    device = stack.opencamera.state

    def sensor(key: str) -> str:
        return _state(hass, entity_id(hass, opencamera_entry, "sensor", uuid, key))

    assert (sensor("sd_card_free"), sensor("sd_card_total")) == ("12", "32")
    assert sensor("sd_card_free_share") == "37.5"
    boot = dt_util.parse_datetime(sensor("last_boot"))
    assert boot is not None
    assert abs(boot - (dt_util.utcnow() - timedelta(hours=5))) < timedelta(seconds=2)
    free = er.async_get(hass).async_get(
        entity_id(hass, opencamera_entry, "sensor", uuid, "sd_card_free")
    )
    assert free is not None
    assert (free.entity_category, free.unit_of_measurement) == ("diagnostic", "GB")

    # The card fills up; uptime keeps counting, so the boot time stays put.
    device.sdcard_free = 4
    freezer.tick(timedelta(minutes=3, microseconds=700_000))
    coordinator = opencamera_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert (sensor("sd_card_free"), sensor("sd_card_free_share")) == ("4", "12.5")
    assert dt_util.parse_datetime(sensor("last_boot")) == boot

    # A reboot moves it.
    device.booted_at = dt_util.utcnow() - timedelta(minutes=1)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    rebooted = dt_util.parse_datetime(sensor("last_boot"))
    assert rebooted is not None
    assert abs(rebooted - device.booted_at) < timedelta(seconds=2)

    # An empty card size gives no share rather than a division by zero.
    device.sdcard_total = 0
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert sensor("sd_card_free_share") == STATE_UNKNOWN


async def test_opencamera_media_sensors_disabled_by_default(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    uuid = device_uuid(stack)
    registry = er.async_get(hass)
    for key in MEDIA_SENSORS:
        registered = registry.async_get(entity_id(hass, opencamera_entry, "sensor", uuid, key))
        assert registered is not None
        assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert registered.entity_category == "diagnostic"
        registry.async_update_entity(registered.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(opencamera_entry.entry_id)
    await hass.async_block_till_done()
    values = {
        key: _state(hass, entity_id(hass, opencamera_entry, "sensor", uuid, key))
        for key in MEDIA_SENSORS
    }
    # The simulator writes the spec's resolution with a multiplication sign (U+00D7).
    assert values == {
        "resolution": "1920x1080",
        "frame_rate": "30",
        "video_codec": "H.264",
        "audio_codec": "G.711",
    }


async def test_opencamera_without_system_info(hass: HomeAssistant, stack: SimulatorStack) -> None:
    """A device answering /system with 501: no storage sensors, no firmware entity."""
    stack.opencamera.state.unsupported = {"getSystemInfo"}
    entry = await async_add_opencamera(hass, stack)
    uuid = device_uuid(stack)
    for key in OPENCAMERA_SYSTEM_SENSORS:
        assert find_entity_id(hass, entry, "sensor", uuid, key) is None
    assert find_entity_id(hass, entry, "update", uuid, "firmware") is None
    boot = _state(hass, entity_id(hass, entry, "sensor", uuid, "last_boot"))
    assert dt_util.parse_datetime(boot) is not None


async def test_opencamera_sensors_unavailable_when_unreachable(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    uuid = device_uuid(stack)
    stack.opencamera.faults.add("status5xx", count=10)
    await opencamera_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    free = entity_id(hass, opencamera_entry, "sensor", uuid, "sd_card_free")
    assert _state(hass, free) == STATE_UNAVAILABLE


async def test_novavms_camera_status_and_tier(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    nova = stack.novavms.state
    lobby = next(c for c in nova.cameras.values() if c.name == "Lobby")
    status = entity_id(hass, novavms_entry, "sensor", lobby.id, "camera_status")
    state = hass.states.get(status)
    assert state is not None
    assert state.state == "online"
    assert state.attributes["active_tier"] == "main"
    assert state.attributes[ATTR_OPTIONS] == ["online", "offline", "pending", "error", "disabled"]
    coordinator = novavms_entry.runtime_data.coordinator
    # A direct-mode camera is pending until go2rtc has registered it.
    doorbell = nova.add_camera(
        "Doorbell",
        lobby.site_id,
        None,
        connection_mode="direct",
        camera_type="rtsp",
        status="pending",
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, entity_id(hass, novavms_entry, "sensor", doorbell.id, "camera_status")) == (
        "pending"
    )
    for wanted in ("error", "disabled", "offline"):
        nova.set_camera_status(lobby.id, wanted)
        lobby.active_tier = "sub"
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        state = hass.states.get(status)
        assert state is not None
        # Still available while offline: the status is what it reports.
        assert (state.state, state.attributes["active_tier"]) == (wanted, "sub")


async def test_novavms_gateway_connectivity_and_heartbeat(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    nova = stack.novavms.state
    gateway = next(iter(nova.gateways.values()))
    online = entity_id(hass, novavms_entry, "binary_sensor", gateway.id, "online")
    heartbeat = entity_id(hass, novavms_entry, "sensor", gateway.id, "last_heartbeat")
    assert _state(hass, online) == STATE_ON
    assert dt_util.parse_datetime(_state(hass, heartbeat)) == gateway.last_heartbeat_at.replace(
        microsecond=0
    )
    registered = er.async_get(hass).async_get(online)
    assert registered is not None
    assert registered.entity_category == "diagnostic"
    nova.set_gateway_status(gateway.id, "offline")
    gateway.last_heartbeat_at = dt_util.utcnow().replace(microsecond=0)
    await novavms_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, online) == STATE_OFF
    assert dt_util.parse_datetime(_state(hass, heartbeat)) == gateway.last_heartbeat_at


async def test_angelcam_next_arming_and_disarming(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    client = angelcam_entry.runtime_data.connection.client
    assert isinstance(client, AngelcamClient)
    next_arming = entity_id(hass, angelcam_entry, "sensor", "1", "next_arming")
    next_disarming = entity_id(hass, angelcam_entry, "sensor", "2", "next_disarming")
    assert _state(hass, next_arming) == STATE_UNKNOWN
    # House (1) is disarmed and Garage (2) armed in the demo; schedule both changes.
    await client.async_arm("1", delay=300)
    await client.async_disarm("2", delay=600)
    now = dt_util.utcnow().replace(microsecond=0)
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    arming = dt_util.parse_datetime(_state(hass, next_arming))
    disarming = dt_util.parse_datetime(_state(hass, next_disarming))
    assert arming is not None
    assert disarming is not None
    assert abs(arming - (now + timedelta(seconds=300))) <= timedelta(seconds=1)
    assert abs(disarming - (now + timedelta(seconds=600))) <= timedelta(seconds=1)


def test_values_without_device_reports() -> None:
    """A device whose /device leaves out uptime or resolution shows them as unknown."""
    device = DeviceInfo(
        uuid="d", uptime=None, resolution=None, fps=None, video_codec=None, audio_codec=None
    )
    camera = Camera(id="d", name="d", online=True, status="online", capabilities=frozenset())
    snapshot = Snapshot(
        account=Account(vendor="opencamera", account_id="d", name="d"),
        sites={},
        cameras={"d": camera},
        fetched_at=dt_util.utcnow(),
        device=device,
    )
    # Sensors read only the coordinator's data: a stand-in holding a snapshot is enough.
    coordinator: Any = SimpleNamespace(data=snapshot)
    values = {d.key: d.value_fn(coordinator, camera) for d in CAMERA_SENSORS}
    assert values["last_boot"] is None
    assert values["resolution"] is None
    assert values["sd_card_free"] is None
    assert values["sd_card_free_share"] is None
    # A status outside the documented five is unknown rather than a new state.
    odd = Camera(id="n", name="n", online=None, status="rebooting", capabilities=frozenset())
    assert values["camera_status"] == "online"
    status = next(d for d in CAMERA_SENSORS if d.key == "camera_status")
    assert status.value_fn(coordinator, odd) is None


async def test_novavms_unknown_camera_status_reads_unknown(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    """A status outside the documented enum is "unknown", not a failed refresh."""
    nova = stack.novavms.state
    lobby = next(c for c in nova.cameras.values() if c.name == "Lobby")
    nova.set_camera_status(lobby.id, "rebooting")
    coordinator = novavms_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert coordinator.data.cameras[lobby.id].status == "unknown"
    assert _state(hass, entity_id(hass, novavms_entry, "sensor", lobby.id, "camera_status")) == (
        "unknown"
    )
