"""Entities built for another vendor's entry refuse their action with a translated error.

Each platform only makes these entities for the vendor that has the feature, so Home
Assistant never builds such a pairing; the guards keep one from calling the wrong client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.alarm_control_panel import PANELS, CamHubAlarmPanel
from custom_components.camhub.button import BUTTONS, CamHubButton
from custom_components.camhub.camera import CAMERAS, CamHubWebRTCCamera
from custom_components.camhub.coordinator import CamHubCoordinator
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry, novavms_data

TRIGGER = next(d for d in BUTTONS if d.key == "trigger_clip")
COMPLETE_OFFER = "v=0\r\na=end-of-candidates\r\n"


@pytest.fixture
async def entry(
    request: pytest.FixtureRequest, hass: HomeAssistant, stack: SimulatorStack
) -> MockConfigEntry:
    """The demo scenario's entry of the test's `vendor` parameter, set up."""
    if request.getfixturevalue("vendor") == "Angelcam":
        return await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")
    return await async_add_entry(hass, novavms_data(stack), "novavms:demo")


def _no_message(message: object) -> None:
    pytest.fail(f"nothing may reach the viewer: {message!r}")


def _arm(coordinator: CamHubCoordinator) -> Awaitable[None]:
    return CamHubAlarmPanel(coordinator, "1", PANELS[0]).async_alarm_arm_away()


def _trigger(coordinator: CamHubCoordinator) -> Awaitable[None]:
    return CamHubButton(coordinator, "1", TRIGGER).async_press()


def _offer(coordinator: CamHubCoordinator) -> Awaitable[None]:
    camera = CamHubWebRTCCamera(coordinator, "1", CAMERAS[0])
    return camera.async_handle_async_webrtc_offer(COMPLETE_OFFER, "session", _no_message)


@pytest.mark.parametrize(
    ("action", "vendor"),
    [
        # Only Angelcam locations arm.
        (_arm, "NovaVMS"),
        # Only NovaVMS cameras take clip triggers.
        (_trigger, "Angelcam"),
        # Only OpenCamera devices negotiate WebRTC.
        (_offer, "Angelcam"),
    ],
    ids=["arm_novavms_location", "trigger_angelcam_camera", "webrtc_to_angelcam_camera"],
)
async def test_action_for_another_vendor_is_unsupported(
    stack: SimulatorStack,
    entry: MockConfigEntry,
    action: Callable[[CamHubCoordinator], Awaitable[None]],
    vendor: str,
) -> None:
    sent = stack.log.count(vendor=vendor.lower())
    with pytest.raises(HomeAssistantError) as err:
        await action(entry.runtime_data.coordinator)
    assert err.value.translation_key == "unsupported"
    assert err.value.translation_placeholders == {"vendor": vendor}
    # Refused before any request: the vendor saw nothing.
    assert stack.log.count(vendor=vendor.lower()) == sent
