"""camhub.trigger_clip on Angelcam cameras: a cloud recording started or extended for the clip."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import DOMAIN
from simulator.stack import SimulatorStack

FRONT = "camera.front_door"
BACKYARD = "camera.backyard"
LIVING = "camera.living_room"
LOBBY = "camera.lobby"


async def trigger(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call trigger_clip and return what it recorded per camera."""
    answer = await hass.services.async_call(
        DOMAIN, "trigger_clip", data, blocking=True, return_response=True
    )
    assert isinstance(answer, dict)
    triggered: dict[str, Any] = answer["triggered"]
    return triggered


async def refused(hass: HomeAssistant, **data: Any) -> str:
    """Call trigger_clip expecting a validation error; return its translation key."""
    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, **data)
    return str(err.value.translation_key)


def starts(stack: SimulatorStack) -> int:
    """Angelcam recording start requests."""
    return sum(
        1
        for record in stack.log.select(vendor="angelcam", method="POST")
        if record.path.startswith("/v1/recording/") and record.path.endswith("/start/")
    )


async def test_angelcam_clip_starts_then_extends_the_idle_recording(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    store = stack.angelcam.state.recordings
    continuous, event = (r.id for r in store.of_camera(1))
    answer = (await trigger(hass, entity_id=FRONT, duration=15))[FRONT]
    now = dt_util.utcnow()
    assert answer == {
        "event_id": None,
        "started_at": now.isoformat(),
        "expected_duration": 30,
        "recording_id": event,
        "already_recording": False,
    }
    assert store.recordings[event].auto_stop == now + timedelta(seconds=30), "30 s minimum"
    # The continuous recording is never given a duration (it would stop after it).
    assert store.recordings[continuous].auto_stop is None
    freezer.tick(timedelta(seconds=10))
    again = (await trigger(hass, entity_id=FRONT, duration=60))[FRONT]
    assert (again["recording_id"], again["expected_duration"]) == (event, 60)
    assert store.recordings[event].auto_stop == dt_util.utcnow() + timedelta(seconds=60)
    assert starts(stack) == 2
    # Once it stopped by itself it is idle again, and the next clip starts it anew.
    freezer.tick(timedelta(minutes=2))
    assert (await trigger(hass, entity_id=FRONT))[FRONT]["recording_id"] == event
    assert starts(stack) == 3
    assert store.recordings[continuous].auto_stop is None


async def test_angelcam_continuous_recording_already_holds_the_clip(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    (only,) = (r.id for r in stack.angelcam.state.recordings.of_camera(2))
    answer = (await trigger(hass, entity_id=BACKYARD, duration=20))[BACKYARD]
    assert (answer["recording_id"], answer["already_recording"]) == (only, True)
    assert starts(stack) == 0
    assert stack.angelcam.state.recordings.recordings[only].auto_stop is None
    assert await refused(hass, entity_id=LIVING) == "no_recording"


async def test_every_target_is_checked_before_recording(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    novavms_entry: MockConfigEntry,
    opencamera_entry: MockConfigEntry,
) -> None:
    device = next(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), opencamera_entry.entry_id)
        if e.domain == "camera"
    )
    before = set(stack.novavms.state.events)
    assert await refused(hass, entity_id=[LOBBY, FRONT, device]) == "unsupported_camera"
    assert set(stack.novavms.state.events) == before
    assert starts(stack) == 0
    both = await trigger(hass, entity_id=[LOBBY, FRONT], duration=30)
    assert both[LOBBY]["event_id"] in stack.novavms.state.events
    assert both[FRONT]["already_recording"] is False


async def test_angelcam_refusal_is_translated(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.faults.add("status5xx", count=1, path_prefix="/v1/recording/")
    with pytest.raises(HomeAssistantError) as err:
        await trigger(hass, entity_id=FRONT)
    assert err.value.translation_key == "cannot_connect"
