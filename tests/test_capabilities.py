"""Capabilities decide the entities: each vendor's entity set over the demo stack, as before.

The expected sets were read from the registry before entities asked capabilities instead of
the vendor; an entity appearing or going missing on any vendor fails here.
"""

from __future__ import annotations

from collections import defaultdict
import re
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.stack import SimulatorStack

from .conftest import async_add_entry, opencamera_data

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
        "sensor.next_arming": ("Garage", "House"),
        "sensor.next_disarming": ("Garage", "House"),
        "sensor.recording_status": ("Backyard", "Front door"),
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
        "sensor.camera_status": (
            "Dock east",
            "Dock west",
            "Lobby",
            "Parking",
            "Server room",
            "Yard",
        ),
        "sensor.last_heartbeat": ("Headquarters gateway", "Warehouse gateway"),
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


async def test_entity_sets_per_vendor(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    novavms_entry: MockConfigEntry,
) -> None:
    entries = {"angelcam": angelcam_entry, "novavms": novavms_entry}
    for index, device in enumerate(stack.credentials()["opencamera"]["devices"]):
        entries[f"opencamera{index}"] = await async_add_entry(
            hass, opencamera_data(stack, index), f"opencamera:{device['uuid']}"
        )
    assert {name: entity_sets(hass, entry) for name, entry in entries.items()} == EXPECTED
