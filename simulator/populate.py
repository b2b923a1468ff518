"""Grow a running scenario to a given number of cameras (tests and benches of large accounts)."""

from __future__ import annotations

import math

from simulator.angelcam_model import Location
from simulator.novavms import Gateway, Site, stable_id
from simulator.stack import SimulatorStack

CAMERAS_PER_LOCATION = 10
CAMERAS_PER_SITE = 20


def populate_angelcam(stack: SimulatorStack, cameras: int) -> int:
    """Give the scenario's first Angelcam user `cameras` cameras, one location per ten.

    Returns the number of locations (the first is the user's root location).
    """
    state = stack.angelcam.state
    world = state.world
    root = world.root_location[stack.credentials()["angelcam"]["user_id"]]
    locations = [root]
    for number in range(1, math.ceil(cameras / CAMERAS_PER_LOCATION)):
        location = Location(world.next_id("location"), world.locations[root].space_id, f"L{number}")
        world.locations[location.id] = location
        locations.append(location.id)
    for number in range(cameras):
        state.add_camera(f"Camera {number:03d}", locations[number % len(locations)])
    return len(locations)


def populate_novavms(stack: SimulatorStack, cameras: int) -> list[str]:
    """Add `cameras` cameras to the NovaVMS organisation: 20 a site, each site a gateway.

    Returns the new camera ids in order (camera n is "Camera nnn", behind site n // 20).
    """
    state = stack.novavms.state
    now = state.now()
    added: list[str] = []
    for index in range(math.ceil(cameras / CAMERAS_PER_SITE)):
        site = Site(
            id=stable_id(state.seed, "bench-site", index),
            name=f"Site {index:02d}",
            timezone="Europe/Prague",
            created_at=now,
        )
        state.sites[site.id] = site
        gateway = Gateway(
            id=stable_id(state.seed, "bench-gateway", index),
            name=f"Site {index:02d} gateway",
            site_id=site.id,
            last_heartbeat_at=now,
        )
        state.gateways[gateway.id] = gateway
        for number in range(index * CAMERAS_PER_SITE, min(cameras, (index + 1) * CAMERAS_PER_SITE)):
            camera = state.add_camera(
                f"Camera {number:03d}",
                site.id,
                gateway.id,
                camera_id=stable_id(state.seed, "bench-camera", number),
            )
            added.append(camera.id)
    return added
