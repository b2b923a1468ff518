"""Print the state writes of a steady poll at 6, 200 and 500 cameras: none changed, one changed.

Run: PYTHONPATH=. .venv/bin/python bench/poll_writes.py
One real Home Assistant (HTTP on a free 127.0.0.1 port) sets up a NovaVMS organisation and an
Angelcam space of 6, 200 and 500 cameras each (one simulator stack per entry, grown by
simulator.populate). After WARMUP polls, each entry is polled POLLS times with nothing changed
at the vendor, then once after one camera changed (NovaVMS: its stream tier; Angelcam: it
went offline). Writes are counted per entity (every write passes Entity._async_write_ha_state); the
last column says whether the changed poll wrote exactly that camera's entities, once each.
Angelcam's request limits are lifted for this bench (simulator and client), since it counts
writes, not requests; the polls still ask the simulator for everything.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.ha_harness import WriteCounter, grown_entries, running_hass
from custom_components.camhub.connection import BUDGETS, account_key
from custom_components.camhub.const import DOMAIN
from custom_components.camhub.coordinator import CamHubCoordinator
from custom_components.camhub.providers.budget import DAY, MINUTE, Limit, RequestBudget
from simulator.stack import SimulatorStack

SIZES = (6, 200, 500)
WARMUP = 2
POLLS = 3
# Large enough that no poll of this bench waits or skips a request.
LIFTED = (Limit("minute", 1_000_000, MINUTE), Limit("day", 1_000_000, DAY))


def entities_of(hass: HomeAssistant, entry: MockConfigEntry, camera: str | None = None) -> set[str]:
    """The enabled entities of the entry, or of one of its cameras."""
    registry = er.async_get(hass)
    if camera is None:
        found = er.async_entries_for_config_entry(registry, entry.entry_id)
    else:
        wanted = (DOMAIN, f"{entry.unique_id}:camera:{camera}")
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        device = next(d for d in devices if wanted in d.identifiers)
        found = er.async_entries_for_device(registry, device.id)
    return {e.entity_id for e in found if e.disabled_by is None}


async def measure(
    hass: HomeAssistant, stack: SimulatorStack, vendor: str, entry: MockConfigEntry
) -> str:
    """Poll the set-up entry; one line of figures."""
    coordinator: CamHubCoordinator = entry.runtime_data.coordinator
    everything = entities_of(hass, entry)
    for _ in range(WARMUP):
        await coordinator.async_refresh()
    counter = WriteCounter()
    counter.install()
    try:
        unchanged = []
        for _ in range(POLLS):
            before = counter.of(everything)
            sent = stack.log.count(vendor=vendor)
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            if not coordinator.last_update_success or stack.log.count(vendor=vendor) == sent:
                raise SystemExit(f"{entry.unique_id}: the poll did not run")
            unchanged.append(counter.of(everything) - before)
        camera = sorted(coordinator.data.cameras)[len(coordinator.data.cameras) // 2]
        if vendor == "novavms":
            stack.novavms.state.cameras[camera].active_tier = "sub"
        else:
            # Offline, polled (no push is registered here); a rename would also make Home
            # Assistant re-write the entities for the device's new name.
            stack.angelcam.state.set_camera_online(int(camera), online=False)
        counter.written.clear()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        changed = counter.of(everything)
        mine = entities_of(hass, entry, camera)
        exact = {e: n for e, n in counter.written.items() if e in everything} == dict.fromkeys(
            mine, 1
        )
    finally:
        counter.remove()
    return (
        f"{vendor:9s} {len(coordinator.data.cameras):7d}  {len(everything):8d}  "
        f"{max(unchanged):9d}  {changed:11d}  {len(mine):10d}  {'yes' if exact else 'NO':>5s}"
    )


async def main() -> None:
    """Set up the six entries, print one line each."""
    async with AsyncExitStack() as stacks:
        hass = await stacks.enter_async_context(running_hass())
        rows = []
        for vendor, stack, entry in await grown_entries(stacks, SIZES):
            if vendor == "angelcam":
                limits = stack.angelcam.state.rate_limiter.limits
                limits.per_minute = limits.per_day = None
                # The client's budget is the account's shared one, made on first use.
                hass.data.setdefault(BUDGETS, {})[account_key(entry.data)] = RequestBudget(LIFTED)
            entry.add_to_hass(hass)
            if not await hass.config_entries.async_setup(entry.entry_id):
                raise SystemExit(f"{entry.unique_id}: setup failed ({entry.state})")
            await hass.async_block_till_done()
            rows.append(await measure(hass, stack, vendor, entry))
        print("State writes per steady poll (max of 3 with nothing changed; one camera changed)")
        print("vendor    cameras  entities  unchanged  one changed  its entities  exact")
        for row in rows:
            print(row)


if __name__ == "__main__":
    asyncio.run(main())
