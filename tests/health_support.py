"""Helpers for the device-health tests: entity ids by unique id, OpenCamera entries."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import DOMAIN
from simulator.stack import SimulatorStack
from tests.conftest import async_add_entry, opencamera_data


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, domain: str, item: str, key: str) -> str:
    """The entity id of an item's entity (None-safe: fails the test when it does not exist)."""
    found = find_entity_id(hass, entry, domain, item, key)
    assert found is not None, f"no {domain} {key} for {item}"
    return found


def find_entity_id(
    hass: HomeAssistant, entry: MockConfigEntry, domain: str, item: str, key: str
) -> str | None:
    """The entity id of an item's entity, or None."""
    return er.async_get(hass).async_get_entity_id(domain, DOMAIN, f"{entry.unique_id}:{item}:{key}")


def device_uuid(stack: SimulatorStack, index: int = 0) -> str:
    """The uuid of a demo OpenCamera device."""
    uuid: str = stack.credentials()["opencamera"]["devices"][index]["uuid"]
    return uuid


async def async_add_opencamera(hass: HomeAssistant, stack: SimulatorStack) -> MockConfigEntry:
    """The first demo device as an entry (after the test set its 501 switches, if any)."""
    return await async_add_entry(hass, opencamera_data(stack), f"opencamera:{device_uuid(stack)}")


def device_of(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str, item: str
) -> dr.DeviceEntry | None:
    """The entry's device of one item (kind: hub, site, gateway, arrow_client, camera)."""
    wanted = (DOMAIN, f"{entry.unique_id}:{kind}:{item}")
    mine = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return next((device for device in mine if wanted in device.identifiers), None)
