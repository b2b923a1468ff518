"""Event pictures: the "Last event" image entity, kept across restarts, and signed incident URLs."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import itertools
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.pictures import (
    DATA_PICTURES,
    QUERY_EXPIRES,
    SAVE_DELAY,
    STORAGE_KEY,
    Pictures,
    pictures,
)
from custom_components.camhub.providers.model import EventPicture
from custom_components.camhub.stills import placeholder_jpeg
from simulator.stack import SimulatorStack

from . import test_push_novavms
from .push_support import incidents
from .test_push_angelcam import _incident
from .test_push_angelcam_edges import _post
from .test_push_novavms import Serve, Served

# The NovaVMS push tests' fixture: Home Assistant served for an entry, registered for push.
serve = test_push_novavms.serve

GARAGE_PICTURE = "image.garage_last_event"
INCIDENT_IDS = itertools.count(1000)
LOBBY_PICTURE = "image.lobby_last_event"
JPEG = b"\xff\xd8"


async def _proxied(hass_client: ClientSessionGenerator, entity_id: str) -> bytes:
    """The image entity's picture, as a dashboard loads it."""
    response = await (await hass_client()).get(f"/api/image_proxy/{entity_id}")
    assert response.status == HTTPStatus.OK
    return await response.read()


async def _incident_at(
    hass: HomeAssistant,
    http: TestClient,
    entry: MockConfigEntry,
    seen: list[dict[str, str]],
    incident_id: int | None = None,
) -> str:
    """Push a Garage incident (a new one unless named); its image_url once captured."""
    body = _incident(incident_id=next(INCIDENT_IDS) if incident_id is None else incident_id)
    assert await _post(http, entry, body) == HTTPStatus.OK
    await hass.async_block_till_done(wait_background_tasks=True)
    return seen[-1]["image_url"]


async def test_last_event_picture_follows_incidents(
    hass: HomeAssistant,
    *,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    state = hass.states.get(GARAGE_PICTURE)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    # No picture yet: the "no picture yet" drawing, as the camera shows, never a broken image.
    assert await _proxied(hass_client, GARAGE_PICTURE) == placeholder_jpeg()
    seen = incidents(hass)
    pushed_at = dt_util.utcnow()
    url = await _incident_at(hass, angelcam_served, angelcam_entry, seen)
    state = hass.states.get(GARAGE_PICTURE)
    assert state is not None
    # The clock stands still (frozen): the incident arrived now.
    assert state.state == pushed_at.isoformat()
    response = await angelcam_served.get(url)
    assert response.status == HTTPStatus.OK
    picture = await _proxied(hass_client, GARAGE_PICTURE)
    assert picture.startswith(JPEG)
    assert picture == await response.read()
    assert picture != placeholder_jpeg()
    # Another camera's picture is its own.
    front = hass.states.get("image.front_door_last_event")
    assert front is not None
    assert front.state == STATE_UNKNOWN
    # A later incident replaces the picture; the first one's URL keeps working.
    freezer.tick(timedelta(minutes=5))
    second = await _incident_at(hass, angelcam_served, angelcam_entry, seen)
    assert second != url
    later = hass.states.get(GARAGE_PICTURE)
    assert later is not None
    assert later.state > state.state
    assert (await angelcam_served.get(url)).status == HTTPStatus.OK


async def _authenticated(hass: HomeAssistant, client: TestClient, path: str, user: MockUser) -> int:
    """GET `path` with an access token made now (tokens of the test's start expired)."""
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    token = hass.auth.async_create_access_token(refresh)
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status


async def test_signed_urls_last_a_day_and_pictures_two(
    hass: HomeAssistant,
    *,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_admin_user: MockUser,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = hass_admin_user
    seen = incidents(hass)
    first = await _incident_at(hass, angelcam_served, angelcam_entry, seen)
    path, _, query = first.partition("?")
    # A forged or altered signature is refused; so is another picture's path.
    forged = first[:-4] + ("0000" if not first.endswith("0000") else "1111")
    assert (await angelcam_served.get(forged)).status == HTTPStatus.UNAUTHORIZED
    other = path.replace(".jpg", "x.jpg")
    assert (await angelcam_served.get(f"{other}?{query}")).status == HTTPStatus.UNAUTHORIZED
    later = int(query.split("&")[0].split("=")[1]) + 3600
    moved = f"{path}?{QUERY_EXPIRES}={later}&{query.split('&')[1]}"
    assert (await angelcam_served.get(moved)).status == HTTPStatus.UNAUTHORIZED
    assert (await angelcam_served.get(f"{path}?{QUERY_EXPIRES}=soon")).status == 401
    freezer.tick(timedelta(hours=23, minutes=59))
    assert (await angelcam_served.get(first)).status == HTTPStatus.OK
    second = await _incident_at(hass, angelcam_served, angelcam_entry, seen)
    freezer.tick(timedelta(minutes=2))
    # The signature expired; an authenticated request still gets the picture.
    assert (await angelcam_served.get(first)).status == HTTPStatus.UNAUTHORIZED
    assert await _authenticated(hass, angelcam_served, path, user) == HTTPStatus.OK
    # Two days on, the first incident's picture is gone; the camera's latest stays.
    freezer.tick(timedelta(hours=24))
    third = await _incident_at(hass, angelcam_served, angelcam_entry, seen)
    assert await _authenticated(hass, angelcam_served, path, user) == HTTPStatus.NOT_FOUND
    latest = second.partition("?")[0]
    assert await _authenticated(hass, angelcam_served, latest, user) == HTTPStatus.OK
    assert (await angelcam_served.get(third)).status == HTTPStatus.OK
    files = pictures(hass).directory(angelcam_entry.entry_id).iterdir()
    assert len(list(files)) == 2
    # Forgotten, not merely deleted: nothing tried to read a missing file.
    assert "could not be read" not in caplog.text


def _stored_ids(hass_storage: dict[str, Any]) -> list[str]:
    """The picture ids the stored index holds (every entry's)."""
    entries = hass_storage[STORAGE_KEY]["data"]["entries"]
    return [picture["id"] for pictures in entries.values() for picture in pictures]


async def test_pictures_survive_a_restart(
    hass: HomeAssistant,
    *,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
    hass_client: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    seen = incidents(hass)
    url = await _incident_at(hass, angelcam_served, angelcam_entry, seen)
    before = hass.states.get(GARAGE_PICTURE)
    assert before is not None
    picture = await _proxied(hass_client, GARAGE_PICTURE)
    # The index is written a few seconds later (a burst of events writes it once).
    assert _stored_ids(hass_storage) == []
    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(_stored_ids(hass_storage)) == 1
    # A restart: everything in memory goes; the index is read back from storage.
    await hass.config_entries.async_unload(angelcam_entry.entry_id)
    restarted = hass.data[DATA_PICTURES] = Pictures(hass)
    await restarted.async_load()
    # A minute on: Angelcam's per-minute budget has room for a whole setup again.
    freezer.tick(timedelta(seconds=61))
    assert await hass.config_entries.async_setup(angelcam_entry.entry_id)
    await hass.async_block_till_done()
    after = hass.states.get(GARAGE_PICTURE)
    assert after is not None
    assert after.state == before.state
    assert await _proxied(hass_client, GARAGE_PICTURE) == picture
    # The URL a notification carries is still signed right.
    assert (await angelcam_served.get(url)).status == HTTPStatus.OK


async def test_unreadable_index_entries_are_skipped(
    hass: HomeAssistant, hass_storage: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {
            "secret": "s",
            "entries": {
                "e": [
                    {"id": "ok", "camera_id": "1", "taken_at": "2026-12-01T10:00:00+00:00"},
                    {"id": "no-time", "camera_id": "1", "taken_at": "never"},
                    {"id": 5, "camera_id": "1", "taken_at": "2026-12-01T10:00:00+00:00"},
                    "not an entry",
                ],
                "f": "not a list",
            },
        },
    }
    store = Pictures(hass)
    await store.async_load()
    latest = store.latest("e", "1")
    assert latest is not None
    assert (latest.id, latest.incident) == ("ok", False)
    assert store.latest("f", "1") is None
    # Listed, but its file is missing: nothing to show, and a warning (no traceback).
    assert await store.async_read("e", "ok") is None
    assert "Event picture ok.jpg could not be read: No such file or directory" in caplog.text


async def test_novavms_event_snapshot_is_the_picture_without_api_requests(
    hass: HomeAssistant,
    stack: SimulatorStack,
    serve: Serve,
    novavms_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    served: Served = await serve(novavms_entry)
    lobby = served.camera("Lobby")
    assert hass.states.get(LOBBY_PICTURE).state == STATE_UNKNOWN  # type: ignore[union-attr]
    event = served.nova.fire_event(lobby, "manual")
    api = stack.log.count(vendor="novavms")
    await served.deliver()
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(LOBBY_PICTURE)
    assert state is not None
    # The event's time, as NovaVMS gives it (whole seconds).
    assert dt_util.parse_datetime(state.state) == event.triggered_at.replace(microsecond=0)
    picture = await _proxied(hass_client, LOBBY_PICTURE)
    assert picture.startswith(JPEG)
    fetched = stack.log.select(vendor="novavms")[api:]
    assert [r.path for r in fetched] == [f"/storage/bkt-cloud-ai/{event.id}.jpg"]


async def test_cameras_without_pushes_have_no_picture_entity(
    hass: HomeAssistant, opencamera_entry: MockConfigEntry
) -> None:
    assert hass.states.async_entity_ids("camera")
    assert hass.states.async_entity_ids("image") == []


async def test_removing_an_entry_never_loaded_deletes_its_pictures(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A disabled entry, deleted after a restart: CamHub is not set up, its pictures still go."""
    entry = MockConfigEntry(domain="camhub", data={"vendor": "angelcam"}, disabled_by=None)
    entry.add_to_hass(hass)
    picture = {"id": "p", "camera_id": "1", "taken_at": "2026-12-01T10:00:00+00:00"}
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {"secret": "s", "entries": {entry.entry_id: [picture], "other": [picture]}},
    }
    directory = Pictures(hass).directory(entry.entry_id)
    directory.mkdir(parents=True)
    (directory / "p.jpg").write_bytes(JPEG)
    assert DATA_PICTURES not in hass.data
    await hass.config_entries.async_remove(entry.entry_id)
    assert not directory.exists()
    assert list(hass_storage[STORAGE_KEY]["data"]["entries"]) == ["other"]


async def test_one_picture_per_incident(
    hass: HomeAssistant,
    *,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    angelcam_served: TestClient,
) -> None:
    """The same incident delivered twice: its picture is fetched once."""
    seen = incidents(hass)
    fetched = stack.log.count(vendor="angelcam")
    url = await _incident_at(hass, angelcam_served, angelcam_entry, seen, incident_id=7)
    assert stack.log.count(vendor="angelcam") - fetched == 1
    again = await _incident_at(hass, angelcam_served, angelcam_entry, seen, incident_id=7)
    assert again.partition("?")[0] == url.partition("?")[0]
    assert stack.log.count(vendor="angelcam") - fetched == 1


async def test_novavms_alert_names_its_events_picture(
    hass: HomeAssistant,
    stack: SimulatorStack,
    serve: Serve,
    novavms_entry: MockConfigEntry,
) -> None:
    """A motion event and its alert: one snapshot download, the alert's URL shows it."""
    served: Served = await serve(novavms_entry)
    seen = incidents(hass)
    storage = stack.log.count(vendor="novavms", path_prefix="/storage/")
    served.nova.fire_event(served.camera("Lobby"), "motion")
    await served.deliver()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(seen) == 1
    assert stack.log.count(vendor="novavms", path_prefix="/storage/") - storage == 1
    response = await served.http.get(seen[0]["image_url"])
    assert response.status == HTTPStatus.OK
    assert (await response.read()).startswith(JPEG)


async def test_polled_events_are_pictured_too(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    """No push channel registered: the poll's events bring their snapshots."""
    nova = stack.novavms.state
    lobby = next(c.id for c in nova.cameras.values() if c.name == "Lobby")
    event = nova.fire_event(lobby, "manual")
    await novavms_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(LOBBY_PICTURE)
    assert state is not None
    assert dt_util.parse_datetime(state.state) == event.triggered_at.replace(microsecond=0)


async def test_a_polled_picture_no_newer_than_the_latest_is_not_fetched(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry
) -> None:
    """An older open incident a poll lists again and again is not downloaded each time."""
    fetched: list[str] = []

    def picture(key: str, minutes_ago: int) -> EventPicture:
        async def fetch() -> bytes:
            fetched.append(key)
            return JPEG + key.encode()

        taken_at = dt_util.utcnow() - timedelta(minutes=minutes_ago)
        return EventPicture(camera_id="4", taken_at=taken_at, fetch=fetch, key=key)

    store = pictures(hass)
    for key, minutes_ago in (("newer", 1), ("older", 5), ("older", 5), ("newest", 0)):
        store.async_capture(angelcam_entry, picture(key, minutes_ago), incident=False)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert fetched == ["newer", "newest"]
    # An incident's picture is fetched all the same: its URL names it.
    store.async_capture(angelcam_entry, picture("incident", 10), incident=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert fetched == ["newer", "newest", "incident"]
    assert await _proxied_latest(hass, angelcam_entry) == JPEG + b"newest"


async def _proxied_latest(hass: HomeAssistant, entry: MockConfigEntry) -> bytes | None:
    store = pictures(hass)
    latest = store.latest(entry.entry_id, "4")
    assert latest is not None
    return await store.async_read(entry.entry_id, latest.id)
