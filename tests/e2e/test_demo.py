"""End to end: the demo's entities, arming and motion, seen through Home Assistant and Chromium."""

from __future__ import annotations

import aiohttp

from demo.stack import DASHBOARD, DemoStack

from .conftest import (
    ARTEFACTS,
    angelcam_pushes_registered,
    by_domain,
    eventually,
    screenshot,
    states,
)

SCREENSHOT = ARTEFACTS / "screenshot.png"
EVENTS_BEFORE = ARTEFACTS / "events-before.png"
EVENTS_AFTER = ARTEFACTS / "events-after.png"


async def test_demo_end_to_end(demo: DemoStack) -> None:
    found = await states(demo)
    cameras = by_domain(found, "camera")
    scenario = demo.simulators.scenario
    angel_world = scenario.angelcam.world
    expected_cameras = (
        len(angel_world.cameras) + len(scenario.novavms.cameras) + len(scenario.opencameras)
    )
    assert len(cameras) == expected_cameras
    # Exactly the cameras the scenario has offline are unavailable.
    offline = {c.name for c in angel_world.cameras.values() if c.status != "online"} | {
        c.name for c in scenario.novavms.cameras.values() if c.status != "online"
    }
    assert offline
    unavailable = {c["attributes"]["friendly_name"] for c in cameras if c["state"] == "unavailable"}
    assert unavailable == offline
    panels = by_domain(found, "alarm_control_panel")
    assert panels, "no alarm panel for the Angelcam locations"
    motion = [
        s
        for s in by_domain(found, "binary_sensor")
        if s["attributes"].get("device_class") == "motion"
    ]
    online = [
        s
        for s in by_domain(found, "binary_sensor")
        if s["attributes"].get("device_class") == "connectivity"
    ]
    # Motion comes from Angelcam incidents and NovaVMS events (OpenCamera reports none);
    # connectivity covers every camera plus gateways and Arrow clients.
    assert len(motion) == len(angel_world.cameras) + len(scenario.novavms.cameras)
    assert len(online) >= expected_cameras
    assert {s["state"] for s in online} <= {"on", "off"}
    assert any(s["state"] == "on" for s in online)

    # Arm a disarmed location through Home Assistant; the simulator must see it armed.
    disarmed = [p for p in panels if p["state"] == "disarmed"]
    assert disarmed, [p["state"] for p in panels]
    panel = disarmed[0]
    location = next(
        loc
        for loc in angel_world.locations.values()
        if loc.name in panel["attributes"]["friendly_name"]
    )
    assert not location.is_armed
    await demo.client.rest(
        "POST",
        "/api/services/alarm_control_panel/alarm_arm_away",
        {"entity_id": panel["entity_id"]},
    )

    async def location_armed() -> bool:
        return bool(angel_world.locations[location.id].is_armed)

    await eventually(location_armed)

    async def panel_armed() -> bool:
        return bool((await states(demo))[panel["entity_id"]]["state"] == "armed_away")

    await eventually(panel_armed)

    # A motion incident fired in the simulator turns the camera's motion sensor on in HA.
    camera = next(c for c in angel_world.cameras.values() if c.location_id == location.id)
    sensor = next(s for s in motion if s["attributes"]["friendly_name"].startswith(camera.name))
    assert sensor["state"] == "off"
    # Its "Last event" picture shows the "no picture yet" drawing until an incident is pushed.
    picture = next(
        i
        for i in by_domain(found, "image")
        if i["attributes"]["friendly_name"].startswith(camera.name)
    )
    assert picture["state"] == "unknown"
    before = await screenshot(demo, f"{DASHBOARD}/events", EVENTS_BEFORE)
    drawing = {i["entity"]: i for i in before["images"]}[picture["entity_id"]]
    assert drawing["w"] > 0, drawing
    await angelcam_pushes_registered(demo)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{demo.simulators.angelcam.control}/incidents", json={"camera_id": camera.id}
        ) as resp,
    ):
        assert resp.status == 201
        assert (await resp.json())["incident_id"] is not None

    async def motion_on() -> bool:
        await demo.client.rest(
            "POST", "/api/services/homeassistant/update_entity", {"entity_id": sensor["entity_id"]}
        )
        return bool((await states(demo))[sensor["entity_id"]]["state"] == "on")

    # Angelcam allows 20 requests a minute per user, shared by both spaces' entries: after
    # setup and arming the refresh may have to wait for the next minute.
    await eventually(motion_on, attempts=200)

    # The pushed incident's picture became the camera's "Last event" image, which a real
    # browser shows: a real frame, not the drawing it showed before.
    async def pictured() -> bool:
        return bool((await states(demo))[picture["entity_id"]]["state"] != "unknown")

    await eventually(pictured)
    after = await screenshot(demo, f"{DASHBOARD}/events", EVENTS_AFTER)
    shown = {i["entity"]: i for i in after["images"]}[picture["entity_id"]]
    assert shown["w"] > 0, shown
    assert shown["spread"] > 5, shown
    assert shown["hash"] != drawing["hash"], (shown, drawing)

    # A real browser renders the dashboard with camera images that are not blank.
    result = await screenshot(demo, f"{DASHBOARD}/cameras", SCREENSHOT)
    images = {img["entity"]: img for img in result["images"]}
    assert set(images) == {c["entity_id"] for c in cameras}
    # Every online Angelcam camera shows a real frame (drawn per request by the simulator);
    # NovaVMS shows its latest event's snapshot where there is one.
    angel_online = {
        c["entity_id"]
        for c in cameras
        if c["attributes"].get("brand") == "Angelcam" and c["state"] != "unavailable"
    }
    assert angel_online
    for entity_id in angel_online:
        assert images[entity_id]["w"] > 0, images[entity_id]
        assert images[entity_id]["spread"] > 5, images[entity_id]
