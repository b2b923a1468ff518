"""What the frontend needs to play and show media: its mime types, MP4 clips and thumbnails."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import media_source
from homeassistant.components.media_source import BrowseMediaSource
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.lib.media_ids import EventPart, MediaId, Section, parse
from custom_components.camhub.recordings import media_library
from custom_components.camhub.thumbnails import thumbnail_path
from simulator.stack import SimulatorStack

from .test_media_source import (
    ROOT,
    angelcam_camera_id,
    camera_id_of,
    count,
    day_of,
    fetch,
    pending_clip,
    recording_ids,
    resolve,
)
from .test_media_source_events import nova_event

# The only HLS type Home Assistant's frontend hands to its HLS player (any other spelling,
# e.g. application/vnd.apple.mpegurl, shows "media not supported").
FRONTEND_HLS = "application/x-mpegURL"
JPEG = b"\xff\xd8"


@pytest.fixture(autouse=True)
async def media_browser(hass: HomeAssistant) -> None:
    """Home Assistant's media source integration (it loads our platform)."""
    assert await async_setup_component(hass, "media_source", {})


async def browse(hass: HomeAssistant, media_id: MediaId) -> BrowseMediaSource:
    """Browse one level."""
    return await media_source.async_browse_media(hass, f"{ROOT}/{media_id}")


def item_id(node: BrowseMediaSource) -> MediaId:
    """The identifier of a browsed node."""
    return parse(node.media_content_id.removeprefix(f"{ROOT}/"))


def backyard_moment(entry: MockConfigEntry, stack: SimulatorStack, hours_ago: int) -> MediaId:
    """Backyard's continuous recording, played from `hours_ago` hours ago."""
    start = int((dt_util.utcnow() - timedelta(hours=hours_ago)).timestamp())
    return camera_id_of(entry, stack, "Backyard").child(
        section=Section.RECORDING,
        item=recording_ids(stack, "Backyard")[0],
        day=day_of(dt_util.utc_from_timestamp(start)),
        start=start,
    )


def snapshots(stack: SimulatorStack) -> int:
    """Angelcam recording snapshot requests (the metered API call of a thumbnail)."""
    return sum(
        1
        for entry in stack.log.records
        if entry.vendor == "angelcam"
        and entry.path.startswith("/v1/recording/")
        and entry.path.endswith("/snapshot/")
    )


async def test_every_video_resolves_to_a_type_the_frontend_plays(
    *,
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    novavms_entry: MockConfigEntry,
    opencamera_entry: MockConfigEntry,
) -> None:
    segment = backyard_moment(angelcam_entry, stack, hours_ago=2)
    front = camera_id_of(angelcam_entry, stack, "Front door")
    clip = pending_clip(stack, int(front.camera_id or ""))
    freezer.tick(timedelta(seconds=60))
    event = nova_event(stack, novavms_entry)
    vod = MediaId(
        entry_id=opencamera_entry.entry_id,
        camera_id=next(iter(opencamera_entry.runtime_data.coordinator.data.cameras)),
        section=Section.VOD,
        day=dt_util.now().date() - timedelta(days=1),
        hour=13,
    )
    for media_id in (
        segment,
        front.child(section=Section.CLIPS, item=clip.id),
        event.child(part=EventPart.CLIP),
        vod,
    ):
        assert (await resolve(hass, media_id)).mime_type == FRONTEND_HLS, media_id
    snapshot = await resolve(hass, event.child(part=EventPart.SNAPSHOT))
    assert snapshot.mime_type == "image/jpeg"


async def test_clip_of_an_mjpeg_camera_is_an_mp4_file(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    # Angelcam cuts MJPEG cameras' clips as MP4: played as a file, not as an HLS segment.
    state = stack.angelcam.state
    living = state.world.cameras[int(angelcam_camera_id(stack, "Living room"))]
    living.applications.append("CRA")
    state.recordings.add(living, since=dt_util.utcnow() - timedelta(hours=1))
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    clip = pending_clip(stack, living.id)
    freezer.tick(timedelta(seconds=60))
    clip_id = camera_id_of(angelcam_entry, stack, "Living room").child(
        section=Section.CLIPS, item=clip.id
    )
    media = await resolve(hass, clip_id)
    assert media.mime_type == "video/mp4"
    assert media.url.endswith(".mp4")
    body = await fetch(await hass_client(), media.url)
    assert body[4:8] == b"ftyp"


async def test_angelcam_items_have_thumbnails_through_camhub(
    *,
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    # Setting the entry up spent most of this minute's requests; thumbnails wait for room.
    freezer.tick(timedelta(minutes=1))
    backyard = camera_id_of(angelcam_entry, stack, "Backyard")
    recording = recording_ids(stack, "Backyard")[0]
    day = dt_util.now().date() - timedelta(days=1)
    node = await browse(hass, backyard.child(section=Section.RECORDING, item=recording, day=day))
    footage = [child for child in node.children or [] if child.can_play]
    gaps = [child for child in node.children or [] if not child.can_play]
    assert footage
    assert all(child.thumbnail == thumbnail_path(item_id(child)) for child in footage)
    # A gap has no picture to show.
    assert all(child.thumbnail is None for child in gaps)

    client = await hass_client()
    before = snapshots(stack)
    path = footage[0].thumbnail or ""
    body = await fetch(client, path)
    assert body[:2] == JPEG
    # No vendor URL or token reaches the browser: the path names only the item.
    assert stack.angelcam.url.split("//")[1].split("/")[0] not in path
    assert snapshots(stack) == before + 1
    # The moment's picture does not change: a second look costs nothing.
    assert await fetch(client, path) == body
    assert snapshots(stack) == before + 1
    # It needs a Home Assistant user.
    assert (await (await hass_client_no_auth()).get(path)).status == 401

    # Clips and events show the recording at their moment.
    front = camera_id_of(angelcam_entry, stack, "Front door")
    clip = pending_clip(stack, int(front.camera_id or ""))
    freezer.tick(timedelta(seconds=60))
    clips = await browse(hass, front.child(section=Section.CLIPS))
    events = await browse(hass, front.child(section=Section.EVENTS))
    # The push registration (9 requests) and its catch-up poll take the next minute with room.
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    for child in [*(clips.children or []), *(events.children or [])[:1]]:
        assert child.thumbnail is not None
        # A new minute, once the poll it brings is done: thumbnails spend what is left.
        freezer.tick(timedelta(minutes=1))
        await hass.async_block_till_done()
        assert (await fetch(client, child.thumbnail))[:2] == JPEG
    assert snapshots(stack) == before + 3
    assert any(clip.name in child.title for child in clips.children or [])


async def test_thumbnails_give_way_to_the_request_budget(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    segment = backyard_moment(angelcam_entry, stack, hours_ago=3)
    point = segment.child(at=(segment.start or 0) + 60)
    budget = angelcam_entry.runtime_data.connection.client.budget
    # Spend the minute down to what polling and user actions keep.
    while (budget.remaining_minute or 0) > 10:
        budget.acquire()
    client = await hass_client()
    before = snapshots(stack)
    response = await client.get(thumbnail_path(point))
    assert response.status == 404
    assert snapshots(stack) == before


async def test_novavms_event_thumbnail_is_its_snapshot(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    event_id = nova_event(stack, novavms_entry)
    events = await browse(hass, event_id.child(item=None))
    node = next(child for child in events.children or [] if item_id(child) == event_id)
    assert node.thumbnail is not None
    parts = await browse(hass, event_id)
    assert [child.thumbnail is not None for child in parts.children or []] == [True, True]
    client = await hass_client()
    assert (await fetch(client, node.thumbnail))[:2] == JPEG
    reads = stack.log.count(vendor="novavms", path_prefix="/storage/")
    # Cached: the snapshot is not downloaded again.
    assert (await fetch(client, node.thumbnail))[:2] == JPEG
    assert stack.log.count(vendor="novavms", path_prefix="/storage/") == reads
    # An event off the newest page (or unknown) has none.
    gone = event_id.child(item="evt_unknown")
    assert (await client.get(thumbnail_path(gone))).status == 404
    camera = MediaId(entry_id=novavms_entry.entry_id, camera_id=event_id.camera_id)
    assert (await client.get(thumbnail_path(camera))).status == 404


async def test_thumbnail_paths_that_name_nothing(
    *,
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    opencamera_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    client = await hass_client()
    front = camera_id_of(angelcam_entry, stack, "Front door")
    camera = next(iter(opencamera_entry.runtime_data.coordinator.data.cameras))
    vod = MediaId(entry_id=opencamera_entry.entry_id, camera_id=camera, section=Section.VOD)
    nothing = [
        "/api/camhub/thumbnail/%25%25%25.jpg",
        "/api/camhub/thumbnail/bm90L2FuL2lk.jpg",  # "not/an/id"
        "/api/camhub/thumbnail/a.jpg",  # not base64
        "/api/camhub/thumbnail/_w.jpg",  # not text
        thumbnail_path(MediaId(entry_id="gone", camera_id="1")),
        thumbnail_path(front.child(camera_id="999")),
        thumbnail_path(front.child(section=Section.CLIPS, item="no-such-clip")),
        thumbnail_path(front.child(section=Section.EVENTS, item="not-a-moment")),
        thumbnail_path(vod),
    ]
    for path in nothing:
        assert (await client.get(path)).status == 404, path
    # Living room has no recording: its events have no picture.
    living = camera_id_of(angelcam_entry, stack, "Living room")
    assert (
        await client.get(thumbnail_path(living.child(section=Section.EVENTS, item="1")))
    ).status == 404
    # A failing vendor answers 404 too (nothing of the failure reaches the browser).
    point = backyard_moment(angelcam_entry, stack, hours_ago=4)
    freezer.tick(timedelta(minutes=1))
    before = count(stack, "/v1/recording/")
    stack.angelcam.faults.add("status5xx", count=1)
    assert (await client.get(thumbnail_path(point))).status == 404
    assert count(stack, "/v1/recording/") == before + 1
    assert media_library(hass, angelcam_entry).thumbnails.peek(("x",)) is None


async def test_a_pressed_clip_button_shows_its_event_at_once(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
) -> None:
    state = stack.novavms.state
    lobby = next(c for c in state.cameras.values() if c.name == "Lobby")
    events_id = MediaId(entry_id=novavms_entry.entry_id, camera_id=lobby.id, section=Section.EVENTS)
    before = {item_id(child).item for child in (await browse(hass, events_id)).children or []}
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.lobby_trigger_clip"}, blocking=True
    )
    # The listing was cached a moment ago; the press makes it ask again.
    after = {item_id(child).item for child in (await browse(hass, events_id)).children or []}
    new = after - before
    assert len(new) == 1
    (event_id,) = new
    assert state.events[event_id or ""].camera_id == lobby.id
    # NovaVMS takes one trigger per camera per 5 s.
    freezer.tick(timedelta(seconds=6))
    await hass.services.async_call(
        "camhub",
        "trigger_clip",
        {"entity_id": "camera.lobby", "duration": 10},
        blocking=True,
        return_response=True,
    )
    latest = {item_id(child).item for child in (await browse(hass, events_id)).children or []}
    assert len(latest - after) == 1
