"""Incidents in the logbook: a pushed Angelcam incident reads as a line about its camera."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.recorder import Recorder
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    mock_integration,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.camhub.const import DOMAIN, EVENT_INCIDENT
from custom_components.camhub.logbook import describe_incident
from simulator.stack import SimulatorStack

GARAGE_CAMERA = 4


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder (the logbook's store) has to exist before Home Assistant starts."""


@pytest.fixture
async def logbook(hass: HomeAssistant) -> None:
    """The logbook, set up before the HTTP server starts (its router is frozen then).

    The frontend (a logbook dependency) is a stand-in: only the newest lane installs its
    package, and what the Activity page asks for goes through the websocket API below.
    """
    mock_integration(hass, MockModule("frontend"))
    assert await async_setup_component(hass, "websocket_api", {})
    assert await async_setup_component(hass, "logbook", {})


async def _logbook(hass: HomeAssistant, ws: WebSocketGenerator, **extra: Any) -> list[Any]:
    """What the Activity page asks for: the logbook's events of the last hour."""
    await async_wait_recording_done(hass)
    client = await ws()
    # The clock is frozen: the incident happened exactly "now", and the end is exclusive.
    now = dt_util.utcnow()
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": (now - timedelta(hours=1)).isoformat(),
            "end_time": (now + timedelta(minutes=1)).isoformat(),
            **extra,
        }
    )
    response = await client.receive_json()
    assert response["success"], response
    return [e for e in response["result"] if e.get("domain") == DOMAIN]


@pytest.mark.usefixtures("logbook")
async def test_pushed_incident_is_a_readable_logbook_line(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_ws_client: WebSocketGenerator,
) -> None:
    stack.angelcam.state.fire_motion(GARAGE_CAMERA)
    await stack.angelcam.state.webhooks.drain()
    await hass.async_block_till_done()
    (line,) = await _logbook(hass, hass_ws_client)
    assert line["name"] == "Garage"
    assert line["message"] == "reported Motion detected (Garage)"
    assert line["entity_id"] == "camera.garage"
    assert line["icon"] == "mdi:cctv"
    # The camera's own logbook (its more-info dialog) shows it too.
    (own,) = await _logbook(hass, hass_ws_client, entity_ids=["camera.garage"])
    assert own["message"] == line["message"]


def test_incident_without_details_still_reads() -> None:
    line = describe_incident(Event(EVENT_INCIDENT, {}))
    assert line == {
        "name": "CamHub camera",
        "message": "reported an incident",
        "icon": "mdi:cctv",
        "entity_id": None,
    }
