"""Angelcam simulator: live HLS/MJPEG/snapshots with expiring tokens, decoded by real readers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import io
import threading
from typing import Any

import av
from PIL import Image
import pytest
from yarl import URL

from .angelcam_support import Angel


async def in_thread[T](work: Callable[[], T]) -> T:
    """Run blocking work (FFmpeg's own HTTP client) on a thread that is gone afterwards."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting test
            loop.call_soon_threadsafe(done.set_exception, exc)
        else:
            loop.call_soon_threadsafe(done.set_result, result)

    thread = threading.Thread(target=run, name="pyav-reader")
    thread.start()
    try:
        return await done
    finally:
        thread.join()


def first_frame(url: str) -> tuple[int, int]:
    """Open an HLS URL with PyAV (FFmpeg) and decode one video frame; return its size."""
    with av.open(url, timeout=20) as container:
        for frame in container.decode(video=0):
            return frame.width, frame.height
    raise AssertionError("no frame decoded")


async def camera(angel: Angel, camera_id: int = 1, **params: str) -> dict[str, Any]:
    """Fetch a camera through the validating client."""
    reply = await angel.api.get(f"/v1/cameras/{camera_id}/", params=params or None)
    assert reply.status == 200
    body: dict[str, Any] = reply.body
    return body


def hls_url(body: dict[str, Any]) -> str:
    """The HLS stream URL of a camera body."""
    return next(s["url"] for s in body["streams"] if s["format"] == "hls")


async def test_pyav_decodes_the_live_stream(angel: Angel) -> None:
    """A real HLS reader plays the live stream over HTTP."""
    url = hls_url(await camera(angel))
    assert await in_thread(lambda: first_frame(url)) == (320, 180)
    segments = angel.log.select("angelcam", path_prefix="/stream/1/segment/")
    assert segments
    assert all(r.status == 200 for r in segments)


async def test_expired_token_answers_301_to_a_fresh_url(angel: Angel) -> None:
    """HLS checks its token on every request; after expiry it redirects permanently."""
    url = hls_url(await camera(angel))
    fresh = await angel.api.get(url, auth=False)
    assert fresh.status == 200
    segment_uri = next(line for line in fresh.raw.decode().splitlines() if line[0] != "#")
    old_segment = str(URL(url).join(URL(segment_uri)))
    angel.clock.advance(5 * 60 + 1)
    moved = await angel.api.get(url, auth=False, allow_redirects=False)
    assert moved.status == 301
    location = moved.headers["Location"]
    assert URL(location).path == URL(url).path
    assert URL(location).query["token"] != URL(url).query["token"]
    followed = await angel.api.get(location, auth=False)
    assert followed.status == 200
    assert URL(location).query["token"] in followed.raw.decode()
    assert (await angel.api.get(old_segment, auth=False, allow_redirects=False)).status == 301
    # A URL kept for longer than the grace period is refused, as players that ignore 301 see.
    angel.clock.advance(3600)
    stale = await angel.api.get(url, auth=False, allow_redirects=False)
    assert stale.status == 401
    assert stale.body["title"] == "not_authenticated"


async def test_pyav_follows_the_redirect(angel: Angel) -> None:
    """An expired URL still plays: FFmpeg follows the 301 to the fresh token."""
    url = hls_url(await camera(angel))
    angel.clock.advance(6 * 60)
    assert await in_thread(lambda: first_frame(url)) == (320, 180)
    assert (
        angel.log.count(vendor="angelcam", path_prefix="/stream/1/playlist.m3u8", status=301) >= 1
    )


@pytest.mark.parametrize("token", ["", "nonsense", "1999999999.0123456789abcdef0123456789abcdef"])
async def test_forged_tokens_answer_401(angel: Angel, token: str) -> None:
    """Tokens are signed: a made-up one is refused."""
    reply = await angel.api.get(f"{angel.origin}/stream/1/playlist.m3u8?token={token}", auth=False)
    assert reply.status == 401


async def test_segments_outside_the_window_are_gone(angel: Angel) -> None:
    """Only recent live segments are served."""
    url = URL(hls_url(await camera(angel)))
    token = url.query["token"]
    base = f"{angel.origin}/stream/1/segment"
    for index in ("0", "99999999999", "x"):
        reply = await angel.api.get(f"{base}/{index}.ts?token={token}", auth=False)
        assert reply.status == 404


async def test_live_snapshot_is_a_jpeg_drawn_per_request(angel: Angel) -> None:
    """live_snapshot serves a real JPEG, sized by max_width/max_height, new every second."""
    body = await camera(angel)
    first = await angel.api.get(body["live_snapshot"], auth=False)
    assert first.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(first.raw)).size == (640, 360)
    angel.clock.advance(1)
    second = await angel.api.get(body["live_snapshot"], auth=False)
    assert second.raw != first.raw
    small = await camera(angel, max_width="320", max_height="320")
    reply = await angel.api.get(small["live_snapshot"], auth=False)
    assert Image.open(io.BytesIO(reply.raw)).size == (320, 180)


async def test_stored_snapshot(angel: Angel) -> None:
    """snapshot.url serves the stored JPEG without auth."""
    body = await camera(angel)
    reply = await angel.api.get(body["snapshot"]["url"], auth=False)
    assert reply.status == 200
    assert Image.open(io.BytesIO(reply.raw)).format == "JPEG"
    missing = await angel.api.get(f"{angel.origin}/snapshots/999/1.jpg", auth=False)
    assert missing.status == 404
    bad = await angel.api.get(f"{angel.origin}/snapshots/1/x.jpg", auth=False)
    assert bad.status == 404


async def test_offline_camera(angel: Angel) -> None:
    """Offline: no live snapshot, and the stream server answers 502 bad_gateway."""
    url = hls_url(await camera(angel))
    angel.state.set_camera_online(1, online=False)
    body = await camera(angel)
    assert body["status"] == "offline"
    assert body["live_snapshot"] is None
    reply = await angel.api.get(url, auth=False)
    assert reply.status == 502
    assert reply.body == {"title": "bad_gateway", "detail": "Camera is offline.", "status": 502}


async def test_mjpeg_streams_jpeg_frames_until_expiry(angel: Angel) -> None:
    """MJPEG sends multipart JPEG frames and stops when stream_expires_at passes."""
    body = await camera(angel, stream_expires_at="2026-04-21T12:00:05Z", refresh_rate="5")
    url = next(s["url"] for s in body["streams"] if s["format"] == "mjpeg")
    async with angel.api.session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        head = await response.content.readuntil(b"\r\n\r\n")
        assert b"Content-Type: image/jpeg" in head
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        frame = await response.content.readexactly(length)
        assert Image.open(io.BytesIO(frame)).format == "JPEG"
        angel.clock.advance(10)
        # Reading to the end returns only because the stream ends itself after the expiry.
        rest = await response.read()
    assert rest.count(b"--angelcamframe") == rest.count(b"Content-Type: image/jpeg")
    after = await angel.api.get(url, auth=False)
    assert after.status == 404


async def test_mjpeg_camera_and_disconnect(angel: Angel) -> None:
    """An MJPEG-only camera streams; a client leaving mid-stream ends the handler."""
    body = await camera(angel, 3)
    url = body["streams"][0]["url"]
    async with angel.api.session.get(url) as response:
        assert await response.content.readuntil(b"\r\n\r\n")
    bad_rate = await angel.api.get(url + "&refresh_rate=fast", auth=False)
    assert bad_rate.status == 400
    assert bad_rate.body["detail"] == {"refresh_rate": ["A valid number is required."]}


async def test_unknown_camera_stream(angel: Angel) -> None:
    """Stream URLs of unknown cameras are 404."""
    for path in ("/stream/999/playlist.m3u8", "/stream/abc/snapshot.jpg"):
        assert (await angel.api.get(angel.origin + path, auth=False)).status == 404
