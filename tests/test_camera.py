"""Camera entities: shared snapshots, HLS URLs that follow token expiry, MJPEG, WebRTC."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
import json
import logging
from typing import Any, NamedTuple

from aiortc import RTCPeerConnection, RTCSessionDescription
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import (
    async_get_image,
    async_get_stream_source,
)
from homeassistant.components.stream import Stream
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_component import EntityComponent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.camhub.camera import CamHubCamera
from custom_components.camhub.const import CONF_STREAM_FORMAT, DOMAIN
from simulator.angelcam_live import StreamTokens, TokenState
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry

JPEG_START = b"\xff\xd8"
OPENCAMERA = "camera.opencamera_a57f27c9"
LOOPBACK_CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"
LIVE_SESSION = "/api/v1/media/live/session"
FRONT_DOOR_PLAYLIST = "/stream/1/playlist.m3u8"

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


async def test_concurrent_snapshots_share_one_fetch(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    def fetched() -> int:
        return stack.log.count(vendor="angelcam", path_prefix="/stream/1/snapshot.jpg")

    images = await asyncio.gather(*(async_get_image(hass, "camera.front_door") for _ in range(4)))
    assert all(image.content.startswith(JPEG_START) for image in images)
    assert fetched() == 1
    await async_get_image(hass, "camera.front_door")
    assert fetched() == 1  # still inside the short cache
    freezer.tick(timedelta(seconds=11))
    await async_get_image(hass, "camera.front_door")
    assert fetched() == 2


async def test_snapshot_failure_is_no_image(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    stack.angelcam.faults.add("status5xx", path_prefix="/stream/2/")
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, "camera.backyard")
    # Other cameras are not affected.
    assert (await async_get_image(hass, "camera.front_door")).content.startswith(JPEG_START)


async def test_novavms_image_is_latest_event_snapshot(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    lobby = next(c for c in stack.novavms.state.cameras.values() if c.name == "Lobby")
    stack.novavms.state.fire_event(lobby.id, "motion")
    image = await async_get_image(hass, "camera.lobby")
    assert image.content.startswith(JPEG_START)


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
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, OPENCAMERA)
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
