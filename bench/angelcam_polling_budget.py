"""Print the Angelcam requests a day CamHub's coordinator spends polling at default options.

Run: PYTHONPATH=. .venv/bin/python bench/angelcam_polling_budget.py
For 1, 10, 50, 200 and 500 cameras (one location per 10 cameras, so bigger accounts also pay for
more location queries) a real Home Assistant sets the entry up against the Angelcam simulator;
the requests of a steady poll are counted in the simulator's request log, and the interval is
the one the coordinator planned; each location's membership query every 6 h and the daily cap
of the health and account-control reads are added (an upper bound). Polling must stay within
60 % of the 1000 requests a day (exit status 1 if it does not).
"""

from __future__ import annotations

import asyncio
import sys

from bench.ha_harness import angelcam_entry, running_hass
from custom_components.camhub.providers.polling import (
    ANGELCAM_DAILY_REQUESTS,
    ANGELCAM_POLLING_SHARE,
    membership_per_day,
    requests_per_day,
)
from simulator.populate import populate_angelcam
from simulator.stack import SimulatorStack

SIZES = (1, 10, 50, 200, 500)
POLLS = 3


async def measure(cameras: int) -> tuple[int, int, float, float]:
    """(locations, requests per steady poll, interval in s, requests a day)."""
    async with SimulatorStack(scenario="empty") as stack, running_hass() as hass:
        locations = populate_angelcam(stack, cameras)
        entry = angelcam_entry(stack)
        entry.add_to_hass(hass)
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise SystemExit(f"setup failed for {cameras} cameras")
        coordinator = entry.runtime_data.coordinator
        per_poll = []
        for _ in range(POLLS):
            before = stack.log.count(vendor="angelcam", path_prefix="/v1/")
            await coordinator.async_refresh()
            per_poll.append(stack.log.count(vendor="angelcam", path_prefix="/v1/") - before)
        interval = coordinator.update_interval
        if interval is None:
            raise SystemExit("the coordinator has no polling interval")
        cost = max(per_poll)
        # Paid from the same share: location-membership queries (once per location / 6 h),
        # the health reads and the account-control reads (unread messages, broadcasting). A
        # poll may already hold some of those, so adding their daily cap on top is an upper
        # bound.
        per_day = (
            requests_per_day(cost, interval)
            + membership_per_day(locations)
            + entry.runtime_data.connection.extra_per_day
        )
        await hass.config_entries.async_unload(entry.entry_id)
        return locations, cost, interval.total_seconds(), per_day


async def main() -> int:
    """Print one line per size; exit 1 if any size breaks the polling share."""
    allowed = ANGELCAM_DAILY_REQUESTS * ANGELCAM_POLLING_SHARE
    print(f"Angelcam polling at default options (allowed: {allowed:.0f} requests/day)")
    print("cameras  locations  requests/poll  interval (s)  requests/day  share of 1000")
    over = False
    for cameras in SIZES:
        locations, cost, interval, per_day = await measure(cameras)
        over |= per_day > allowed
        print(
            f"{cameras:7d}  {locations:9d}  {cost:13d}  {interval:12.0f}  {per_day:12.0f}  "
            f"{per_day / ANGELCAM_DAILY_REQUESTS:12.0%}"
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
