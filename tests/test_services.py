"""CamHub actions against the simulators: clips, playback streams, position, speed, bad input."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import DOMAIN
from custom_components.camhub.playback import sessions
from custom_components.camhub.proxy import SESSION_IDLE
from simulator.stack import SimulatorStack

FRONT = "camera.front_door"
BACKYARD = "camera.backyard"
LIVING = "camera.living_room"
LOBBY = "camera.lobby"


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = True
) -> Any:
    """Call a CamHub action and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def invalid(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = True
) -> str:
    """Call an action that must refuse its input; return the translation key."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, data, response=response)
    assert err.value.translation_domain == DOMAIN
    return str(err.value.translation_key)


def ago(**kwargs: float) -> str:
    """An ISO time in the past."""
    return (dt_util.utcnow() - timedelta(**kwargs)).isoformat()


async def test_trigger_clip_on_novavms(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    before = set(stack.novavms.state.events)
    answer = await call(
        hass, "trigger_clip", {"entity_id": LOBBY, "duration": 20, "note": "Walkthrough"}
    )
    manual = [e for k, e in stack.novavms.state.events.items() if k not in before]
    assert len(manual) == 1
    assert manual[0].note == "Walkthrough"
    assert manual[0].duration_sec == 20
    assert answer["triggered"][LOBBY]["event_id"] == manual[0].id
    assert (
        await invalid(hass, "trigger_clip", {"entity_id": LOBBY, "duration": 3})
        == "invalid_duration"
    )
    assert (
        await invalid(hass, "trigger_clip", {"entity_id": LOBBY, "note": "x" * 501})
        == "note_too_long"
    )
    assert await invalid(hass, "trigger_clip", {"entity_id": "sun.sun"}) == "not_camhub_camera"
    # The 5 s per camera limit surfaces as a translated failure.
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "trigger_clip", {"entity_id": LOBBY})
    assert err.value.translation_key == "rate_limited"


async def _until_done[T](
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, task: asyncio.Task[T], step: float
) -> T:
    """Move time (and Home Assistant's timers) until the action finishes."""
    for _ in range(100):
        for _ in range(20):
            await asyncio.sleep(0)
        if task.done():
            break
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
    return await task


async def test_create_clip_waits_until_ready(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    data = {"entity_id": FRONT, "start": ago(minutes=10), "end": ago(minutes=9), "name": "Parcel"}
    task = asyncio.create_task(call(hass, "create_clip", data))
    answer = await _until_done(hass, freezer, task, 10)
    clip = answer["clip"]
    assert clip["status"] == "READY"
    assert clip["name"] == "Parcel"
    assert clip["media_content_id"].startswith(f"media-source://camhub/{angelcam_entry.entry_id}/")
    assert "download_url" not in clip
    # Each poll is one request: polled every 10 s until ready (15 s in the simulator).
    polls = stack.log.count(vendor="angelcam", path_prefix="/v1/cameras/1/clips/", method="GET")
    assert polls == 2


async def test_create_clip_without_response_does_not_wait(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    data = {"entity_id": FRONT, "start": ago(minutes=10), "end": ago(minutes=9), "name": "Quick"}
    assert await call(hass, "create_clip", data, response=False) is None
    assert [c.name for c in stack.angelcam.state.recordings.clips.values()] == ["Quick"]


async def test_create_clip_times_out_while_the_vendor_builds(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    data = {"entity_id": FRONT, "start": ago(minutes=10), "end": ago(minutes=9), "name": "Slow"}
    task = asyncio.create_task(call(hass, "create_clip", data))
    for _ in range(20):
        await asyncio.sleep(0)
    # The vendor is busy: the clip stays pending however long we wait.
    clip = next(iter(stack.angelcam.state.recordings.clips.values()))
    clip.created_at += timedelta(days=1)
    with pytest.raises(HomeAssistantError) as err:
        await _until_done(hass, freezer, task, 10)
    assert err.value.translation_key == "clip_timeout"
    polls = stack.log.count(vendor="angelcam", path_prefix="/v1/cameras/1/clips/", method="GET")
    assert polls == 18


async def test_create_clip_bad_input(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, novavms_entry: MockConfigEntry
) -> None:
    base = {"entity_id": FRONT, "name": "Bad"}
    assert (
        await invalid(hass, "create_clip", base | {"start": ago(minutes=1), "end": ago(minutes=2)})
        == "end_before_start"
    )
    assert (
        await invalid(hass, "create_clip", base | {"start": ago(hours=5), "end": ago(hours=1)})
        == "range_too_long"
    )
    future = (dt_util.utcnow() + timedelta(hours=1)).isoformat()
    assert (
        await invalid(hass, "create_clip", base | {"start": future, "end": future})
        == "start_in_future"
    )
    both = base | {"entity_id": [FRONT, BACKYARD], "start": ago(hours=2), "end": ago(hours=1)}
    assert await invalid(hass, "create_clip", both) == "one_camera"
    lobby = base | {"entity_id": LOBBY, "start": ago(hours=2), "end": ago(hours=1)}
    assert await invalid(hass, "create_clip", lobby) == "unsupported_camera"
    # The vendor refuses a clip without footage: the user can change the request.
    with pytest.raises(ServiceValidationError):
        await call(
            hass,
            "create_clip",
            base | {"entity_id": BACKYARD, "start": ago(days=30), "end": ago(days=30, hours=-1)},
        )


async def test_playback_stream_position_and_speed(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    start = (dt_util.utcnow() - timedelta(hours=3)).replace(microsecond=0)
    answer = await call(
        hass, "playback_stream", {"entity_id": BACKYARD, "start": start.isoformat()}
    )
    assert answer["format"] == "hls"
    assert set(answer["controls"]) == {"position", "play", "pause", "speed"}
    assert "authSig=" in answer["url"]
    assert stack.angelcam.url.split("/v1")[0] not in str(answer)
    client = await hass_client()
    assert (await client.get(answer["url"])).status == 200

    stream_id = answer["stream_id"]
    position = await call(hass, "playback_position", {"stream_id": stream_id})
    assert dt_util.parse_datetime(position["position"]) == start
    assert position["speed"] == 1
    await call(hass, "set_playback_speed", {"stream_id": stream_id, "speed": 4}, response=False)
    freezer.tick(timedelta(seconds=10))
    position = await call(hass, "playback_position", {"stream_id": stream_id})
    assert dt_util.parse_datetime(position["position"]) == start + timedelta(seconds=40)
    assert position["speed"] == 4

    # The same controls through the proxy's control URLs.
    controls = answer["controls"]
    assert (await client.post(controls["pause"])).status == 200
    paused = await (await client.get(controls["position"])).json()
    freezer.tick(timedelta(seconds=10))
    assert await (await client.get(controls["position"])).json() == paused
    assert (await client.post(controls["play"])).status == 200
    assert (await client.post(controls["speed"], json={"speed": 3})).status == 400
    assert (await client.post(controls["speed"], data=b"nope")).status == 400
    assert (await client.post(controls["speed"], json={"speed": 2})).status == 200
    assert (await client.post(controls["position"])).status == 404

    assert (
        await invalid(
            hass, "set_playback_speed", {"stream_id": stream_id, "speed": 3}, response=False
        )
        == "invalid_speed"
    )
    assert await invalid(hass, "playback_position", {"stream_id": "unknown"}) == "stream_not_found"

    # An idle session ends; so does every session of an unloaded entry.
    freezer.tick(SESSION_IDLE + timedelta(seconds=1))
    assert await invalid(hass, "playback_position", {"stream_id": stream_id}) == "stream_not_found"
    assert (await client.get(answer["url"])).status == 404


async def test_playback_stream_bad_input(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    novavms_entry: MockConfigEntry,
) -> None:
    start = ago(hours=3)
    assert (
        await invalid(hass, "playback_stream", {"entity_id": LIVING, "start": start})
        == "no_recording"
    )
    assert (
        await invalid(
            hass, "playback_stream", {"entity_id": BACKYARD, "start": start, "recording_id": "x"}
        )
        == "recording_not_found"
    )
    assert (
        await invalid(hass, "playback_stream", {"entity_id": LOBBY, "start": start})
        == "unsupported_camera"
    )
    # The event-only recording has no footage and the continuous one ends before `start`.
    stack.angelcam.state.recordings.recordings[
        next(iter(stack.angelcam.state.recordings.recordings))
    ].spans.clear()
    assert (
        await invalid(hass, "playback_stream", {"entity_id": FRONT, "start": start}) == "no_footage"
    )
    assert (
        await invalid(
            hass,
            "playback_stream",
            {"entity_id": BACKYARD, "start": ago(hours=1), "end": ago(hours=2)},
        )
        == "end_before_start"
    )


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    answer = await call(hass, "playback_stream", {"entity_id": BACKYARD, "start": ago(hours=3)})
    await hass.config_entries.async_unload(angelcam_entry.entry_id)
    assert (
        await invalid(hass, "playback_stream", {"entity_id": BACKYARD, "start": ago(hours=3)})
        == "entry_not_loaded"
    )
    assert (
        await invalid(hass, "playback_position", {"stream_id": answer["stream_id"]})
        == "stream_not_found"
    )
    assert len(sessions(hass)) == 0


async def test_vendor_failure_is_translated(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    answer = await call(hass, "playback_stream", {"entity_id": BACKYARD, "start": ago(hours=3)})
    stack.angelcam.faults.add("status5xx", count=10)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "playback_position", {"stream_id": answer["stream_id"]})
    assert err.value.translation_key == "cannot_connect"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "playback_stream", {"entity_id": BACKYARD, "start": ago(hours=3)})
    assert err.value.translation_key == "cannot_connect"
    client = await hass_client()
    assert (await client.get(answer["controls"]["position"])).status == 502
    assert (await client.get(answer["url"])).status == 502
