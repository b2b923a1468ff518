"""No credential leaves the configured origin: each client against its simulator and 127.0.0.2.

The simulator's `off_origin` fault moves every URL in its answers (pagination `next`, stream
info, playback controls, snapshots, clips, storage URLs) to a real listener on 127.0.0.2
that records request headers. Lists stop at the first off-origin link and keep what was
read; signed media still downloads there, without our credentials; credentialed calls to
another origin are refused with OffOriginError naming the field.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
import logging

import pytest

from custom_components.camhub.providers import AngelcamClient, NovaVMSClient, OpenCameraClient
from custom_components.camhub.providers.errors import OffOriginError
from simulator.control import SimClock
from simulator.stack import SimulatorStack
from tests.two_hosts import JPEG, Elsewhere, serve_elsewhere

from .angelcam.test_client import roomy_budget
from .conftest import Factory


@pytest.fixture
async def elsewhere() -> AsyncIterator[Elsewhere]:
    """The second origin on 127.0.0.2."""
    async with serve_elsewhere() as running:
        yield running


@pytest.fixture
def angelcam(
    make_angelcam: Factory[AngelcamClient], stack: SimulatorStack, clock: SimClock
) -> AngelcamClient:
    """Alice's client with room for many calls in one test."""
    return make_angelcam(budget=roomy_budget(clock))


def move_off_origin(stack: SimulatorStack, vendor: str, prefix: str, elsewhere: Elsewhere) -> None:
    """From now on the vendor's answers name `elsewhere` for every URL of their own."""
    stack.faults[vendor].add("off_origin", path_prefix=prefix, origin=elsewhere.origin)


def off_origin_warnings(caplog: pytest.LogCaptureFixture, field: str) -> list[str]:
    """The warnings that a server's `field` pointed elsewhere."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and f"server's {field} points to" in r.getMessage()
    ]


async def test_angelcam_off_origin_next_ends_the_list_and_is_never_sent_the_token(
    angelcam: AngelcamClient,
    stack: SimulatorStack,
    clock: SimClock,
    elsewhere: Elsewhere,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = await angelcam.async_fetch_snapshot_state()
    move_off_origin(stack, "angelcam", "/v1/", elsewhere)
    caplog.set_level(logging.WARNING)

    after = await angelcam.async_fetch_snapshot_state()
    await angelcam.async_fetch_cameras()

    assert sorted(after.cameras) == sorted(before.cameras), "the first pages are kept"
    assert sorted(after.sites) == sorted(before.sites)
    assert elsewhere.seen == [], "an off-origin next is never followed"
    warnings = off_origin_warnings(caplog, "next")
    assert len(warnings) == 1, "logged once per field and origin"
    assert elsewhere.origin.removeprefix("http://") in warnings[0]
    assert "?" not in warnings[0], "no query string (it may hold a token) in the log"


async def test_angelcam_media_elsewhere_is_fetched_without_the_token(
    angelcam: AngelcamClient,
    stack: SimulatorStack,
    clock: SimClock,
    elsewhere: Elsewhere,
) -> None:
    move_off_origin(stack, "angelcam", "/v1/", elsewhere)

    # Live snapshot, recorded snapshot and clip download: documented tokenised URLs.
    assert await angelcam.async_camera_image(1) == JPEG
    recording = (await angelcam.async_fetch_recordings(1))[0]
    assert await angelcam.async_recording_snapshot(recording.id, clock() - timedelta(hours=1))
    download = await angelcam.async_recording_download_url(
        recording.id, clock() - timedelta(hours=2), clock() - timedelta(hours=1)
    )
    assert download.startswith(elsewhere.origin)
    assert (await angelcam.async_fetch_media(download)).content == JPEG
    clip = await angelcam.async_create_clip(
        1, name="Door", start=clock() - timedelta(hours=2), end=clock() - timedelta(hours=1)
    )
    assert clip.download_url is not None
    assert clip.download_url.startswith(elsewhere.origin)
    async with angelcam.async_open_media(clip.download_url) as media:
        assert b"".join([chunk async for chunk in media.chunks]) == JPEG

    assert len(elsewhere.seen) == 4
    assert elsewhere.credentials == []


async def test_angelcam_stream_info_elsewhere_is_refused_controls_go_without_auth(
    angelcam: AngelcamClient,
    stack: SimulatorStack,
    clock: SimClock,
    elsewhere: Elsewhere,
) -> None:
    recording = (await angelcam.async_fetch_recordings(1))[0]
    move_off_origin(stack, "angelcam", "/v1/", elsewhere)
    stream = await angelcam.async_playback_stream(recording.id, clock() - timedelta(hours=2))
    assert stream.controls is not None
    assert stream.info_url is not None
    assert stream.info_url.startswith(elsewhere.origin)

    # The streamer's controls take no auth (`security: []`): they work elsewhere, bare.
    position = await angelcam.async_playback_position(stream)
    assert position.speed == 1
    await angelcam.async_playback_control(stream, "pause")
    await angelcam.async_playback_control(stream, "play")
    await angelcam.async_playback_speed(stream, 2)
    assert [seen.method for seen in elsewhere.seen] == ["GET", "POST", "POST", "POST"]

    # The deprecated info URL needs the token: on another origin it is refused, unsent.
    with pytest.raises(OffOriginError, match="stream_info") as refused:
        await angelcam.async_playback_position(replace(stream, controls=None))
    assert refused.value.field == "stream_info"
    assert len(elsewhere.seen) == 4
    assert elsewhere.credentials == []


async def test_novavms_storage_urls_elsewhere_are_fetched_without_the_key(
    novavms: NovaVMSClient, stack: SimulatorStack, elsewhere: Elsewhere
) -> None:
    state = stack.novavms.state
    camera = next(iter(state.cameras))
    fired = state.fire_event(camera, "motion")
    move_off_origin(stack, "novavms", "/api/v1/", elsewhere)

    assert await novavms.async_camera_image(camera) == JPEG
    event = await novavms.async_fetch_event(fired.id)
    assert event.clip_url is not None
    assert event.clip_url.startswith(elsewhere.origin)
    async with novavms.async_open_media(event.clip_url) as media:
        assert b"".join([chunk async for chunk in media.chunks]) == JPEG
    # Cursor pages are query values to our own API, never a URL to follow.
    assert await novavms.async_fetch_cameras()

    assert len(elsewhere.seen) == 2
    assert elsewhere.credentials == []


async def test_opencamera_token_stays_on_the_device(
    opencamera: OpenCameraClient, stack: SimulatorStack, elsewhere: Elsewhere
) -> None:
    await opencamera.async_fetch_device_info()
    url = elsewhere.url("/media/clip.jpg?sig=abc")
    assert (await opencamera.async_fetch_media(url)).content == JPEG
    async with opencamera.async_open_media(url) as media:
        assert b"".join([chunk async for chunk in media.chunks]) == JPEG
    assert len(elsewhere.seen) == 2
    assert elsewhere.credentials == []
