"""Angelcam health: recording status sensors and Arrow clients, polled in budget and pushed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.providers import AngelcamClient
from custom_components.camhub.providers.angelcam.connection import AngelcamConnection
from custom_components.camhub.providers.angelcam.health import (
    HEALTH_DAILY_REQUESTS,
    MIN_REFRESH_AGE,
    START_DELAY,
    AngelcamHealth,
    refresh_age,
)
from custom_components.camhub.providers.angelcam.webhook import verified_angelcam_push
from custom_components.camhub.providers.model import PushKind, PushMessage
from custom_components.camhub.push_apply import PushEffects
from simulator.angelcam_scenarios import ARROW_UUID
from simulator.stack import SimulatorStack

from .health_support import device_of, entity_id, find_entity_id

FRONT_DOOR = "1"
GARAGE = "4"


def _health(entry: MockConfigEntry) -> AngelcamHealth:
    connection = entry.runtime_data.connection
    assert isinstance(connection, AngelcamConnection)
    return connection.health


def _state(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(entity)
    assert state is not None, entity
    return state.state


def _device(hass: HomeAssistant, entry: MockConfigEntry, kind: str, item: str) -> dr.DeviceEntry:
    device = device_of(hass, entry, kind, item)
    assert device is not None
    return device


def _health_requests(stack: SimulatorStack) -> int:
    return stack.log.count(vendor="angelcam", path_prefix="/v1/arrow-clients/") + sum(
        stack.log.count(vendor="angelcam", path_prefix=f"/v1/cameras/{camera}/recordings/")
        for camera in stack.angelcam.state.world.cameras
    )


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def _start_health(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Poll once health reads have started (they wait for the setup's burst to pass)."""
    freezer.tick(START_DELAY)
    await _refresh(hass, entry)


def _age_out(entry: MockConfigEntry, freezer: FrozenDateTimeFactory) -> None:
    """Move the clock past the point where every health item is due again."""
    items = 2 + len(entry.runtime_data.coordinator.data.recordings)
    freezer.tick(refresh_age(items) + timedelta(minutes=1))


async def test_recording_status_sensor(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _start_health(hass, angelcam_entry, freezer)
    status = entity_id(hass, angelcam_entry, "sensor", FRONT_DOOR, "recording_status")
    state = hass.states.get(status)
    assert state is not None
    assert state.state == "recording"
    assert state.attributes["retention"] == "P7D"
    assert state.attributes["recordings"] >= 1
    assert state.attributes["options"] == ["ready", "connecting", "recording", "stopping", "error"]
    # Cameras without Cloud Recording have no such sensor.
    assert find_entity_id(hass, angelcam_entry, "sensor", GARAGE, "recording_status") is None

    stack.angelcam.state.set_camera_online(1, online=False)
    sent = _health_requests(stack)
    await _refresh(hass, angelcam_entry)
    # Read an hour ago at most: the next poll reads nothing more, the old status stays.
    assert _health_requests(stack) == sent
    assert _state(hass, status) == "recording"
    _age_out(angelcam_entry, freezer)
    await _refresh(hass, angelcam_entry)
    # The camera is offline, the recording waits for it (and the sensor stays available).
    assert _state(hass, status) == "connecting"


async def test_recording_status_failures(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _start_health(hass, angelcam_entry, freezer)
    status = entity_id(hass, angelcam_entry, "sensor", FRONT_DOOR, "recording_status")
    path = f"/v1/cameras/{FRONT_DOOR}/recordings/"
    faults = stack.angelcam.faults
    coordinator = angelcam_entry.runtime_data.coordinator

    # A failing read keeps the old status and never fails the poll.
    faults.add("status5xx", path_prefix=path)
    _age_out(angelcam_entry, freezer)
    await _refresh(hass, angelcam_entry)
    assert coordinator.last_update_success
    assert _state(hass, status) == "recording"
    assert "Traceback" not in caplog.text

    # Cloud Recording ends on the camera: its status is no longer known.
    faults.clear()
    stack.angelcam.state.world.camera(1).applications.remove("CRA")
    _age_out(angelcam_entry, freezer)
    await _refresh(hass, angelcam_entry)
    assert _state(hass, status) == STATE_UNKNOWN


async def test_arrow_client_polled(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _start_health(hass, angelcam_entry, freezer)
    online = entity_id(hass, angelcam_entry, "binary_sensor", ARROW_UUID, "online")
    assert _state(hass, online) == STATE_ON
    arrow = _device(hass, angelcam_entry, "arrow_client", ARROW_UUID)
    hub = _device(hass, angelcam_entry, "hub", "account")
    assert (arrow.name, arrow.model, arrow.via_device_id) == (
        "Arrow client 12:34:56:78:9a:bc",
        "Arrow client",
        hub.id,
    )
    stack.angelcam.state.set_arrow_online(ARROW_UUID, online=False)
    _age_out(angelcam_entry, freezer)
    await _refresh(hass, angelcam_entry)
    assert _state(hass, online) == STATE_OFF


async def test_arrow_client_unpaired_goes_away(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _start_health(hass, angelcam_entry, freezer)
    del stack.angelcam.state.world.arrow_clients[ARROW_UUID]
    freezer.tick(timedelta(days=3))
    await _refresh(hass, angelcam_entry)
    assert angelcam_entry.runtime_data.coordinator.data.arrow_clients == {}
    assert device_of(hass, angelcam_entry, "arrow_client", ARROW_UUID) is None


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """A webhook target on 127.0.0.1 recording what Angelcam delivers."""
    received: list[tuple[bytes, dict[str, str]]] = []

    async def handle(request: web.Request) -> web.Response:
        received.append((await request.read(), dict(request.headers)))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_arrow_status_push_links_cameras(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    receiver: tuple[str, list[tuple[bytes, dict[str, str]]]],
    freezer: FrozenDateTimeFactory,
) -> None:
    url, received = receiver
    client = angelcam_entry.runtime_data.connection.client
    assert isinstance(client, AngelcamClient)
    method = await client.async_ensure_webhook(
        name="camhub-test", url=url, message_types=("arrow_status_offline",)
    )
    assert method.signature_key is not None
    sent = stack.log.count(vendor="angelcam")
    stack.angelcam.state.set_arrow_online(ARROW_UUID, online=False)
    await stack.angelcam.state.webhooks.drain()
    assert len(received) == 1
    body, headers = received[0]
    message = verified_angelcam_push(body, headers, method.signature_key, now=dt_util.utcnow())
    data = angelcam_entry.runtime_data
    effects = PushEffects(hass, data.coordinator, data.connection.push)
    await effects.async_apply(message)
    await hass.async_block_till_done()

    online = entity_id(hass, angelcam_entry, "binary_sensor", ARROW_UUID, "online")
    assert _state(hass, online) == STATE_OFF
    # The push names the cameras behind the client: Garage now hangs off it.
    arrow = _device(hass, angelcam_entry, "arrow_client", ARROW_UUID)
    assert _device(hass, angelcam_entry, "camera", GARAGE).via_device_id == arrow.id
    # Pushed state costs no request.
    assert stack.log.count(vendor="angelcam") == sent

    # A push about something else leaves the Arrow client alone.
    other = PushMessage(vendor="angelcam", kind=PushKind.CAMERA_STATUS, sent_at=None)
    await effects.async_apply(other)
    await hass.async_block_till_done()
    assert _state(hass, online) == STATE_OFF

    # After a restart (in the next minute's allowance) the link comes back from the registry.
    freezer.tick(timedelta(minutes=1))
    await hass.config_entries.async_reload(angelcam_entry.entry_id)
    await hass.async_block_till_done()
    assert _device(hass, angelcam_entry, "camera", GARAGE).via_device_id == arrow.id
    data = angelcam_entry.runtime_data.coordinator.data
    assert data.arrow_clients[ARROW_UUID].camera_ids == (GARAGE,)


async def test_push_for_an_unknown_client(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    coordinator = angelcam_entry.runtime_data.coordinator
    health = _health(angelcam_entry)
    health.members = None
    message = PushMessage(
        vendor="angelcam",
        kind=PushKind.ARROW_STATUS,
        sent_at=None,
        online=True,
        data={"arrow_client_id": "new-client", "mac_address": "aa:bb:cc:dd:ee:ff"},
    )
    data = angelcam_entry.runtime_data
    await PushEffects(hass, coordinator, data.connection.push).async_apply(message)
    await hass.async_block_till_done()
    assert coordinator.data.arrow_clients["new-client"].mac == "aa:bb:cc:dd:ee:ff"
    online = entity_id(hass, angelcam_entry, "binary_sensor", "new-client", "online")
    assert _state(hass, online) == STATE_ON


async def test_health_reads_stay_in_budget(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _start_health(hass, angelcam_entry, freezer)
    coordinator = angelcam_entry.runtime_data.coordinator
    health = _health(angelcam_entry)
    assert 0 < health.per_day <= HEALTH_DAILY_REQUESTS
    # Simulate a day of polling at the planned interval and count the health reads.
    sent = _health_requests(stack)
    interval = coordinator.update_interval
    assert interval is not None
    elapsed = timedelta()
    while elapsed < timedelta(days=1):
        freezer.tick(interval)
        elapsed += interval
        await _refresh(hass, angelcam_entry)
    assert _health_requests(stack) - sent <= health.per_day + 1


def test_refresh_age_stretches_with_items() -> None:
    assert refresh_age(1) == MIN_REFRESH_AGE
    # Four items read hourly are 96 requests a day; five would be more than 100.
    assert refresh_age(4) == MIN_REFRESH_AGE
    assert refresh_age(5) > MIN_REFRESH_AGE
    # 200 items share 100 requests a day: each is read every two days.
    assert refresh_age(200) == timedelta(days=2)
