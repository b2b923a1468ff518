"""Angelcam membership is learnt a few locations per poll, inside 20 requests a minute."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import DOMAIN
from simulator.angelcam_model import Location
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry

EXTRA_LOCATIONS = 24


def _add_locations(stack: SimulatorStack) -> list[int]:
    """Give Alice's home space many locations with one camera each."""
    state = stack.angelcam.state
    world = state.world
    ids = []
    for number in range(EXTRA_LOCATIONS):
        location = Location(world.next_id("location"), 1, f"Wing {number:02d}")
        world.locations[location.id] = location
        state.add_camera(f"Wing camera {number:02d}", location.id)
        ids.append(location.id)
    return ids


async def test_large_space_is_placed_over_several_polls(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    _add_locations(stack)
    entry = await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    coordinator = entry.runtime_data.coordinator
    # Never more than Angelcam's 20 requests in the minute of setup.
    assert stack.log.count(vendor="angelcam", path_prefix="/v1/") <= 20
    assert coordinator.last_update_success
    total = len(coordinator.data.cameras)
    assert total == 4 + EXTRA_LOCATIONS
    unplaced = [c for c in coordinator.data.cameras.values() if c.site_id is None]
    assert unplaced
    for _ in range(3):
        freezer.tick(timedelta(minutes=1))
        await coordinator.async_refresh()
    assert all(c.site_id is not None for c in coordinator.data.cameras.values())
    # The device tree follows: every camera now hangs under its location.
    registry = dr.async_get(hass)
    hub = next(
        d
        for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
        if (DOMAIN, f"{entry.unique_id}:hub:account") in d.identifiers
    )
    cameras_under_hub = [
        d
        for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
        if d.via_device_id == hub.id and any(":camera:" in i[1] for i in d.identifiers)
    ]
    assert not cameras_under_hub


async def test_removed_location_is_forgotten(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    world = stack.angelcam.state.world
    stack.angelcam.state.remove_camera(4)
    del world.locations[2]
    await coordinator.async_refresh()
    assert set(coordinator.data.sites) == {"1"}
    await hass.async_block_till_done()
    # The location's device went, and its panel with it.
    assert hass.states.get("alarm_control_panel.garage_arming") is None
