"""The media browser against the simulators: every level, playing, seeking, DST days, gaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import media_source
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import BrowseMediaSource, PlayMedia, Unresolvable
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.lib.media_ids import EventPart, MediaId, Section, parse
from custom_components.camhub.proxy import HLS_MIME
from simulator.angelcam_recording import Clip
from simulator.stack import SimulatorStack

ROOT = "media-source://camhub"
TS_SYNC = 0x47


@pytest.fixture(autouse=True)
async def media_browser(hass: HomeAssistant) -> None:
    """Home Assistant's media source integration (it loads our platform)."""
    assert await async_setup_component(hass, "media_source", {})


def uri(media_id: MediaId) -> str:
    """The media-source URI of an identifier."""
    return f"{ROOT}/{media_id}"


async def browse(hass: HomeAssistant, media_id: MediaId | None = None) -> BrowseMediaSource:
    """Browse one level."""
    return await media_source.async_browse_media(hass, ROOT if media_id is None else uri(media_id))


async def resolve(hass: HomeAssistant, media_id: MediaId) -> PlayMedia:
    """Resolve a playable item."""
    return await media_source.async_resolve_media(hass, uri(media_id), None)


def titles(node: BrowseMediaSource) -> list[str]:
    """The titles of a node's children."""
    return [child.title for child in node.children or []]


def angelcam_camera_id(stack: SimulatorStack, name: str) -> str:
    """The vendor id of a demo Angelcam camera."""
    world = stack.angelcam.state.world
    return str(next(c.id for c in world.cameras.values() if c.name == name))


def recording_ids(stack: SimulatorStack, name: str) -> list[str]:
    """A demo camera's recordings, continuous first (the order the API lists them)."""
    camera_id = int(angelcam_camera_id(stack, name))
    return [r.id for r in stack.angelcam.state.recordings.of_camera(camera_id)]


def count(stack: SimulatorStack, prefix: str) -> int:
    """Angelcam API requests under a path."""
    return stack.log.count(vendor="angelcam", path_prefix=prefix)


def camera_id_of(entry: MockConfigEntry, stack: SimulatorStack, name: str) -> MediaId:
    """The identifier of a demo Angelcam camera."""
    return MediaId(entry_id=entry.entry_id, camera_id=angelcam_camera_id(stack, name))


def pending_clip(stack: SimulatorStack, camera_id: int) -> Clip:
    """A clip "Parcel" of a minute five minutes ago, cut in the simulator (it starts PENDING)."""
    state = stack.angelcam.state
    now = dt_util.utcnow()
    return state.recordings.create_clip(
        state.world.cameras[camera_id],
        state.recordings.of_camera(camera_id)[0],
        user_id=1,
        name="Parcel",
        start=now - timedelta(minutes=5),
        end=now - timedelta(minutes=4),
    )


def only_stream(stack: SimulatorStack) -> object:
    """The single playback stream open in the simulator."""
    streams = list(stack.angelcam.state.recordings.streams.values())
    assert len(streams) == 1
    return streams[0]


async def test_root_and_entry_list_only_what_has_media(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    root = await browse(hass)
    assert titles(root) == [angelcam_entry.title]
    assert root.children[0].media_content_id == f"{ROOT}/{angelcam_entry.entry_id}"

    cameras = await browse(hass, MediaId(entry_id=angelcam_entry.entry_id))
    # Living room and Garage have no Cloud Recording: not offered, and nothing was asked.
    assert titles(cameras) == ["Backyard", "Front door"]
    assert stack.log.count(vendor="angelcam", path_prefix="/v1/recording") == 0


async def test_camera_without_recording_is_not_browsable(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    living_room = camera_id_of(angelcam_entry, stack, "Living room")
    with pytest.raises(BrowseError) as err:
        await browse(hass, living_room)
    assert err.value.translation_key == "camera_not_found"
    with pytest.raises(Unresolvable) as unresolvable:
        await resolve(hass, living_room.child(section=Section.EVENTS, item="1"))
    assert unresolvable.value.translation_key == "camera_not_found"
    camera_id = living_room.camera_id
    assert count(stack, f"/v1/cameras/{camera_id}/recordings/") == 0


async def test_camera_lists_recordings_clips_and_events_once(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    front = camera_id_of(angelcam_entry, stack, "Front door")
    # Other parts of the integration may read recordings too: count ours only.
    before = count(stack, f"/v1/cameras/{front.camera_id}/recordings/")
    node = await browse(hass, front)
    assert titles(node) == [
        "Recording 1 (recording, kept 7 days)",
        "Recording 2 (ready, kept 7 days)",
        "Clips",
        "Events",
    ]
    await browse(hass, front)
    assert count(stack, f"/v1/cameras/{front.camera_id}/recordings/") == before + 1


async def test_recording_lists_days_within_retention_without_requests(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    front = camera_id_of(angelcam_entry, stack, "Front door")
    recording = recording_ids(stack, "Front door")[0]
    node = await browse(hass, front.child(section=Section.RECORDING, item=recording))
    now = dt_util.now()
    days = [child.media_content_id.rsplit("/", 1)[1] for child in node.children or []]
    assert days[0] == now.date().isoformat()
    # The footage began a week ago: that day is the oldest offered.
    assert days[-1] == (now - timedelta(days=7)).date().isoformat()
    assert len(days) == len(set(days)) >= 7
    assert count(stack, "/v1/recording/") == 0


def day_of(moment: datetime) -> date:
    """The local day of a moment."""
    return dt_util.as_local(moment).date()


async def test_day_shows_segments_and_gaps_with_one_timeline_call(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    backyard = camera_id_of(angelcam_entry, stack, "Backyard")
    recording = recording_ids(stack, "Backyard")[0]
    # The scenario stopped Backyard's recording for 20 minutes, 20 hours before it was built.
    spans = stack.angelcam.state.recordings.recordings[recording].spans
    now = dt_util.utcnow()
    gap_start = next(
        s.end for s in spans if s.end and timedelta(hours=19) < now - s.end < timedelta(hours=21)
    )
    day_id = backyard.child(section=Section.RECORDING, item=recording, day=day_of(gap_start))
    day = await browse(hass, day_id)
    children = day.children or []
    gaps = [child for child in children if child.title.startswith("No recording")]
    wanted = dt_util.as_local(gap_start).strftime("%H:%M:%S")
    gap = next(child for child in gaps if child.title.startswith(f"No recording {wanted}"))
    assert not gap.can_play
    assert not gap.can_expand
    position = children.index(gap)
    assert children[position - 1].can_play
    assert children[position + 1].can_play
    await browse(hass, day_id)
    assert count(stack, f"/v1/recording/{recording}/timeline/") == 1

    # A segment expands to points to play from (seeking), from the cached timeline.
    segment = await browse(hass, MediaId(**_fields(children[position + 1])))
    assert segment.can_play
    assert segment.children
    assert segment.children[0].title == children[position + 1].title.split(" - ")[0]
    assert count(stack, f"/v1/recording/{recording}/timeline/") == 1


def _fields(node: BrowseMediaSource) -> dict[str, object]:
    """MediaId fields of a browsed node."""
    parsed = parse(node.media_content_id.removeprefix(f"{ROOT}/"))
    return {name: getattr(parsed, name) for name in MediaId.__dataclass_fields__}


async def test_empty_day_has_no_children(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    front = camera_id_of(angelcam_entry, stack, "Front door")
    events_recording = recording_ids(stack, "Front door")[1]
    day_id = front.child(section=Section.RECORDING, item=events_recording, day=dt_util.now().date())
    node = await browse(hass, day_id)
    assert node.children == []
    assert count(stack, f"/v1/recording/{events_recording}/timeline/") == 1


async def test_playing_a_segment_and_seeking(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    backyard = camera_id_of(angelcam_entry, stack, "Backyard")
    recording = recording_ids(stack, "Backyard")[0]
    start = int((dt_util.utcnow() - timedelta(hours=2)).timestamp())
    day = day_of(dt_util.utc_from_timestamp(start))
    media = await resolve(
        hass, backyard.child(section=Section.RECORDING, item=recording, day=day, start=start)
    )
    assert media.mime_type == HLS_MIME
    assert media.url.startswith("/api/camhub/playback/")
    stream = only_stream(stack)
    assert int(stream.start.timestamp()) == start  # type: ignore[attr-defined]

    client = await hass_client()
    playlist = await (await client.get(media.url)).text()
    assert "#EXTM3U" in playlist
    assert stack.angelcam.url.split("/v1")[0] not in playlist
    segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert segments
    assert all(s.startswith("/api/camhub/playback/") and "authSig=" in s for s in segments)
    # Segments work without an Authorization header: their paths are signed.
    anonymous = await hass_client_no_auth()
    response = await anonymous.get(segments[0])
    assert response.status == 200
    assert (await response.read())[0] == TS_SYNC
    # The playlist itself needs a user.
    assert (await anonymous.get(media.url)).status == 401

    # Seeking: a point later in the day opens a new stream starting there.
    at = start + 600
    await resolve(
        hass,
        backyard.child(section=Section.RECORDING, item=recording, day=day, start=start, at=at),
    )
    starts = sorted(
        int(s.start.timestamp()) for s in stack.angelcam.state.recordings.streams.values()
    )
    assert starts == [start, at]


async def test_dst_day_timeline_is_split_into_two_calls(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    await hass.config.async_set_time_zone("Europe/Prague")
    # 26 October 2025 had 25 hours in Prague (clocks went back).
    freezer.move_to("2025-10-27T12:00:00+00:00")
    backyard = camera_id_of(angelcam_entry, stack, "Backyard")
    recording = recording_ids(stack, "Backyard")[0]
    stack.angelcam.state.recordings.recordings[recording].spans[0].start -= timedelta(days=400)
    day_id = backyard.child(section=Section.RECORDING, item=recording, day=date(2025, 10, 26))
    node = await browse(hass, day_id)
    assert count(stack, f"/v1/recording/{recording}/timeline/") == 2
    # The segment crossing the split comes back as one, and reads as the whole day.
    assert titles(node) == ["Whole day (00:00 - 24:00)"]


async def test_unknown_entry_or_identifier(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry
) -> None:
    with pytest.raises(BrowseError) as err:
        await media_source.async_browse_media(hass, f"{ROOT}/{angelcam_entry.entry_id}/x/bad")
    assert err.value.translation_key == "invalid_media_id"
    with pytest.raises(Unresolvable) as unresolvable:
        await media_source.async_resolve_media(hass, f"{ROOT}/nope//", None)
    assert unresolvable.value.translation_key == "invalid_media_id"
    await hass.config_entries.async_unload(angelcam_entry.entry_id)
    with pytest.raises(BrowseError) as err:
        await browse(hass, MediaId(entry_id=angelcam_entry.entry_id))
    assert err.value.translation_key == "entry_not_loaded"
    assert titles(await browse(hass)) == []


async def fetch(client: object, path: str) -> bytes:
    """GET a proxy path and return the body (it must succeed)."""
    response = await client.get(path)  # type: ignore[attr-defined]
    assert response.status == 200, response.status
    return await response.read()


def media_lines(playlist: bytes) -> list[str]:
    """The URIs of a playlist."""
    return [line for line in playlist.decode().splitlines() if line and not line.startswith("#")]


async def test_clips_list_and_play_when_ready(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    front = camera_id_of(angelcam_entry, stack, "Front door")
    clip = pending_clip(stack, int(front.camera_id or ""))
    clips_id = front.child(section=Section.CLIPS)
    node = await browse(hass, clips_id)
    assert [c.can_play for c in node.children or []] == [False]
    assert (node.children or [])[0].title.endswith(" - pending")
    freezer.tick(timedelta(seconds=60))
    node = await browse(hass, clips_id)
    assert [c.can_play for c in node.children or []] == [True]
    item = await browse(hass, clips_id.child(item=clip.id))
    assert item.title.startswith("Parcel")
    media = await resolve(hass, clips_id.child(item=clip.id))
    client = await hass_client()
    uris = media_lines(await fetch(client, media.url))
    assert len(uris) == 1
    assert (await fetch(client, uris[0]))[0] == TS_SYNC
    with pytest.raises(BrowseError):
        await browse(hass, clips_id.child(item="gone"))


async def test_angelcam_event_plays_the_recording_from_just_before(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    front = camera_id_of(angelcam_entry, stack, "Front door")
    events = await browse(hass, front.child(section=Section.EVENTS))
    assert len(events.children or []) == 5
    first = events.children[0]  # type: ignore[index]
    assert first.can_play
    key = int(first.media_content_id.rsplit("/", 1)[1])
    media = await resolve(hass, front.child(section=Section.EVENTS, item=str(key)))
    assert media.mime_type == HLS_MIME
    assert int(only_stream(stack).start.timestamp()) == key - 5  # type: ignore[attr-defined]
    assert (await browse(hass, front.child(section=Section.EVENTS, item=str(key)))).can_play
    with pytest.raises(BrowseError) as err:
        await browse(hass, front.child(section=Section.EVENTS, item="12"))
    assert err.value.translation_key == "event_not_found"


async def test_gap_cannot_be_played(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    backyard = camera_id_of(angelcam_entry, stack, "Backyard")
    recording = recording_ids(stack, "Backyard")[0]
    inside_gap = dt_util.utcnow() - timedelta(hours=19, minutes=50)
    media_id = backyard.child(
        section=Section.RECORDING,
        item=recording,
        day=day_of(inside_gap),
        start=int(inside_gap.timestamp()),
    )
    # A gap is not a segment: browsing it finds nothing.
    with pytest.raises(BrowseError) as browse_err:
        await browse(hass, media_id)
    assert browse_err.value.translation_key == "no_footage"
    # A recording without any footage answers 404 to a playback stream.
    front = camera_id_of(angelcam_entry, stack, "Front door")
    empty = recording_ids(stack, "Front door")[1]
    with pytest.raises(Unresolvable) as err:
        await resolve(
            hass,
            front.child(
                section=Section.RECORDING,
                item=empty,
                day=day_of(inside_gap),
                start=int(inside_gap.timestamp()),
            ),
        )
    assert err.value.translation_key == "no_footage"
    with pytest.raises(Unresolvable) as err:
        await resolve(hass, backyard)
    assert err.value.translation_key == "not_playable"
    with pytest.raises(BrowseError) as browse_err:
        await browse(hass, backyard.child(section=Section.RECORDING, item="other"))
    assert browse_err.value.translation_key == "recording_not_found"


async def test_novavms_event_snapshot_and_clip_listed(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    cameras = await browse(hass, MediaId(entry_id=novavms_entry.entry_id))
    lobby = next(c for c in cameras.children or [] if c.title == "Lobby")
    camera = parse(lobby.media_content_id.removeprefix(f"{ROOT}/"))
    sections = await browse(hass, camera)
    assert titles(sections) == ["Events"]
    events = await browse(hass, camera.child(section=Section.EVENTS))
    assert events.children
    event_id = parse(events.children[0].media_content_id.removeprefix(f"{ROOT}/"))
    event = await browse(hass, event_id)
    length = stack.novavms.state.events[event_id.item or ""].duration_sec + 4
    assert titles(event) == ["Snapshot", f"Clip ({length} s)"]
    snapshot_id = event_id.child(part=EventPart.SNAPSHOT)
    assert (await browse(hass, snapshot_id)).can_play
    media = await resolve(hass, snapshot_id)
    assert media.mime_type == "image/jpeg"
    body = await fetch(await hass_client(), media.url)
    assert body[:2] == b"\xff\xd8"


async def test_opencamera_recorded_video(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    entry = await browse(hass, MediaId(entry_id=opencamera_entry.entry_id))
    camera = parse((entry.children or [])[0].media_content_id.removeprefix(f"{ROOT}/"))
    assert titles(await browse(hass, camera)) == ["Recorded video"]
    days = await browse(hass, camera.child(section=Section.VOD))
    assert len(days.children or []) == 7
    yesterday = dt_util.now().date() - timedelta(days=1)
    hours = await browse(hass, camera.child(section=Section.VOD, day=yesterday))
    assert len(hours.children or []) == 24
    hour_id = camera.child(section=Section.VOD, day=yesterday, hour=13)
    assert (await browse(hass, hour_id)).can_play
    media = await resolve(hass, hour_id)
    client = await hass_client()
    playlist = await fetch(client, media.url)
    uris = media_lines(playlist)
    assert len(uris) == 60
    assert "#EXT-X-ENDLIST" in playlist.decode()
    before = stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/vod/")
    assert (await fetch(client, uris[0]))[0] == TS_SYNC
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/vod/") == before + 1
    # The hour that has not begun yet cannot be played.
    tomorrow = dt_util.now().date() + timedelta(days=1)
    with pytest.raises(Unresolvable):
        await resolve(hass, camera.child(section=Section.VOD, day=tomorrow, hour=0))
