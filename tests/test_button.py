"""Clip buttons: NovaVMS triggers (per-camera limit respected) and Angelcam cloud recordings."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import RECORD_CLIP_DURATION
from custom_components.camhub.providers.errors import NotSupportedError
from custom_components.camhub.recordings import async_record_clip
from simulator.stack import SimulatorStack

from .test_services_trigger import starts

LOBBY = "button.lobby_trigger_clip"


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


def _manual_events(stack: SimulatorStack) -> list[object]:
    return [e for e in stack.novavms.state.events.values() if e.trigger_type == "manual"]


async def test_trigger_clip_records_in_novavms(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    before = len(_manual_events(stack))
    await _press(hass, LOBBY)
    assert len(_manual_events(stack)) == before + 1
    assert stack.log.count(vendor="novavms", path_prefix="/api/v1/cameras/", method="POST") == 1


async def test_second_press_within_5_seconds_is_refused(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    await _press(hass, LOBBY)
    with pytest.raises(HomeAssistantError) as refused:
        await _press(hass, LOBBY)
    assert refused.value.translation_key == "rate_limited"
    assert refused.value.translation_placeholders == {"vendor": "NovaVMS", "seconds": "5"}
    # Refused by the client's budget: the vendor never saw a second trigger.
    assert stack.log.count(vendor="novavms", path_prefix="/api/v1/cameras/", method="POST") == 1
    # Another camera is not held back.
    await _press(hass, "button.parking_trigger_clip")


async def test_vendor_429_is_translated(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    # Someone else (the NovaVMS web app) just triggered the same camera.
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    stack.novavms.state.trigger(lobby.id, 10, None)
    with pytest.raises(HomeAssistantError) as refused:
        await _press(hass, LOBBY)
    assert refused.value.translation_key == "rate_limited"
    assert stack.log.count(vendor="novavms", path_prefix="/api/v1/cameras/", status=429) == 1


async def test_offline_camera_trigger_is_rejected(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    stack.novavms.state.set_camera_status(lobby.id, "offline")
    # Still online as far as Home Assistant knows (no refresh yet): the vendor refuses.
    with pytest.raises(HomeAssistantError) as refused:
        await _press(hass, LOBBY)
    assert refused.value.translation_key == "action_failed"


FRONT_RECORD = "button.front_door_record_clip"


async def test_record_clip_starts_the_angelcam_recording(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    continuous, event = stack.angelcam.state.recordings.of_camera(1)
    assert event.auto_stop is None
    assert not event.spans or event.spans[-1].end is not None
    await _press(hass, FRONT_RECORD)
    # It records now (an open span of footage) ...
    assert event.spans[-1].end is None
    # ... for the button's duration; the continuous recording is never given a stop.
    assert event.auto_stop == dt_util.utcnow() + RECORD_CLIP_DURATION
    assert continuous.auto_stop is None
    assert starts(stack) == 1
    freezer.tick(timedelta(seconds=10))
    await _press(hass, FRONT_RECORD)
    # Pressed again while it runs: the same recording is extended, not another started.
    assert event.auto_stop == dt_util.utcnow() + RECORD_CLIP_DURATION
    assert starts(stack) == 2


async def test_record_clip_only_on_cameras_with_cloud_recording(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    record_buttons = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(registry, angelcam_entry.entry_id)
        if entry.translation_key == "record_clip"
    }
    with_recording = {
        camera.id
        for camera in stack.angelcam.state.world.cameras.values()
        # The entry is for space 1; the simulator also holds other spaces' cameras.
        if camera.space_id == 1 and stack.angelcam.state.recordings.of_camera(camera.id)
    }
    assert FRONT_RECORD in record_buttons
    assert hass.states.get("button.living_room_record_clip") is None
    assert len(record_buttons) == len(with_recording)
    # Angelcam cameras take no NovaVMS trigger.
    assert hass.states.get("button.front_door_trigger_clip") is None


async def test_record_clip_failure_is_translated(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.faults.add("status5xx", count=1, path_prefix="/v1/recording/")
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, FRONT_RECORD)
    assert err.value.translation_key == "cannot_connect"
    assert err.value.translation_placeholders == {"vendor": "Angelcam"}
    # The start request failed: nothing records in the simulator.
    assert stack.log.count(vendor="angelcam", path_prefix="/v1/recording/", status=503) == 1
    assert all(r.auto_stop is None for r in stack.angelcam.state.recordings.of_camera(1))


async def test_record_clip_without_an_active_recording_is_refused(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    store = stack.angelcam.state.recordings
    for recording in store.of_camera(1):
        recording.deactivated_at = dt_util.utcnow()
    with pytest.raises(ServiceValidationError) as err:
        await _press(hass, FRONT_RECORD)
    assert err.value.translation_key == "no_recording"
    assert starts(stack) == 0


async def test_record_clip_needs_an_angelcam_entry(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    with pytest.raises(NotSupportedError):
        await async_record_clip(hass, novavms_entry, str(lobby.id), 60)
