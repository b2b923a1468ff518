"""Diagnostics show the poll and the plan, and never a secret."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.stack import SimulatorStack


async def _diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> tuple[dict[str, object], str]:
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client()
    response = await client.get(f"/api/diagnostics/config_entry/{entry.entry_id}")
    assert response.status == 200
    body = await response.json()
    return body["data"], json.dumps(body["data"])


async def test_angelcam_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    # A stream URL with its token has been handed out and motion is known.
    stack.angelcam.state.fire_motion(4)
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    stream = await angelcam_entry.runtime_data.connection.client.async_stream_url("1")
    data, text = await _diagnostics(hass, hass_client, angelcam_entry)
    assert angelcam_entry.data["access_token"] not in text
    assert stream.url.split("token=")[1] not in text
    assert "alice@example.com" not in text
    assert "@" not in text
    assert data["entry"]["data"]["access_token"] == "***"  # type: ignore[index]
    assert [c["name"] for c in data["snapshot"]["cameras"]] == [  # type: ignore[index]
        "Front door",
        "Backyard",
        "Living room",
        "Garage",
    ]
    assert "4" in data["motion"]  # type: ignore[operator]
    assert data["polling"]["poll_cost"] >= 3  # type: ignore[index]


async def test_novavms_and_opencamera_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    opencamera_entry: MockConfigEntry,
) -> None:
    _, text = await _diagnostics(hass, hass_client, novavms_entry)
    assert novavms_entry.data["api_key"] not in text
    _, text = await _diagnostics(hass, hass_client, opencamera_entry)
    assert opencamera_entry.data["password"] not in text
    assert opencamera_entry.data["username"] not in text
