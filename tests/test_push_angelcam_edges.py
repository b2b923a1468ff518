"""Angelcam push edges: Arrow clients, unknown cameras and places, registration trouble, images."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import logging

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import CONF_PUSH_SECRET, CONF_WEBHOOK_ID
from custom_components.camhub.pictures import pictures
from simulator.angelcam_scenarios import ARROW_UUID
from simulator.stack import SimulatorStack

from .health_support import entity_id
from .push_support import channel, incidents
from .test_push_angelcam import _headers, _incident


async def _post(angelcam_served: TestClient, entry: MockConfigEntry, body: bytes) -> int:
    headers = _headers(body, entry.data[CONF_PUSH_SECRET])
    response = await angelcam_served.post(
        f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}", data=body, headers=headers
    )
    return response.status


async def test_arrow_client_push_takes_its_cameras_offline(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
) -> None:
    sent = stack.log.count(vendor="angelcam")
    stack.angelcam.state.set_arrow_online(ARROW_UUID, online=False)
    await stack.angelcam.state.webhooks.drain()
    await hass.async_block_till_done()
    # The push alone makes the client known (health reads it only now and then).
    client_online = entity_id(hass, angelcam_entry, "binary_sensor", ARROW_UUID, "online")
    assert hass.states.get(client_online).state == STATE_OFF
    assert hass.states.get("binary_sensor.garage_online").state == STATE_OFF
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_ON
    assert stack.log.count(vendor="angelcam") == sent


async def test_pushes_about_unknown_cameras_and_places_change_nothing(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, angelcam_served: TestClient
) -> None:
    seen = incidents(hass)
    before = {s.entity_id: s.state for s in hass.states.async_all()}
    bodies = [
        _incident(sensor_name="A sensor of another space"),
        _incident(incident_id=None, sensor_name=None),
        b'{"short_description": "Location Shop floor was armed.", "action": "arm"}',
        b'{"title": "Something", "action": "snooze", "invoker": "Bob"}',
        # Garage is armed already.
        b'{"short_description": "Location Garage was armed by Bob.", "action": "arm"}',
        b'{"camera_id": 999, "camera_name": "Gone", "online": false}',
        b'{"title": "A message type CamHub does not use"}',
    ]
    for body in bodies:
        assert await _post(angelcam_served, angelcam_entry, body) == 200
    await hass.async_block_till_done()
    assert seen == []
    assert {s.entity_id: s.state for s in hass.states.async_all()} == before


async def test_incident_image_that_cannot_be_fetched_is_not_found(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_client: ClientSessionGenerator,
) -> None:
    seen = incidents(hass)
    for path in ("/stream/4/", "/snapshots/4/"):
        stack.angelcam.faults.add("status5xx", path_prefix=path)
    assert await _post(angelcam_served, angelcam_entry, _incident()) == 200
    await hass.async_block_till_done()
    client = await hass_client()
    assert (await client.get(seen[0]["image_url"])).status == 404
    assert (await client.get(f"/api/camhub/incident/{angelcam_entry.entry_id}/x.jpg")).status == 404
    # Motion is on all the same: the image is an extra. No picture: nothing was kept.
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_ON
    assert hass.states.get("image.garage_last_event").state == STATE_UNKNOWN
    assert not pictures(hass).directory(angelcam_entry.entry_id).exists()


async def test_pictures_outlive_an_unload_and_go_with_the_entry(
    hass: HomeAssistant,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_client: ClientSessionGenerator,
) -> None:
    seen = incidents(hass)
    assert await _post(angelcam_served, angelcam_entry, _incident()) == 200
    await hass.async_block_till_done()
    client = await hass_client()
    assert (await client.get(seen[0]["image_url"])).status == 200
    await hass.config_entries.async_unload(angelcam_entry.entry_id)
    # On disk: a notification sent before the entry was reloaded still shows it.
    assert (await client.get(seen[0]["image_url"])).status == 200
    directory = pictures(hass).directory(angelcam_entry.entry_id)
    assert [p.suffix for p in directory.iterdir()] == [".jpg"]
    await hass.config_entries.async_remove(angelcam_entry.entry_id)
    assert (await client.get(seen[0]["image_url"])).status == 404
    assert not directory.exists()


async def test_a_chunked_body_is_cut_off_at_the_limit(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, angelcam_served: TestClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(80):
            yield b" " * 1024

    response = await angelcam_served.post(
        f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert channel(angelcam_entry).refused == 1


async def test_rejected_token_leaves_push_to_reauthentication(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = stack.angelcam.state.world.users[1]
    user.personal_access_token = "revoked"
    freezer.tick(timedelta(seconds=61))
    await hass.config.async_update(external_url="http://127.0.0.1:9")
    await hass.async_block_till_done()
    assert channel(angelcam_entry).url is None
    ours = [r for r in caplog.records if r.name == "custom_components.camhub.push"]
    assert not [r for r in ours if r.levelno >= logging.WARNING]
    # The coordinator's next poll asks for reauthentication.
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert [f["step_id"] for f in angelcam_entry.async_get_active_flows(hass, {"reauth"})] == [
        "reauth_confirm"
    ]


async def test_status_repeated_within_a_second_is_rechecked(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_served: TestClient
) -> None:
    """Offline, online, offline in one second: the third delivery's token equals the first's."""
    state = stack.angelcam.state
    sent = stack.log.count(vendor="angelcam", path_prefix="/v1/cameras/")
    for online in (False, True, False):
        state.set_camera_online(1, online=online)
        await state.webhooks.drain()
        await hass.async_block_till_done()
    # The repeat was not applied as a push (it could be a replay) but the API was asked.
    assert stack.log.count(vendor="angelcam", path_prefix="/v1/cameras/") == sent + 1
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_OFF
