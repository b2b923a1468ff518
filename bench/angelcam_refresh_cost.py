"""Print how many Angelcam requests one full refresh costs for N cameras (simulator request log).

Run: PYTHONPATH=. .venv/bin/python bench/angelcam_refresh_cost.py
Two layouts per size: every camera in the root location, and cameras spread round-robin over
up to 5 locations of one space (each non-empty location costs its own camera query).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp

from custom_components.camhub.providers import AngelcamClient
from simulator.angelcam_model import Location
from simulator.control import SimClock
from simulator.stack import SimulatorStack

SIZES = (1, 10, 100, 500)
LAYOUTS = (1, 5)
DAY_LIMIT = 1000
START = datetime(2026, 4, 21, 12, tzinfo=UTC)


async def measure(cameras: int, spread: int) -> tuple[int, int, int, int]:
    """(locations, first refresh incl. account, steady refresh, requests the budget counted)."""
    clock = SimClock(START)
    async with (
        SimulatorStack(scenario="empty", clock=clock) as stack,
        aiohttp.ClientSession() as session,
    ):
        state = stack.angelcam.state
        world = state.world
        credentials = stack.credentials()["angelcam"]
        root = world.root_location[credentials["user_id"]]
        space = world.locations[root].space_id
        locations = [root]
        for number in range(1, min(cameras, spread)):
            location = Location(world.next_id("location"), space, f"Building {number}")
            world.locations[location.id] = location
            locations.append(location.id)
        for number in range(cameras):
            state.add_camera(f"Camera {number:03d}", locations[number % len(locations)])
        client = AngelcamClient(
            session,
            token=credentials["personal_access_token"],
            base_url=credentials["url"],
            now=clock,
        )
        await client.async_fetch_snapshot_state()
        first = stack.log.count(vendor="angelcam", path_prefix="/v1/")
        clock.advance(60)  # a new minute window, as a coordinator poll would be
        await client.async_fetch_snapshot_state()
        steady = stack.log.count(vendor="angelcam", path_prefix="/v1/") - first
        return len(locations), first, steady, client.budget.sent


async def main() -> None:
    """Print one line per camera count."""
    print(
        "cameras  locations  first refresh (+account)  steady refresh  "
        "client counted  refreshes/day in 1000/day"
    )
    for cameras in SIZES:
        for spread in sorted({min(cameras, layout) for layout in LAYOUTS}):
            locations, first, steady, counted = await measure(cameras, spread)
            print(
                f"{cameras:7d}  {locations:9d}  {first:24d}  {steady:14d}  {counted:14d}  "
                f"{DAY_LIMIT // steady:5d} (one every {86400 * steady / DAY_LIMIT:.0f} s)"
            )


if __name__ == "__main__":
    asyncio.run(main())
