"""Capabilities and features decide the entities: each vendor's entity set, as before.

The expected sets were read from the registry before entities asked capabilities instead of
the vendor; an entity appearing or going missing on any vendor fails here. The contract:
every capability a camera, site or account carries has the feature that serves it. These replace the
guards of tests/test_vendor_guards.py: an entity of another vendor is now never built.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
import re
from typing import Final

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_platform, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.camera import CamHubCamera, CamHubWebRTCCamera
from custom_components.camhub.const import DOMAIN
from custom_components.camhub.offered import offered
from custom_components.camhub.providers.angelcam.extras import START_DELAY
from custom_components.camhub.providers.errors import NotSupportedError
from custom_components.camhub.providers.interface import Connection
from custom_components.camhub.providers.model import Capability
from simulator.stack import SimulatorStack

from .conftest import async_add_entry, opencamera_data

# The connection feature serving each capability (None: the snapshot carries it all).
FEATURE_OF: Final[dict[Capability, str | None]] = {
    Capability.LIVE_HLS: "live",
    Capability.LIVE_MJPEG: "live",
    Capability.LIVE_WEBRTC: "webrtc",
    Capability.SNAPSHOT: "images",
    Capability.RECORDINGS: "recordings",
    Capability.CLIPS: "recordings",
    Capability.CLIP_TRIGGER: "clip_trigger",
    Capability.ARMING: "arming",
    Capability.EVENTS: "events",
    Capability.FIRMWARE: "firmware",
    Capability.VOD: "vod",
    Capability.EVENT_MEDIA: "events",
    Capability.DEVICE_INFO: None,
    Capability.STATUS_DETAIL: None,
    Capability.ARMING_SCHEDULE: None,
    Capability.BROADCASTING: "broadcasting",
    # No entity: the camhub.acknowledge_event action serves it.
    Capability.EVENT_ACK: "event_ack",
    Capability.INCIDENT_TTL: "incident_ttl",
    Capability.UNREAD_MESSAGES: None,
    Capability.ALERT_RULES: "alert_rules",
}

# Entry name -> "<platform>.<description key>" -> names of the devices that have it.
# opencamera1 answers no /device (opencamd): it is named by its address.
EXPECTED: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "angelcam": {
        "alarm_control_panel.arming": ("Garage", "House"),
        "binary_sensor.motion": ("Backyard", "Front door", "Garage", "Living room"),
        "binary_sensor.online": ("Backyard", "Front door", "Garage", "Living room"),
        "button.record_clip": ("Backyard", "Front door"),
        "camera.camera": ("Backyard", "Front door", "Garage", "Living room"),
        "event.events": ("Backyard", "Front door", "Garage", "Living room"),
        "image.last_event": ("Backyard", "Front door", "Garage", "Living room"),
        "sensor.next_arming": ("Garage", "House"),
        "sensor.next_disarming": ("Garage", "House"),
        "sensor.recording_status": ("Backyard", "Front door"),
        # The daily RTS read of setup's first poll shows the TTL; the hub device is the account.
        "select.incident_ttl": ("Angelcam Novak family",),
    },
    "novavms": {
        "binary_sensor.motion": (
            "Dock east",
            "Dock west",
            "Lobby",
            "Parking",
            "Server room",
            "Yard",
        ),
        "binary_sensor.online": (
            "Dock east",
            "Dock west",
            "Headquarters gateway",
            "Lobby",
            "Parking",
            "Server room",
            "Warehouse gateway",
            "Yard",
        ),
        "button.trigger_clip": (
            "Dock east",
            "Dock west",
            "Lobby",
            "Parking",
            "Server room",
            "Yard",
        ),
        "camera.camera": ("Dock east", "Dock west", "Lobby", "Parking", "Server room", "Yard"),
        "event.events": ("Dock east", "Dock west", "Lobby", "Parking", "Server room", "Yard"),
        "image.last_event": ("Dock east", "Dock west", "Lobby", "Parking", "Server room", "Yard"),
        "sensor.camera_status": (
            "Dock east",
            "Dock west",
            "Lobby",
            "Parking",
            "Server room",
            "Yard",
        ),
        "sensor.last_heartbeat": ("Headquarters gateway", "Warehouse gateway"),
        # The scenario's one alert rule, on the organisation's device.
        "switch.alert_rule": ("NovaVMS Headquarters and 1 more site",),
    },
    "opencamera0": {
        "binary_sensor.online": ("OpenCamera a57f27c9",),
        "camera.camera": ("OpenCamera a57f27c9",),
        "sensor.audio_codec": ("OpenCamera a57f27c9",),
        "sensor.frame_rate": ("OpenCamera a57f27c9",),
        "sensor.last_boot": ("OpenCamera a57f27c9",),
        "sensor.resolution": ("OpenCamera a57f27c9",),
        "sensor.sd_card_free": ("OpenCamera a57f27c9",),
        "sensor.sd_card_free_share": ("OpenCamera a57f27c9",),
        "sensor.sd_card_total": ("OpenCamera a57f27c9",),
        "sensor.video_codec": ("OpenCamera a57f27c9",),
        "update.firmware": ("OpenCamera a57f27c9",),
    },
    "opencamera1": {
        "binary_sensor.online": ("OpenCamera 127.0.0.1:PORT",),
        "camera.camera": ("OpenCamera 127.0.0.1:PORT",),
        "sensor.audio_codec": ("OpenCamera 127.0.0.1:PORT",),
        "sensor.frame_rate": ("OpenCamera 127.0.0.1:PORT",),
        "sensor.last_boot": ("OpenCamera 127.0.0.1:PORT",),
        "sensor.resolution": ("OpenCamera 127.0.0.1:PORT",),
        "sensor.video_codec": ("OpenCamera 127.0.0.1:PORT",),
    },
}


def entity_sets(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, tuple[str, ...]]:
    """What the registry holds for the entry, in the shape of EXPECTED."""
    devices = dr.async_get(hass)
    found: defaultdict[str, list[str]] = defaultdict(list)
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        device = devices.async_get(entity.device_id or "")
        assert device is not None
        assert device.name is not None
        key = f"{entity.domain}.{entity.unique_id.rsplit(':', 1)[-1]}"
        # The address fallback's name carries the simulator's random port.
        found[key].append(re.sub(r":\d+$", ":PORT", device.name))
    return {key: tuple(sorted(names)) for key, names in found.items()}


@pytest.fixture
async def entries(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    novavms_entry: MockConfigEntry,
) -> dict[str, MockConfigEntry]:
    """One entry of each vendor, and every OpenCamera device of the demo, set up."""
    found = {"angelcam": angelcam_entry, "novavms": novavms_entry}
    for index, device in enumerate(stack.credentials()["opencamera"]["devices"]):
        found[f"opencamera{index}"] = await async_add_entry(
            hass, opencamera_data(stack, index), f"opencamera:{device['uuid']}"
        )
    return found


async def test_entity_sets_per_vendor(
    hass: HomeAssistant, entries: dict[str, MockConfigEntry]
) -> None:
    assert {name: entity_sets(hass, entry) for name, entry in entries.items()} == EXPECTED
    # No NovaVMS site is an alarm panel, no Angelcam camera takes a clip trigger.
    assert not any(key.startswith("alarm_control_panel.") for key in EXPECTED["novavms"])
    assert "button.trigger_clip" not in EXPECTED["angelcam"]


def test_every_capability_names_its_feature() -> None:
    assert set(FEATURE_OF) == set(Capability)


def _missing(connection: Connection, capabilities: frozenset[Capability]) -> set[Capability]:
    return {
        capability
        for capability in capabilities
        if (feature := FEATURE_OF[capability]) is not None and getattr(connection, feature) is None
    }


async def test_each_capability_has_its_feature(
    hass: HomeAssistant, entries: dict[str, MockConfigEntry], freezer: FrozenDateTimeFactory
) -> None:
    # Unread messages and broadcasting are read from START_DELAY on, a few cameras a poll.
    freezer.tick(START_DELAY)
    for _ in range(3):
        freezer.tick(timedelta(minutes=1))
        await entries["angelcam"].runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    carried: set[Capability] = set()
    for name, entry in entries.items():
        connection = entry.runtime_data.connection
        snapshot = entry.runtime_data.coordinator.data
        carried |= snapshot.capabilities
        assert not _missing(connection, snapshot.capabilities), name
        for item in (*snapshot.cameras.values(), *snapshot.sites.values()):
            carried |= item.capabilities
            assert not _missing(connection, item.capabilities), (name, item.id)
    # The demo stack shows every capability there is, so the contract covers them all.
    assert carried == set(Capability)


async def test_only_webrtc_cameras_negotiate(
    hass: HomeAssistant, entries: dict[str, MockConfigEntry]
) -> None:
    cameras: dict[str, CamHubCamera] = {}
    for platform in entity_platform.async_get_platforms(hass, DOMAIN):
        if platform.domain == "camera":
            cameras.update(
                (entity_id, entity)
                for entity_id, entity in platform.entities.items()
                if isinstance(entity, CamHubCamera)
            )
    for name, entry in entries.items():
        live_webrtc = entry.runtime_data.connection.webrtc is not None
        mine = [c for c in cameras.values() if c.coordinator.config_entry is entry]
        assert mine, name
        # An Angelcam or NovaVMS camera is never a WebRTC camera; OpenCamera devices are.
        assert all(isinstance(c, CamHubWebRTCCamera) is live_webrtc for c in mine), name
        assert live_webrtc is name.startswith("opencamera")


def test_offered_refuses_a_missing_feature() -> None:
    with pytest.raises(NotSupportedError, match="no arming"):
        offered(None, "arming")
    feature = object()
    assert offered(feature, "arming") is feature
