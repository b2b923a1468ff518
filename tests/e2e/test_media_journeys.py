"""End to end, what a person does with recorded media and the cards, in a real browser.

Runs on the newest lane only (the demo's lane), against the demo stack: the simulators and a
real Home Assistant process. One Chromium run goes through every journey:

- Media -> CamHub, clicked down to a recording segment and a clip of Angelcam, an event clip of
  NovaVMS and an hour of OpenCamera recorded video: each plays (frames decode, time moves);
- arm and then disarm an Angelcam location from its dashboard card: the simulator sees both;
- press a NovaVMS "Trigger clip" button on the dashboard: its new event is in the media browser;
- the event that press made is listed on the dashboard's "Recent incidents" logbook card;
- switch the NovaVMS "Any motion" alert rule off and on from the dashboard's "Settings" card: the
  simulator's rule follows each click.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime, timedelta
import logging
import time
from typing import Any

from demo.stack import DemoStack

from .conftest import eventually
from .media_support import (
    assert_played,
    first,
    nth,
    run_journeys,
    titled,
    titles_to,
)

_LOGGER = logging.getLogger(__name__)


async def _angelcam_clip(stack: DemoStack) -> str:
    """Cut a clip of Front door's last minutes through CamHub's action (waits until ready)."""
    now = datetime.now(UTC)
    response = await stack.client.rest(
        "POST",
        "/api/services/camhub/create_clip?return_response",
        {
            "entity_id": "camera.front_door",
            "name": "Doorstep",
            "start": (now - timedelta(minutes=10)).isoformat(),
            "end": (now - timedelta(minutes=9)).isoformat(),
        },
    )
    assert response["service_response"], response
    return "Doorstep"


def _day_title(child: dict[str, Any]) -> bool:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    return bool(child["title"].startswith(yesterday))


async def _plays(stack: DemoStack) -> list[dict[str, Any]]:
    """The play journeys: the titles to click, worked out as the frontend would browse."""
    clip = await _angelcam_clip(stack)
    angelcam = titled("Angelcam Novak family")
    segment, _ = await titles_to(
        stack,
        [
            angelcam,
            titled("Backyard"),
            first(lambda c: c["title"].startswith("Recording 1")),
            first(_day_title),
            first(lambda c: c["can_play"] and c["can_expand"]),
            # A point inside the segment: it plays when clicked.
            first(lambda c: c["can_play"]),
        ],
    )
    clip_path, _ = await titles_to(
        stack,
        [angelcam, titled("Front door"), titled("Clips"), first(lambda c: clip in c["title"])],
    )
    nova = first(lambda c: c["title"].startswith("NovaVMS"))
    events, _ = await titles_to(stack, [nova, titled("Lobby"), titled("Events")])
    event_clip = None
    for index in range(5):
        with suppress(StopIteration):
            event_clip, _ = await titles_to(
                stack,
                [
                    nova,
                    titled("Lobby"),
                    titled("Events"),
                    nth(index),
                    first(lambda c: c["title"].startswith("Clip")),
                ],
            )
            break
    assert event_clip is not None, events
    vod, _ = await titles_to(
        stack,
        [
            titled("OpenCamera a57f27c9"),
            titled("OpenCamera a57f27c9"),
            titled("Recorded video"),
            first(_day_title),
            titled("13:00 - 14:00"),
        ],
    )
    return [
        {"kind": "play", "name": "angelcam-segment", "path": segment},
        {"kind": "play", "name": "angelcam-clip", "path": clip_path},
        {"kind": "play", "name": "novavms-event-clip", "path": event_clip},
        {"kind": "play", "name": "opencamera-vod", "path": vod},
    ]


async def test_media_journeys(demo: DemoStack) -> None:
    stack = demo
    started = time.monotonic()
    world = stack.simulators.scenario.angelcam.world
    house = next(loc for loc in world.locations.values() if loc.name == "House")
    assert not house.is_armed
    nova = stack.simulators.scenario.novavms
    lobby = next(c for c in nova.cameras.values() if c.name == "Lobby")
    lobby_events = {e.id for e in nova.events.values() if e.camera_id == lobby.id}

    journeys = await _plays(stack)
    journeys += [
        {"kind": "arm", "name": "arm-house", "card": "House Arming"},
        {
            "kind": "press",
            "name": "press-lobby-trigger",
            "button": "Lobby Trigger clip",
            "path": [
                next(j for j in journeys if j["name"] == "novavms-event-clip")["path"][0],
                "Lobby",
                "Events",
            ],
        },
        # After the press: the event it made is on the dashboard's "Recent incidents" card.
        {"kind": "logbook", "name": "recent-incidents", "expect": ["Lobby", "Manual clip"]},
        {"kind": "toggle", "name": "alert-rule", "row": "Alert rule Any motion"},
    ]
    (rule,) = nova.alert_rules.values()

    # What the simulator's House location and alert rule go through while the browser clicks.
    armed_seen: list[bool] = [house.is_armed]
    enabled_seen: list[bool] = [rule.enabled]

    async def watch_house() -> None:
        while True:
            if world.locations[house.id].is_armed != armed_seen[-1]:
                armed_seen.append(world.locations[house.id].is_armed)
            if rule.enabled != enabled_seen[-1]:
                enabled_seen.append(rule.enabled)
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch_house())
    try:
        results = await run_journeys(stack, journeys)
    finally:
        watcher.cancel()

    for name in ("angelcam-segment", "angelcam-clip", "novavms-event-clip", "opencamera-vod"):
        assert_played(results[name])

    arm = results["arm-house"]
    assert "error" not in arm, arm
    assert arm["seen"] == ["Armed away", "Disarmed"]
    # The clicks reached Angelcam: armed, then disarmed again.
    assert armed_seen == [False, True, False]

    toggled = results["alert-rule"]
    assert "error" not in toggled, toggled
    assert toggled["seen"] == [True, False, True]
    # Each click reached NovaVMS: the rule was disabled, then enabled again.
    assert enabled_seen == [True, False, True]

    incidents = results["recent-incidents"]
    assert "error" not in incidents, incidents
    assert all(count > 0 for count in incidents["found"].values()), incidents

    press = results["press-lobby-trigger"]
    assert "error" not in press, press
    new = [e for e in nova.events.values() if e.camera_id == lobby.id and e.id not in lobby_events]
    assert len(new) == 1, new
    when = f"{new[0].triggered_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
    assert any(title.startswith(when) for title in press["titles"]), (when, press["titles"])

    async def house_disarmed() -> bool:
        return not world.locations[house.id].is_armed

    await eventually(house_disarmed)
    seconds = {name: result["seconds"] for name, result in results.items()}
    _LOGGER.info(
        "media journeys: %.1f s in all; per journey %s", time.monotonic() - started, seconds
    )
