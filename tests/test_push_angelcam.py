"""Angelcam push: registration of one method and its rules, and what signed deliveries change."""

from __future__ import annotations

from datetime import datetime, timedelta
import json
import logging

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import CONF_PUSH_SECRET, CONF_PUSH_TARGET_ID, CONF_WEBHOOK_ID
from custom_components.camhub.diagnostics import async_get_config_entry_diagnostics
from custom_components.camhub.providers.angelcam.push import MESSAGE_TYPES as ANGELCAM_MESSAGE_TYPES
from simulator.angelcam_webhooks import SIGNATURE_HEADER, sign
from simulator.stack import SimulatorStack

from .push_support import channel, incidents

ALICE = 1
GARAGE_CAMERA = 4
HOUSE_CAMERA = 1


def _methods(stack: SimulatorStack) -> list[object]:
    rts = stack.angelcam.state.rts
    return [m for m in rts.methods.values() if m.user_id == ALICE and m.type == "http"]


async def _deliver(hass: HomeAssistant, stack: SimulatorStack) -> list[object]:
    deliveries = stack.angelcam.state.webhooks
    await deliveries.drain()
    await hass.async_block_till_done()
    return list(deliveries.deliveries)


async def test_setup_registers_one_method_with_our_rules(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
) -> None:
    client = angelcam_served
    push = channel(angelcam_entry)
    assert push.url is not None
    assert push.url == str(client.make_url(f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}"))
    methods = _methods(stack)
    assert len(methods) == 1
    method = methods[0]
    assert method.url == push.url
    assert angelcam_entry.data[CONF_PUSH_SECRET] == method.signature_private_key
    assert angelcam_entry.data[CONF_PUSH_TARGET_ID] == str(method.id)
    rules = [
        r for r in stack.angelcam.state.rts.rules.values() if r.notification_method == method.id
    ]
    assert sorted(r.message_type for r in rules) == sorted(ANGELCAM_MESSAGE_TYPES)
    # A reload finds the method again: nothing is created twice.
    await hass.config_entries.async_reload(angelcam_entry.entry_id)
    await hass.async_block_till_done()
    assert len(_methods(stack)) == 1
    assert len(stack.angelcam.state.rts.rules) == len(rules)


async def test_incident_push_turns_motion_on_and_fires_events(
    hass: HomeAssistant,
    *,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    seen = incidents(hass)
    coordinator = angelcam_entry.runtime_data.coordinator
    interval = coordinator.update_interval
    sent = stack.log.count(vendor="angelcam")
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF
    stack.angelcam.state.fire_motion(GARAGE_CAMERA)
    deliveries = await _deliver(hass, stack)
    assert [d.status for d in deliveries] == [200]
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_ON
    event_state = hass.states.get("event.garage_events")
    assert event_state is not None
    assert event_state.attributes["event_type"] == "motion"
    assert len(seen) == 1
    assert seen[0]["camera_name"] == "Garage"
    assert seen[0]["location"] == "Garage"
    assert seen[0]["title"] == "Motion detected"
    assert seen[0]["entity_id"] == "camera.garage"
    # The picture is served by its signed URL, or to authenticated users.
    path = seen[0]["image_url"].partition("?")[0]
    assert (await angelcam_served.get(path)).status == 401
    assert (await angelcam_served.get(seen[0]["image_url"])).status == 200
    image = await (await hass_client()).get(path)
    assert image.status == 200
    assert image.content_type == "image/jpeg"
    assert (await image.read())[:2] == b"\xff\xd8"
    # Only the image cost requests; polling slowed down now that pushes arrive.
    assert stack.log.count(vendor="angelcam") - sent <= 2
    assert coordinator.push_healthy
    assert coordinator.update_interval is not None
    assert interval is not None
    assert coordinator.update_interval > interval
    # Off after the account's incident TTL (5 minutes in the demo).
    freezer.tick(coordinator.motion.incident_ttl + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF


@pytest.mark.usefixtures("angelcam_served")
async def test_status_and_arming_pushes_change_state_at_once(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    sent = stack.log.count(vendor="angelcam")
    state = stack.angelcam.state
    state.set_camera_online(HOUSE_CAMERA, online=False)
    await _deliver(hass, stack)
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_OFF
    assert hass.states.get("camera.front_door").state == STATE_UNAVAILABLE
    state.set_camera_online(HOUSE_CAMERA, online=True)
    await _deliver(hass, stack)
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_ON
    assert hass.states.get("alarm_control_panel.garage_arming").state == "armed_away"
    state.set_arming(state.world.cameras[GARAGE_CAMERA].location_id, armed=False)
    await _deliver(hass, stack)
    assert hass.states.get("alarm_control_panel.garage_arming").state == "disarmed"
    assert hass.states.get("alarm_control_panel.house_arming").state == "disarmed"
    # Not one request: every change came with its push.
    assert stack.log.count(vendor="angelcam") == sent


def _incident(**extra: object) -> bytes:
    """An incident webhook body for the Garage camera, as Angelcam sends it."""
    body = {
        "user_name": "Alice Novak",
        "user_email": "alice@example.com",
        "title": "Motion detected",
        "short_description": "Your sensor with name Garage detected motion.",
        "long_description": "Your sensor with name Garage detected motion.",
        "incident_id": 990,
        "incident_category": "motion",
        "sensor_name": "Garage",
        "incident_false_alarm": None,
        **extra,
    }
    return json.dumps(body).encode()


def _headers(body: bytes, key: str, at: datetime | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, key, at or dt_util.utcnow()),
    }


def _forgery(name: str, key: str) -> tuple[bytes, dict[str, str], int]:
    """A delivery that must change nothing, and the status it gets."""
    body = _incident()
    match name:
        case "wrong key":
            return body, _headers(body, "not-the-key"), 401
        case "no signature":
            return body, {"Content-Type": "application/json"}, 401
        case "other body":
            return _incident(sensor_name="Front door"), _headers(body, key), 401
        case "stale":
            return body, _headers(body, key, dt_util.utcnow() - timedelta(minutes=10)), 401
        case "not JSON":
            return body, {**_headers(body, key), "Content-Type": "text/plain"}, 415
        case "oversize":
            big = _incident(long_description="x" * 70_000)
            return big, _headers(big, key), 413
        case _:
            broken = b'{"incident_id": '
            return broken, _headers(broken, key), 400


@pytest.mark.parametrize(
    "forgery",
    ["wrong key", "no signature", "other body", "stale", "not JSON", "oversize", "malformed"],
)
async def test_forged_deliveries_change_nothing(
    hass: HomeAssistant,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    caplog: pytest.LogCaptureFixture,
    forgery: str,
) -> None:
    seen = incidents(hass)
    body, headers, status = _forgery(forgery, angelcam_entry.data[CONF_PUSH_SECRET])
    path = f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}"
    for _ in range(2):
        response = await angelcam_served.post(path, data=body, headers=headers)
        assert response.status == status
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF
    assert seen == []
    assert channel(angelcam_entry).refused == 2
    assert channel(angelcam_entry).accepted == 0
    assert not angelcam_entry.runtime_data.coordinator.push_healthy
    # Refusals are logged, but anyone may post often: one warning per reason.
    refusals = [r for r in caplog.records if "push refused" in r.getMessage()]
    assert [r.levelno for r in refusals] == [logging.WARNING, logging.DEBUG]
    assert angelcam_entry.data[CONF_PUSH_SECRET] not in caplog.text


async def test_replayed_delivery_is_acknowledged_but_applied_once(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, angelcam_served: TestClient
) -> None:
    seen = incidents(hass)
    body = _incident()
    headers = _headers(body, angelcam_entry.data[CONF_PUSH_SECRET])
    path = f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}"
    for _ in range(3):
        assert (await angelcam_served.post(path, data=body, headers=headers)).status == 200
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_ON
    assert len(seen) == 1
    assert channel(angelcam_entry).accepted == 1


async def test_only_post_is_accepted(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, angelcam_served: TestClient
) -> None:
    path = f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}"
    assert (await angelcam_served.put(path, data=_incident())).status == 405
    assert channel(angelcam_entry).accepted == 0


async def test_diagnostics_show_push_without_its_secrets(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, angelcam_served: TestClient
) -> None:
    body = _incident()
    path = f"/api/webhook/{angelcam_entry.data[CONF_WEBHOOK_ID]}"
    headers = _headers(body, angelcam_entry.data[CONF_PUSH_SECRET])
    assert (await angelcam_served.post(path, data=body, headers=headers)).status == 200
    assert (await angelcam_served.post(path, data=body, headers={})).status == 415
    # Called directly: HA 2025.4's diagnostics view trips over the frozen clock's datetime.
    data = await async_get_config_entry_diagnostics(hass, angelcam_entry)
    text = json.dumps(data, default=str)
    assert angelcam_entry.data[CONF_WEBHOOK_ID] not in text
    assert angelcam_entry.data[CONF_PUSH_SECRET] not in text
    push = data["push"]
    assert push["registered"] is True
    assert push["problem"] is None
    assert (push["accepted"], push["refused"]) == (1, 1)
    assert push["last_push"] is not None
