"""Camera entities: shared snapshots, HLS URLs that follow token expiry, MJPEG, WebRTC."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import (
    async_get_image,
    async_get_stream_source,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_component import EntityComponent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.camhub.camera import CamHubCamera
from custom_components.camhub.const import CONF_STREAM_FORMAT
from simulator.stack import SimulatorStack

from .conftest import angelcam_data, async_add_entry

JPEG_START = b"\xff\xd8"
OPENCAMERA = "camera.opencamera_a57f27c9"
LOOPBACK_CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"


def _camera(hass: HomeAssistant, entity_id: str) -> CamHubCamera:
    component: EntityComponent[CamHubCamera] = hass.data["camera"]
    entity = component.get_entity(entity_id)
    assert isinstance(entity, CamHubCamera)
    return entity


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


async def test_hls_source_follows_301_before_token_dies(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    first = await async_get_stream_source(hass, "camera.front_door")
    assert first is not None
    assert "/stream/1/playlist.m3u8?token=" in first
    camera = _camera(hass, "camera.front_door")
    stream = await camera.async_create_stream()
    assert stream is not None
    assert stream.source == first
    # The token expires; the probe meets the server's 301 and swaps the running stream.
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    second = await async_get_stream_source(hass, "camera.front_door")
    assert second is not None
    assert second != first
    assert stream.source == second
    await stream.stop()


async def test_stream_url_dropped_while_nobody_watches(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await async_get_stream_source(hass, "camera.front_door")
    camera = _camera(hass, "camera.front_door")
    assert camera._stream_url is not None
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert camera._stream_url is None


async def test_stream_url_refresh_failure_retries(
    hass: HomeAssistant,
    stack: SimulatorStack,
    angelcam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    camera = _camera(hass, "camera.front_door")
    stream = await camera.async_create_stream()
    assert stream is not None
    first = stream.source
    stack.angelcam.faults.add("status5xx", path_prefix="/stream/1/playlist.m3u8", count=1)
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert stream.source == first  # kept; a retry is scheduled
    freezer.tick(timedelta(minutes=1, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert stream.source != first
    await stream.stop()


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


async def test_preferred_format_mjpeg(hass: HomeAssistant, stack: SimulatorStack) -> None:
    entry = await async_add_entry(
        hass, angelcam_data(stack), "angelcam:1:1", options={CONF_STREAM_FORMAT: "mjpeg"}
    )
    state = hass.states.get("camera.front_door")
    assert state is not None
    assert state.attributes["supported_features"] == 0
    assert entry.runtime_data.coordinator.last_update_success


async def test_opencamera_webrtc_offer(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
) -> None:
    assert await async_get_stream_source(hass, "camera.opencamera_a57f27c9") is None
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, "camera.opencamera_a57f27c9")
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    # aiortc gathers every candidate before the description is set: a complete offer.
    await peer.setLocalDescription(await peer.createOffer())
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "camera/webrtc/get_client_config", "entity_id": "camera.opencamera_a57f27c9"}
    )
    config = await client.receive_json()
    assert config["success"]
    await client.send_json_auto_id(
        {
            "type": "camera/webrtc/offer",
            "entity_id": "camera.opencamera_a57f27c9",
            "offer": peer.localDescription.sdp,
        }
    )
    assert (await client.receive_json())["success"]
    session = (await client.receive_json())["event"]
    assert session["type"] == "session"
    answer = (await client.receive_json())["event"]
    assert answer["type"] == "answer"
    await peer.setRemoteDescription(RTCSessionDescription(sdp=answer["answer"], type="answer"))
    # Late (trickled) candidates are accepted and ignored: the device cannot take them.
    await client.send_json_auto_id(
        {
            "type": "camera/webrtc/candidate",
            "entity_id": "camera.opencamera_a57f27c9",
            "session_id": session["session_id"],
            "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"},
        }
    )
    assert (await client.receive_json())["success"]
    await peer.close()
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/live/session") == 1


async def test_webrtc_offer_failure_is_reported(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
) -> None:
    stack.opencamera.faults.add("status5xx", path_prefix="/api/v1/media/live/session")
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": "camera.opencamera_a57f27c9", "offer": "v=0"}
    )
    assert (await client.receive_json())["success"]
    assert (await client.receive_json())["event"]["type"] == "session"
    error = (await client.receive_json())["event"]
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


async def _offer(client: Any, sdp: str) -> str:
    await client.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": OPENCAMERA, "offer": sdp}
    )
    assert (await client.receive_json())["success"]
    session = (await client.receive_json())["event"]
    return str(session["session_id"])


async def _candidate(client: Any, session_id: str, candidate: dict[str, object]) -> None:
    await client.send_json_auto_id(
        {
            "type": "camera/webrtc/candidate",
            "entity_id": OPENCAMERA,
            "session_id": session_id,
            "candidate": candidate,
        }
    )
    assert (await client.receive_json())["success"]


async def test_trickled_offer_is_completed_before_the_device_sees_it(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
) -> None:
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    bare, candidates = _split_offer(peer.localDescription.sdp)
    client = await hass_ws_client(hass)
    session_id = await _offer(client, bare)
    for candidate in candidates:
        await _candidate(client, session_id, candidate)
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/live/session") == 0
    await _candidate(client, session_id, {"candidate": "", "sdpMLineIndex": 0})
    answer = (await client.receive_json())["event"]
    assert answer["type"] == "answer"
    await peer.setRemoteDescription(RTCSessionDescription(sdp=answer["answer"], type="answer"))
    await peer.close()
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/live/session") == 1


async def test_trickled_offer_goes_out_when_the_window_closes(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    stack: SimulatorStack,
    opencamera_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    bare, candidates = _split_offer(peer.localDescription.sdp)
    client = await hass_ws_client(hass)
    session_id = await _offer(client, bare)
    await _candidate(client, session_id, candidates[0])
    # A second viewer leaves before its offer goes out: nothing is sent for it.
    closed = await _offer(client, bare)
    opencamera = _camera(hass, OPENCAMERA)
    opencamera.close_webrtc_session(closed)
    stack.opencamera.faults.add("status5xx", path_prefix="/api/v1/media/live/session", count=1)
    freezer.tick(timedelta(seconds=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    error = (await client.receive_json())["event"]
    assert error["type"] == "error"
    assert error["code"] == "webrtc_offer_failed"
    assert stack.log.count(vendor="opencamera", path_prefix="/api/v1/media/live/session") == 1
    await peer.close()
