"""Print how long CamHub takes to set up entries of the "large" scenario (500+ cameras).

Run: PYTHONPATH=. .venv/bin/python bench/setup_time_large.py
A real Home Assistant sets up the NovaVMS organisation (480 cameras) and the Angelcam space
(420 cameras in 20 locations) against the simulators: the time from async_setup to every
entity written, the requests it took, and the devices and entities it made.
"""

from __future__ import annotations

import asyncio
import time

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.ha_harness import angelcam_entry, novavms_entry, running_hass
from simulator.stack import SimulatorStack


async def timed_setup(
    hass: HomeAssistant, stack: SimulatorStack, entry: MockConfigEntry, vendor: str
) -> str:
    """Set the entry up; return one line of figures."""
    entry.add_to_hass(hass)
    before = stack.log.count(vendor=vendor)
    start = time.perf_counter()
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise SystemExit(f"{vendor}: setup failed ({entry.state})")
    await hass.async_block_till_done()
    seconds = time.perf_counter() - start
    cameras = len(entry.runtime_data.coordinator.data.cameras)
    devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
    entities = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
    requests = stack.log.count(vendor=vendor) - before
    return f"{vendor:9s} {cameras:7d}  {devices:7d}  {entities:8d}  {requests:8d}  {seconds:9.2f}"


async def main() -> None:
    """Print one line per vendor entry."""
    print('Setup of the "large" scenario\'s entries in a real Home Assistant')
    print("vendor    cameras  devices  entities  requests  seconds")
    async with SimulatorStack(scenario="large") as stack:
        for make, vendor in ((novavms_entry, "novavms"), (angelcam_entry, "angelcam")):
            async with running_hass() as hass:
                print(await timed_setup(hass, stack, make(stack), vendor))


if __name__ == "__main__":
    asyncio.run(main())
