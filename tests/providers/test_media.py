"""Media downloads, Angelcam recording start/stop and NovaVMS event clips over real HTTP."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from custom_components.camhub.providers import AngelcamClient, NovaVMSClient, OpenCameraClient
from custom_components.camhub.providers.errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    RequestRejectedError,
    UnavailableError,
)
from custom_components.camhub.providers.model import MediaFile
from simulator.control import SimClock
from simulator.stack import SimulatorStack

from .conftest import Factory

TS_SYNC = 0x47
HLS = "application/vnd.apple.mpegurl"


def recordings_of(stack: SimulatorStack, camera_id: int) -> list[str]:
    """The simulator's recordings of an Angelcam camera, continuous first."""
    return [r.id for r in stack.angelcam.state.recordings.of_camera(camera_id)]


async def read_all(client: NovaVMSClient, url: str) -> tuple[int | None, bytes]:
    """Stream a media URL to its end: the announced size and the body."""
    async with client.async_open_media(url) as media:
        return media.size, b"".join([chunk async for chunk in media.chunks])


async def test_start_recording_clamps_extends_and_stops(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    continuous, event = recordings_of(stack, 1)
    store = stack.angelcam.state.recordings
    await angelcam.async_start_recording(event, 10)
    assert store.recordings[event].auto_stop == clock() + timedelta(seconds=30), "30 s minimum"
    statuses = {r.id: r.status for r in await angelcam.async_fetch_recordings(1)}
    assert statuses == {continuous: "RECORDING", event: "RECORDING"}
    await angelcam.async_start_recording(event, 5000)
    assert store.recordings[event].auto_stop == clock() + timedelta(seconds=1800), "1800 s max"
    # Without a duration it records until stopped (the scheduled stop is cancelled).
    await angelcam.async_start_recording(event)
    assert store.recordings[event].auto_stop is None
    await angelcam.async_stop_recording(event)
    statuses = {r.id: r.status for r in await angelcam.async_fetch_recordings(1)}
    assert statuses[event] == "READY"
    before = stack.log.count(vendor="angelcam", path_prefix=f"/v1/recording/{event}/")
    assert before == 4, "three starts and one stop, one request each"
    with pytest.raises(NotSupportedError):
        await angelcam.async_start_recording("no-such-recording", 60)
    with pytest.raises(NotSupportedError):
        await angelcam.async_stop_recording("no-such-recording")


async def test_start_recording_needs_the_manage_permission(
    make_angelcam: Factory[AngelcamClient], stack: SimulatorStack
) -> None:
    # Alice only has shared grants in Bob's shop: she may watch, not start recordings.
    shared = make_angelcam(space_id=stack.angelcam.state.world.cameras[5].space_id)
    shop = recordings_of(stack, 5)[0]
    with pytest.raises(PermissionDeniedError):
        await shared.async_start_recording(shop, 60)
    with pytest.raises(PermissionDeniedError):
        await shared.async_stop_recording(shop)


async def test_angelcam_media_is_fetched_uncounted_and_named_by_host(
    angelcam: AngelcamClient,
    stack: SimulatorStack,
    clock: SimClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    recording = recordings_of(stack, 1)[0]
    stream = await angelcam.async_playback_stream(recording, clock() - timedelta(hours=1))
    left = angelcam.budget.status().remaining
    playlist = await angelcam.async_fetch_media(stream.url)
    assert playlist.content_type == HLS
    first = next(line for line in playlist.content.decode().splitlines() if line[:1] != "#")
    segment = await angelcam.async_fetch_media(stream.url.rsplit("/", 1)[0] + "/" + first)
    assert segment.content_type == "video/mp2t"
    assert segment.content[0] == TS_SYNC
    assert angelcam.budget.status().remaining == left, "media is not the metered API"
    assert repr(segment) == "MediaFile(content_type='video/mp2t')"
    # The stream id in the path is the access: a failure names the host, never the path.
    stream_id = urlsplit(stream.url).path.split("/")[-2]
    with pytest.raises(RequestRejectedError) as err:
        await angelcam.async_fetch_media(stream.url.replace(".m3u8", ".missing"))
    assert err.value.status == 404
    assert "127.0.0.1" in str(err.value)
    assert stream_id not in str(err.value)
    assert stream_id not in caplog.text
    with pytest.raises(ProtocolError):
        await angelcam.async_fetch_media("recording/streams/x/playlist.m3u8")


async def test_novavms_event_clip_and_expiring_media_urls(
    novavms: NovaVMSClient,
    stack: SimulatorStack,
    clock: SimClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    camera_id = next(iter(stack.novavms.state.cameras))
    trigger = await novavms.async_trigger_clip(camera_id, 10)
    assert trigger.event_id is not None
    listed = await novavms.async_fetch_events(camera_id=camera_id, limit=1)
    assert (listed[0].id, listed[0].clip_url) == (trigger.event_id, None), "list shape: no clip"
    event = await novavms.async_fetch_event(trigger.event_id)
    assert event.clip_duration == 14, "pre-buffer + 10 s + post-buffer"
    assert event.clip_url is not None
    assert event.snapshot_url is not None
    assert "clip_url" not in repr(event)
    clip = await novavms.async_fetch_media(event.clip_url)
    assert (clip.content_type, clip.content[0]) == ("video/mp2t", TS_SYNC)
    snapshot = await novavms.async_fetch_media(event.snapshot_url)
    assert snapshot == MediaFile(content=snapshot.content, content_type="image/jpeg")
    signature = event.clip_url.rsplit("=", 1)[1]
    # A tampered signature is refused; an expired URL answers 400 until read again.
    with pytest.raises(PermissionDeniedError) as denied:
        await novavms.async_fetch_media(event.clip_url[:-4] + "0000")
    clock.advance(2 * 3600)
    with pytest.raises(RequestRejectedError) as expired:
        await novavms.async_fetch_media(event.clip_url)
    assert expired.value.status == 400
    assert signature not in caplog.text
    for text in (str(denied.value), str(expired.value)):
        # The storage object's name (the event id) is part of the access too.
        assert signature not in text
        assert trigger.event_id not in text
    fresh = await novavms.async_fetch_event(trigger.event_id)
    assert fresh.clip_url is not None
    assert (await novavms.async_fetch_media(fresh.clip_url)).content[0] == TS_SYNC


async def test_opencamera_media_sends_the_token_only_to_the_device(
    stack: SimulatorStack, clock: SimClock, creds: dict[str, Any]
) -> None:
    seen: list[tuple[str, bool]] = []

    async def on_start(_: object, __: object, params: aiohttp.TraceRequestStartParams) -> None:
        seen.append((params.url.host or "", "X-Token" in params.headers))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    login = creds["opencamera"]["devices"][0]

    def make(session: aiohttp.ClientSession, password: str) -> OpenCameraClient:
        return OpenCameraClient(
            session,
            url=login["url"],
            username=login["username"],
            password=password,
            device=login["device"],
            now=clock,
        )

    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        device = make(session, login["password"])
        start = clock() - timedelta(hours=1)
        end = start + timedelta(seconds=4)
        vod = f"media/vod/{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}"
        url = f"{stack.opencamera.url}/api/v1/{vod}"
        video = await device.async_fetch_media(url)
        assert video.content[0] == TS_SYNC
        assert seen[-1] == ("127.0.0.1", True)
        # After the device forgot our token, one fresh login and the download again.
        stack.opencameras[0].state.tokens.clear()
        assert (await device.async_fetch_media(url)).content[0] == TS_SYNC
        logins = stack.log.count(vendor="opencamera", path_prefix="/api/v1/user/token/obtain")
        assert logins == 2
        # Another host's URL (here NovaVMS storage) never gets the device token.
        camera_id = next(iter(stack.novavms.state.cameras))
        event_id = stack.novavms.state.fire_event(camera_id, "motion").id
        snapshot_url = stack.novavms.state.signed_url(
            stack.novavms.url, f"/storage/bkt-cloud-ai/{event_id}.jpg"
        )
        assert snapshot_url is not None
        picture = await device.async_fetch_media(snapshot_url)
        assert picture.content_type == "image/jpeg"
        assert seen[-1] == ("127.0.0.1", False)
        wrong = make(session, "wrong")
        with pytest.raises(AuthenticationError):
            await wrong.async_fetch_media(url)


async def test_media_streams_in_chunks_on_every_client(
    angelcam: AngelcamClient,
    novavms: NovaVMSClient,
    opencamera: OpenCameraClient,
    stack: SimulatorStack,
    clock: SimClock,
) -> None:
    recording = recordings_of(stack, 1)[0]
    stream = await angelcam.async_playback_stream(recording, clock() - timedelta(hours=1))
    async with angelcam.async_open_media(stream.url) as media:
        assert media.content_type == HLS
        assert b"#EXTM3U" in b"".join([chunk async for chunk in media.chunks])
    camera_id = next(iter(stack.novavms.state.cameras))
    event = await novavms.async_fetch_event(stack.novavms.state.fire_event(camera_id).id)
    assert event.clip_url is not None
    size, body = await read_all(novavms, event.clip_url)
    assert (size, body[0]) == (len(body), TS_SYNC)
    # OpenCamera: the device's own URL carries the token (a login first), others do not.
    start = clock() - timedelta(hours=1)
    vod = f"media/vod/{start:%Y-%m-%dT%H:%M:%SZ}/{start + timedelta(seconds=4):%Y-%m-%dT%H:%M:%SZ}"
    assert stack.opencamera is not None
    async with opencamera.async_open_media(f"{stack.opencamera.url}/api/v1/{vod}") as video:
        assert (await anext(video.chunks))[0] == TS_SYNC
    assert event.snapshot_url is not None
    async with opencamera.async_open_media(event.snapshot_url) as picture:
        assert picture.content_type == "image/jpeg"
    # A body that breaks off while it is read is an UnavailableError like any other.
    stack.novavms.faults.add("truncated", count=1, path_prefix="/storage/")
    with pytest.raises(UnavailableError):
        await read_all(novavms, event.clip_url)
