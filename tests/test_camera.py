"""Camera entities: shared snapshots, HLS URLs that follow token expiry, MJPEG, WebRTC."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from functools import partial
import io
import json
import logging
from pathlib import Path
from typing import Any, NamedTuple

from aiortc import RTCPeerConnection, RTCSessionDescription
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import (
    async_get_image,
    async_get_stream_source,
)
from homeassistant.components.stream import Stream
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_component import EntityComponent
from homeassistant.setup import async_setup_component
from PIL import Image, ImageStat
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.camhub import camera as camera_module
from custom_components.camhub.camera import CamHubCamera
from custom_components.camhub.const import CONF_STREAM_FORMAT, DOMAIN
from custom_components.camhub.stills import placeholder_jpeg
from simulator.angelcam_live import StreamTokens, TokenState
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry

JPEG_START = b"\xff\xd8"
OPENCAMERA = "camera.opencamera_a57f27c9"
LOOPBACK_CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"
LIVE_SESSION = "/api/v1/media/live/session"
FRONT_DOOR_PLAYLIST = "/stream/1/playlist.m3u8"

# What Chromium sends through Home Assistant's frontend: a trickled offer, mDNS candidates.
CHROMIUM = json.loads((Path(__file__).parent / "specs" / "chromium_webrtc_offer.json").read_text())

type OpenStream = Callable[[str], Awaitable[Stream]]


def _camera(hass: HomeAssistant, entity_id: str) -> CamHubCamera:
    component: EntityComponent[CamHubCamera] = hass.data["camera"]
    entity = component.get_entity(entity_id)
    assert isinstance(entity, CamHubCamera)
    return entity


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Let time pass and run the timers that came due."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _count(stack: SimulatorStack, vendor: str, path: str, status: int | None = None) -> int:
    """Requests to exactly this path (a prefix would also count the path's sub-resources)."""
    return sum(1 for r in stack.log.select(vendor, status=status) if r.path == path)


@pytest.fixture
async def watch(hass: HomeAssistant) -> AsyncIterator[OpenStream]:
    """Open a camera's stream as a viewer does; every stream opened is stopped after the test."""
    assert await async_setup_component(hass, "stream", {})
    streams: list[Stream] = []

    async def open_stream(entity_id: str) -> Stream:
        stream = await _camera(hass, entity_id).async_create_stream()
        assert stream is not None
        streams.append(stream)
        return stream

    yield open_stream
    for stream in streams:
        await stream.stop()


@pytest.fixture
async def front_door(angelcam_entry: MockConfigEntry, watch: OpenStream) -> Stream:
    """A viewer of the front door's HLS stream (Alice's space set up)."""
    return await watch("camera.front_door")


@pytest.fixture
async def ws(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, opencamera_entry: MockConfigEntry
) -> Any:
    """A frontend on Home Assistant's WebSocket API, with the first OpenCamera device set up."""
    return await hass_ws_client(hass)


@pytest.fixture
async def peer() -> AsyncIterator[RTCPeerConnection]:
    """A receiving browser whose offer is set; aiortc gathers every candidate first."""
    connection = RTCPeerConnection()
    connection.addTransceiver("video", direction="recvonly")
    await connection.setLocalDescription(await connection.createOffer())
    yield connection
    await connection.close()


@pytest.fixture
async def spec_token_entry(
    hass: HomeAssistant, stack: SimulatorStack, monkeypatch: pytest.MonkeyPatch
) -> MockConfigEntry:
    """Alice's space while stream tokens have the spec examples' shape, which names its expiry.

    The spec's tokens are `base64({"time": µs, "timeout": s}).signature`; the simulator's own
    are `expiry.mac`, which the client cannot read, so it probes those for a 301 instead.
    Wrapping the simulator's token as the signature keeps its checks (301, 401) as they are.
    """
    issue, check = StreamTokens.issue, StreamTokens.check

    def spec_issue(tokens: StreamTokens, camera_id: int) -> str:
        own = issue(tokens, camera_id)
        timeout = int(tokens.ttl.total_seconds())
        issued = int(own.partition(".")[0]) - timeout
        claims = json.dumps({"time": issued * 1_000_000, "timeout": timeout}).encode()
        return f"{base64.b64encode(claims).decode()}.{own}"

    def spec_check(tokens: StreamTokens, token: str, camera_id: int) -> TokenState:
        return check(tokens, token.partition(".")[2], camera_id)

    monkeypatch.setattr(StreamTokens, "issue", spec_issue)
    monkeypatch.setattr(StreamTokens, "check", spec_check)
    return await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")


# -- stills -----------------------------------------------------------------------------------


async def _shared_and_cached(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entity_id: str, upstream: Callable[[], int]
) -> bytes:
    """Concurrent viewers share one fetch (`upstream` counts them), kept 10 s; the picture."""
    fetched = upstream
    images = await asyncio.gather(*(async_get_image(hass, entity_id) for _ in range(4)))
    assert fetched() == 1
    content = images[0].content
    assert content.startswith(JPEG_START)
    assert {image.content for image in images} == {content}
    await async_get_image(hass, entity_id)
    assert fetched() == 1  # still inside the short cache
    freezer.tick(timedelta(seconds=11))
    assert (await async_get_image(hass, entity_id)).content.startswith(JPEG_START)
    assert fetched() == 2
    return content


async def test_concurrent_snapshots_share_one_fetch(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    snapshots = partial(stack.log.count, vendor="angelcam", path_prefix="/stream/1/snapshot.jpg")
    await _shared_and_cached(hass, freezer, "camera.front_door", snapshots)


async def test_snapshot_failure_shows_the_last_picture_known(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    def fetched() -> int:
        return stack.log.count(vendor="angelcam", path_prefix="/stream/2/snapshot.jpg")

    first = (await async_get_image(hass, "camera.backyard")).content
    assert first.startswith(JPEG_START)
    assert first != placeholder_jpeg()
    stack.angelcam.faults.add("status5xx", path_prefix="/stream/2/")
    freezer.tick(timedelta(seconds=11))
    # The vendor fails: the card keeps the picture it had, not a broken image.
    assert (await async_get_image(hass, "camera.backyard")).content == first
    assert fetched() == 2
    # The failure is cached like a picture: viewers do not hammer a failing vendor.
    assert (await async_get_image(hass, "camera.backyard")).content == first
    assert fetched() == 2
    assert hass.states.get("camera.backyard").state != STATE_UNAVAILABLE
    # Other cameras are not affected.
    assert (await async_get_image(hass, "camera.front_door")).content.startswith(JPEG_START)


async def test_camera_without_any_picture_shows_the_placeholder(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    yard = next(c for c in stack.novavms.state.cameras.values() if c.name == "Yard")
    assert not [e for e in stack.novavms.state.events.values() if e.camera_id == yard.id]
    before = stack.log.count(vendor="novavms")
    # No event yet, so NovaVMS has no picture of this camera: a real JPEG says so.
    images = await asyncio.gather(*(async_get_image(hass, "camera.yard") for _ in range(3)))
    assert {image.content for image in images} == {placeholder_jpeg()}
    assert images[0].content_type == "image/jpeg"
    picture = Image.open(io.BytesIO(placeholder_jpeg()))
    assert picture.size == (640, 360)
    assert ImageStat.Stat(picture.convert("L")).stddev[0] > 10  # a picture, not a flat colour
    # Three viewers, one look at the events (not one each).
    assert stack.log.count(vendor="novavms") - before == 1


async def test_novavms_image_is_latest_event_snapshot(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    stack.novavms.state.fire_event(lobby.id, "motion")
    image = await async_get_image(hass, "camera.lobby")
    assert image.content.startswith(JPEG_START)
    assert image.content != placeholder_jpeg()


async def test_opencamera_still_is_the_newest_recorded_frame(
    hass: HomeAssistant,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    # One recording fetched for every viewer, like any other still.
    recordings = partial(stack.log.count, vendor="opencamera", path_prefix="/api/v1/media/vod/")
    content = await _shared_and_cached(hass, freezer, OPENCAMERA, recordings)
    assert content != placeholder_jpeg()
    picture = Image.open(io.BytesIO(content))
    assert picture.format == "JPEG"
    # The simulated device records 320x180 pictures of its name and clock.
    assert picture.size == (320, 180)
    assert ImageStat.Stat(picture.convert("L")).stddev[0] > 5
    # The camera.snapshot action works for it (it failed while the device had no still).
    path = str(tmp_path / "opencamera.jpg")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await hass.services.async_call(
        "camera", "snapshot", {"entity_id": OPENCAMERA, "filename": path}, blocking=True
    )
    written = await hass.async_add_executor_job(Path(path).read_bytes)
    assert written.startswith(JPEG_START)


async def test_opencamera_without_recordings_shows_the_placeholder(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    stack.opencamera.state.unsupported = {"downloadVideos"}
    assert (await async_get_image(hass, OPENCAMERA)).content == placeholder_jpeg()
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/vod/") == 1


def _polls(stack: SimulatorStack) -> int:
    """Angelcam API requests (what a poll costs); stream-server media is not among them."""
    return sum(1 for r in stack.log.select("angelcam") if r.path.startswith("/v1/"))


def _went_offline(hass: HomeAssistant, name: str) -> None:
    """The camera and its Online sensor say offline at once (no poll was needed)."""
    assert hass.states.get(f"camera.{name}").state == STATE_UNAVAILABLE
    assert hass.states.get(f"binary_sensor.{name}_online").state == STATE_OFF


async def test_snapshot_of_offline_camera_turns_it_offline_at_once(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    assert hass.states.get("binary_sensor.backyard_online").state == STATE_ON
    stack.angelcam.state.set_camera_online(2, online=False)
    polls = _polls(stack)
    # The stream server answers 502 "Camera is offline." for the snapshot.
    image = await _camera(hass, "camera.backyard").async_camera_image()
    await hass.async_block_till_done()
    assert image == placeholder_jpeg()
    assert _polls(stack) == polls
    assert stack.log.count(vendor="angelcam", path_prefix="/stream/2/snapshot.jpg", status=502)
    _went_offline(hass, "backyard")
    # Only that camera.
    assert hass.states.get("camera.front_door").state != STATE_UNAVAILABLE


async def test_stream_of_offline_camera_turns_it_offline_at_once(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.state.set_camera_online(1, online=False)
    polls = _polls(stack)
    with pytest.raises(HomeAssistantError) as caught:
        await _camera(hass, "camera.front_door").stream_source()
    assert caught.value.translation_key == "camera_offline"
    await hass.async_block_till_done()
    _went_offline(hass, "front_door")
    # The stream URL comes with the camera (one API request), no poll of the account.
    assert _polls(stack) - polls <= 1


async def test_mjpeg_of_offline_camera_turns_it_offline_at_once(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    client = await hass_client()
    stack.angelcam.state.set_camera_online(3, online=False)
    response = await client.get("/api/camera_proxy_stream/camera.living_room")
    assert response.status == 502
    await hass.async_block_till_done()
    _went_offline(hass, "living_room")


async def test_camera_the_vendor_drops_is_removed(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stack.angelcam.state.remove_camera(2)  # the backyard camera, deleted in My Angelcam
    await angelcam_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("camera.backyard") is None
    assert er.async_get(hass).async_get("camera.backyard") is None
    # Its entity saw the last update without its camera: no error, no traceback.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (await async_get_image(hass, "camera.front_door")).content.startswith(JPEG_START)


# -- live view: HLS ---------------------------------------------------------------------------


async def test_hls_source_follows_301_before_token_dies(
    hass: HomeAssistant,
    stack: SimulatorStack,
    front_door: Stream,
    freezer: FrozenDateTimeFactory,
) -> None:
    first = await async_get_stream_source(hass, "camera.front_door")
    assert first is not None
    assert f"{FRONT_DOOR_PLAYLIST}?token=" in first
    assert front_door.source == first
    # The token expires; the probe meets the server's 301 and swaps the running stream.
    await _tick(hass, freezer, timedelta(minutes=6))
    second = await async_get_stream_source(hass, "camera.front_door")
    assert second is not None
    assert second != first
    assert front_door.source == second


async def test_stream_url_dropped_while_nobody_watches(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    def probes() -> int:
        return _count(stack, "angelcam", FRONT_DOOR_PLAYLIST)

    first = await async_get_stream_source(hass, "camera.front_door")
    asked = probes()
    assert await async_get_stream_source(hass, "camera.front_door") == first
    assert probes() == asked  # a URL in hand is handed out again as it is
    # Without a stream nobody watches: the URL is forgotten, not probed every minute ...
    await _tick(hass, freezer, timedelta(minutes=2))
    assert probes() == asked
    # ... and the next viewer's URL is checked first.
    assert await async_get_stream_source(hass, "camera.front_door") is not None
    assert probes() == asked + 1


async def test_hls_probe_keeps_a_working_url_and_retries_a_failed_one(
    hass: HomeAssistant,
    stack: SimulatorStack,
    front_door: Stream,
    freezer: FrozenDateTimeFactory,
) -> None:
    def probes(status: int) -> int:
        return _count(stack, "angelcam", FRONT_DOOR_PLAYLIST, status=status)

    first = front_door.source
    working = probes(200)
    await _tick(hass, freezer, timedelta(minutes=1, seconds=1))
    # One probe a minute; the token still works (200, no 301), so the stream keeps its URL.
    assert (probes(200), probes(301)) == (working + 1, 0)
    assert front_door.source == first
    stack.angelcam.faults.add("status5xx", path_prefix=FRONT_DOOR_PLAYLIST, count=1)
    await _tick(hass, freezer, timedelta(minutes=6))
    # The next probe failed: the URL is kept and a retry is scheduled ...
    assert probes(503) == 1
    assert front_door.source == first
    await _tick(hass, freezer, timedelta(minutes=1, seconds=1))
    # ... which meets the 301 of the token that expired meanwhile, and swaps the stream.
    assert probes(301) == 1
    assert front_door.source != first


async def test_token_naming_its_expiry_is_renewed_ahead_without_probing(
    hass: HomeAssistant,
    stack: SimulatorStack,
    spec_token_entry: MockConfigEntry,
    watch: OpenStream,
    freezer: FrozenDateTimeFactory,
) -> None:
    stream = await watch("camera.front_door")
    first = stream.source

    def camera_reads() -> int:
        return _count(stack, "angelcam", "/v1/cameras/1/")

    reads = camera_reads()
    # The token says it lasts 5 minutes: nothing is asked meanwhile, no 301 probe either ...
    await _tick(hass, freezer, timedelta(minutes=4))
    assert stream.source == first
    assert camera_reads() == reads
    # ... and 30 s before it expires the camera is read again for a new URL.
    await _tick(hass, freezer, timedelta(seconds=31))
    second = stream.source
    assert second != first
    assert camera_reads() == reads + 1
    # The new token is renewed the same way, ahead of its own expiry.
    await _tick(hass, freezer, timedelta(minutes=4, seconds=31))
    assert stream.source not in {first, second}
    assert camera_reads() == reads + 2
    assert _count(stack, "angelcam", FRONT_DOOR_PLAYLIST) == 0


# -- live view: MJPEG -------------------------------------------------------------------------


async def test_mjpeg_only_camera_is_relayed(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    state = hass.states.get("camera.living_room")
    assert state is not None
    assert state.attributes["supported_features"] == 0
    assert await async_get_stream_source(hass, "camera.living_room") is None
    client = await hass_client()
    response = await client.get("/api/camera_proxy_stream/camera.living_room")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
    assert response.headers["Content-Type"].endswith("boundary=angelcamframe")
    chunk = await response.content.read(4096)
    assert b"--angelcamframe" in chunk
    assert JPEG_START in chunk
    response.close()


async def test_mjpeg_stream_the_vendor_refuses_is_a_bad_gateway(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    stack.angelcam.faults.add("status5xx", path_prefix="/stream/3/stream.mjpeg")
    client = await hass_client()
    response = await client.get("/api/camera_proxy_stream/camera.living_room")
    # Not the vendor's JSON error passed off as a stream.
    assert response.status == 502
    assert stack.log.count(vendor="angelcam", path_prefix="/stream/3/stream.mjpeg") == 1


async def test_hls_camera_mjpeg_view_is_built_from_snapshots(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
) -> None:
    client = await hass_client()
    response = await client.get("/api/camera_proxy_stream/camera.front_door")
    assert response.status == 200
    assert response.headers["Content-Type"].endswith("boundary=--frameboundary")
    chunk = await response.content.read(4096)
    assert b"--frameboundary" in chunk
    assert JPEG_START in chunk
    response.close()
    # Home Assistant's still stream from the vendor's snapshots; the vendor's MJPEG is not used.
    assert stack.log.count(vendor="angelcam", path_prefix="/stream/1/snapshot.jpg") >= 1
    assert stack.log.count(vendor="angelcam", path_prefix="/stream/1/stream.mjpeg") == 0


async def test_preferred_format_mjpeg(hass: HomeAssistant, stack: SimulatorStack) -> None:
    entry = await async_add_entry(
        hass, angelcam_data(stack), "angelcam:1:1", options={CONF_STREAM_FORMAT: "mjpeg"}
    )
    state = hass.states.get("camera.front_door")
    assert state is not None
    assert state.attributes["supported_features"] == 0
    assert entry.runtime_data.coordinator.last_update_success


# -- live view: WebRTC ------------------------------------------------------------------------


async def test_opencamera_webrtc_offer(
    hass: HomeAssistant,
    ws: Any,
    stack: SimulatorStack,
    peer: RTCPeerConnection,
) -> None:
    assert await async_get_stream_source(hass, OPENCAMERA) is None
    await ws.send_json_auto_id({"type": "camera/webrtc/get_client_config", "entity_id": OPENCAMERA})
    config = await ws.receive_json()
    assert config["success"]
    await ws.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": OPENCAMERA, "offer": peer.localDescription.sdp}
    )
    assert (await ws.receive_json())["success"]
    session = (await ws.receive_json())["event"]
    assert session["type"] == "session"
    answer = (await ws.receive_json())["event"]
    assert answer["type"] == "answer"
    await peer.setRemoteDescription(RTCSessionDescription(sdp=answer["answer"], type="answer"))
    # Late (trickled) candidates are accepted and ignored: the device cannot take them.
    await _candidate(
        ws,
        session["session_id"],
        {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"},
    )
    assert stack.log.count(vendor="opencamera", path_prefix=LIVE_SESSION) == 1


async def test_webrtc_offer_failure_is_reported(
    hass: HomeAssistant,
    ws: Any,
    stack: SimulatorStack,
) -> None:
    stack.opencamera.faults.add("status5xx", path_prefix=LIVE_SESSION)
    await ws.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": OPENCAMERA, "offer": "v=0"}
    )
    assert (await ws.receive_json())["success"]
    assert (await ws.receive_json())["event"]["type"] == "session"
    error = (await ws.receive_json())["event"]
    assert error["type"] == "error"
    assert error["code"] == "webrtc_offer_failed"


def _split_offer(sdp: str) -> tuple[str, list[dict[str, object]]]:
    """A complete aiortc offer as a trickling browser sends it: bare offer + candidates."""
    bare, candidates, index, mid = [], [], -1, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            index += 1
        if line.startswith("a=mid:"):
            mid = line[len("a=mid:") :]
        if line.startswith("a=candidate:"):
            candidates.append({"candidate": line[2:], "sdpMid": mid, "sdpMLineIndex": index})
        elif line != "a=end-of-candidates":
            bare.append(line)
    # Under the test plugin's socket guard aiortc may find no interface: add a loopback one.
    candidates.append({"candidate": LOOPBACK_CANDIDATE, "sdpMid": mid, "sdpMLineIndex": index})
    return "\r\n".join(bare) + "\r\n", candidates


async def _offer(ws: Any, sdp: str) -> str:
    await ws.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": OPENCAMERA, "offer": sdp}
    )
    assert (await ws.receive_json())["success"]
    session = (await ws.receive_json())["event"]
    return str(session["session_id"])


async def _candidate(ws: Any, session_id: str, candidate: dict[str, object]) -> None:
    await ws.send_json_auto_id(
        {
            "type": "camera/webrtc/candidate",
            "entity_id": OPENCAMERA,
            "session_id": session_id,
            "candidate": candidate,
        }
    )
    assert (await ws.receive_json())["success"]


class Trickled(NamedTuple):
    """An offer a trickling browser sent without its candidates, which are still to come."""

    bare: str
    candidates: list[dict[str, object]]
    session_id: str


@pytest.fixture
async def trickled(ws: Any, peer: RTCPeerConnection) -> Trickled:
    """The peer's offer, sent the way a trickling browser sends it."""
    bare, candidates = _split_offer(peer.localDescription.sdp)
    return Trickled(bare, candidates, await _offer(ws, bare))


async def test_trickled_offer_is_completed_before_the_device_sees_it(
    ws: Any, stack: SimulatorStack, peer: RTCPeerConnection, trickled: Trickled
) -> None:
    for candidate in trickled.candidates:
        await _candidate(ws, trickled.session_id, candidate)
    assert stack.log.count(vendor="opencamera", path_prefix=LIVE_SESSION) == 0
    await _candidate(ws, trickled.session_id, {"candidate": "", "sdpMLineIndex": 0})
    answer = (await ws.receive_json())["event"]
    assert answer["type"] == "answer"
    await peer.setRemoteDescription(RTCSessionDescription(sdp=answer["answer"], type="answer"))
    assert stack.log.count(vendor="opencamera", path_prefix=LIVE_SESSION) == 1


async def test_trickled_offer_goes_out_when_the_window_closes(
    hass: HomeAssistant,
    ws: Any,
    stack: SimulatorStack,
    freezer: FrozenDateTimeFactory,  # frozen before the offer starts its candidate window
    trickled: Trickled,
) -> None:
    await _candidate(ws, trickled.session_id, trickled.candidates[0])
    # A second viewer leaves before its offer goes out: nothing is sent for it.
    closed = await _offer(ws, trickled.bare)
    _camera(hass, OPENCAMERA).close_webrtc_session(closed)
    stack.opencamera.faults.add("status5xx", path_prefix=LIVE_SESSION, count=1)
    await _tick(hass, freezer, timedelta(seconds=3))
    error = (await ws.receive_json())["event"]
    assert error["type"] == "error"
    assert error["code"] == "webrtc_offer_failed"
    assert stack.log.count(vendor="opencamera", path_prefix=LIVE_SESSION) == 1


async def test_offer_waiting_for_candidates_is_dropped_on_unload(
    hass: HomeAssistant,
    stack: SimulatorStack,
    freezer: FrozenDateTimeFactory,  # frozen before the offer starts its candidate window
    trickled: Trickled,
) -> None:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # The candidate window closes after the entity went: the device never sees the offer.
    await _tick(hass, freezer, timedelta(seconds=3))
    assert stack.log.count(vendor="opencamera", path_prefix=LIVE_SESSION) == 0


async def test_browser_offer_gets_an_answer_the_browser_can_connect_to(
    hass: HomeAssistant,
    ws: Any,
    stack: SimulatorStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chromium's own offer, not one from our aiortc peer (which agrees with the device).

    Its candidates are mDNS names the device cannot resolve, and its frontend never sends
    the end of candidates. The answer must still carry the device's candidates: without
    them the browser has nowhere to send its checks and ICE never leaves "new".
    """
    # The device resolves mDNS names with a timeout of its own, which a frozen clock would
    # never let pass: the window closes for real, only sooner.
    monkeypatch.setattr(camera_module, "CANDIDATE_WINDOW", 0.05)
    session_id = await _offer(ws, CHROMIUM["offer"])
    for candidate in CHROMIUM["candidates"]:
        await _candidate(ws, session_id, candidate)
    answer = (await ws.receive_json(timeout=30))["event"]
    assert answer["type"] == "answer"
    sdp = answer["answer"]
    assert "\r\na=candidate:" in sdp
    assert "c=IN IP4 0.0.0.0" not in sdp
    assert stack.log.count(vendor="opencamera", path_prefix=LIVE_SESSION) == 1
