"""Trigger-clip buttons start clips in the simulator; the per-camera limit is respected."""

from __future__ import annotations

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.stack import SimulatorStack

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
