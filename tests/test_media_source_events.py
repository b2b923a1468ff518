"""NovaVMS event clips through the proxy, expiring signed URLs, and media that cannot play."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import media_source
from homeassistant.components.media_source import PlayMedia, Unresolvable
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.lib.media_ids import EventPart, MediaId, Section
from custom_components.camhub.proxy import HLS_MIME, signed
from custom_components.camhub.recordings import media_library
from simulator.stack import SimulatorStack

from .test_media_source import pending_clip

ROOT = "media-source://camhub"
TS_SYNC = 0x47


@pytest.fixture(autouse=True)
async def media_browser(hass: HomeAssistant) -> None:
    """Home Assistant's media source integration (it loads our platform)."""
    assert await async_setup_component(hass, "media_source", {})


async def resolve(hass: HomeAssistant, media_id: MediaId) -> PlayMedia:
    """Resolve a playable item."""
    return await media_source.async_resolve_media(hass, f"{ROOT}/{media_id}", None)


async def unresolvable(hass: HomeAssistant, media_id: MediaId) -> str:
    """Resolve an item that cannot play; return the translation key."""
    with pytest.raises(Unresolvable) as err:
        await resolve(hass, media_id)
    return str(err.value.translation_key)


def lines(body: bytes) -> list[str]:
    """The lines of a playlist."""
    return body.decode().splitlines()


def nova_event(
    stack: SimulatorStack, entry: MockConfigEntry, camera_name: str = "Lobby"
) -> MediaId:
    """A fresh motion event of a demo NovaVMS camera, as an identifier."""
    state = stack.novavms.state
    camera = next(c for c in state.cameras.values() if c.name == camera_name)
    event = state.fire_event(camera.id, "motion")
    return MediaId(
        entry_id=entry.entry_id, camera_id=camera.id, section=Section.EVENTS, item=event.id
    )


def detail_reads(stack: SimulatorStack, event_id: MediaId) -> int:
    """How often the event's detail was read."""
    return stack.log.count(vendor="novavms", path_prefix=f"/api/v1/events/{event_id.item}")


async def test_event_clip_plays_and_outlives_its_signed_url(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    event_id = nova_event(stack, novavms_entry)
    event = stack.novavms.state.events[event_id.item or ""]
    media = await resolve(hass, event_id.child(part=EventPart.CLIP))
    assert media.mime_type == HLS_MIME
    # Signed paths, as a player gets them (a login token would expire within the test).
    client = await hass_client_no_auth()
    assert (await client.get(media.url)).status == 401
    url = signed(hass, media.url)
    playlist = await client.get(url)
    assert playlist.status == 200
    text = lines(await playlist.read())
    assert f"#EXTINF:{event.duration_sec + 4:.3f}," in text
    segment = next(line for line in text if line and not line.startswith("#"))
    first = await client.get(segment)
    assert (first.status, (await first.read())[0]) == (200, TS_SYNC)
    assert first.content_type == "video/mp2t"
    # Keep watching past the signed URL's hour: the playlist touches the session.
    for _ in range(7):
        freezer.tick(timedelta(minutes=9))
        assert (await client.get(url)).status == 200
    before = detail_reads(stack, event_id)
    again = await client.get(segment)
    assert (again.status, (await again.read())[0]) == (200, TS_SYNC)
    assert detail_reads(stack, event_id) == before + 1, "one fresh read for a new URL"


async def test_event_media_upstream_failures_and_gone(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    event_id = nova_event(stack, novavms_entry)
    media = await resolve(hass, event_id.child(part=EventPart.SNAPSHOT))
    client = await hass_client()
    stack.novavms.faults.add("status5xx", count=1, path_prefix="/storage/")
    assert (await client.get(media.url)).status == 502
    picture = await client.get(media.url)
    assert (picture.status, (await picture.read())[:2]) == (200, b"\xff\xd8")
    del stack.novavms.state.events[event_id.item or ""]
    assert (await client.get(media.url)).status == 404


async def test_event_media_that_cannot_play(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    angelcam_entry: MockConfigEntry,
) -> None:
    event_id = nova_event(stack, novavms_entry)
    # Another camera's event under this camera's id.
    elsewhere = nova_event(stack, novavms_entry, "Yard")
    wrong = elsewhere.child(camera_id=event_id.camera_id, part=EventPart.CLIP)
    assert await unresolvable(hass, wrong) == "no_footage"
    # Angelcam events have no snapshot or clip of their own.
    front = MediaId(
        entry_id=angelcam_entry.entry_id,
        camera_id="1",
        section=Section.EVENTS,
        item="12",
        part=EventPart.SNAPSHOT,
    )
    assert await unresolvable(hass, front) == "no_footage"
    assert await media_library(hass, angelcam_entry).event("12") is None


async def test_event_session_has_no_playback_controls(
    hass: HomeAssistant,
    stack: SimulatorStack,
    novavms_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    media = await resolve(hass, nova_event(stack, novavms_entry).child(part=EventPart.SNAPSHOT))
    client = await hass_client()
    position = await client.get(media.url.replace("/0.jpg", "/position"))
    assert (position.status, await position.json()) == (501, {"error": "unsupported"})


async def test_pending_angelcam_clip_cannot_play_yet(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    clip = pending_clip(stack, 1)
    clip_id = MediaId(
        entry_id=angelcam_entry.entry_id, camera_id="1", section=Section.CLIPS, item=clip.id
    )
    assert await unresolvable(hass, clip_id) == "no_footage"


async def test_recorded_segments_stream_and_upstream_failures(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    recording = stack.angelcam.state.recordings.of_camera(2)[0]
    start = int((dt_util.utcnow() - timedelta(hours=2)).timestamp())
    media = await resolve(
        hass,
        MediaId(
            entry_id=angelcam_entry.entry_id,
            camera_id="2",
            section=Section.RECORDING,
            item=recording.id,
            day=dt_util.as_local(dt_util.utc_from_timestamp(start)).date(),
            start=start,
        ),
    )
    client = await hass_client()
    playlist = lines(await (await client.get(media.url)).read())
    first, second = [line for line in playlist if line and not line.startswith("#")][:2]
    whole = await client.get(first)
    assert whole.content_length is not None
    assert len(await whole.read()) == whole.content_length
    # Upstream fails before any byte was sent: the player gets a 502.
    faults = stack.angelcam.faults
    faults.add("status5xx", count=1, path_prefix="/streams/")
    assert (await client.get(second)).status == 502
    # Upstream breaks off mid-body: the player's connection is cut short, not padded.
    faults.add("truncated", count=1, path_prefix="/streams/")
    cut = await client.get(second)
    assert cut.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await cut.read()
    again = await client.get(second)
    assert (await again.read())[0] == TS_SYNC
