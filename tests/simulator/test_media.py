"""Tests of generated media: JPEG snapshots, H.264 MPEG-TS/HLS, the aiortc video track."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import io

import aiohttp
from aiohttp import web
import av
from PIL import Image

from simulator.media import ClockVideoTrack, HlsSource, jpeg_frame

from .conftest import START, Serve


def decode(data: bytes) -> list[av.VideoFrame]:
    """Decode every video frame of an MPEG-TS byte string."""
    with av.open(io.BytesIO(data), format="mpegts") as container:
        return list(container.decode(video=0))


def test_jpeg_frame_is_real_and_changes_per_second() -> None:
    """Snapshots are JPEGs of the asked size, equal within a second, different across seconds."""
    first = jpeg_frame("Lobby", START)
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "JPEG"
        assert image.size == (640, 360)
    assert jpeg_frame("Lobby", START + timedelta(milliseconds=500)) == first
    assert jpeg_frame("Lobby", START + timedelta(seconds=1)) != first
    assert jpeg_frame("Parking", START) != first
    with Image.open(io.BytesIO(jpeg_frame("Lobby", START, 160, 90))) as small:
        assert small.size == (160, 90)


def test_segment_is_h264_mpegts_starting_with_keyframe() -> None:
    """A segment decodes to segment_seconds * fps frames and starts with a key frame."""
    source = HlsSource("Lobby", now=lambda: START)
    data = source.segment(START)
    assert data[0] == 0x47  # MPEG-TS sync byte
    with av.open(io.BytesIO(data), format="mpegts") as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        packets = [p for p in container.demux(stream) if p.size]
    assert packets[0].is_keyframe
    frames = decode(data)
    assert len(frames) == source.segment_seconds * source.fps
    assert (frames[0].width, frames[0].height) == (320, 180)
    assert source.segment(source.index_at(START)) is data  # served from the cache


def test_playlists_live_and_vod() -> None:
    """The live playlist is a sliding window; a recording playlist is VOD from a position."""
    source = HlsSource("Lobby", now=lambda: START)
    now_index = source.index_at(START)
    live = source.playlist(count=3)
    assert live.startswith("#EXTM3U\n")
    assert f"#EXT-X-MEDIA-SEQUENCE:{now_index - 3}" in live
    assert "#EXT-X-ENDLIST" not in live
    assert live.count("#EXTINF:2.000,") == 3
    assert f"{now_index - 1}.ts" in live
    assert f"{now_index}.ts" not in live  # the current segment is not complete yet
    start = START - timedelta(hours=1)
    vod = source.playlist(start, count=2, uri=lambda i: f"/rec/{i}.ts")
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in vod
    assert vod.rstrip().endswith("#EXT-X-ENDLIST")
    assert f"/rec/{source.index_at(start) + 1}.ts" in vod
    assert source.start_of(source.index_at(start)) <= start


def test_range_concatenates_segments() -> None:
    """A time range is its segments back to back, capped to max_seconds."""
    source = HlsSource("Yard", now=lambda: START)
    data = source.range(START - timedelta(seconds=6), START - timedelta(seconds=1))
    assert len(decode(data)) == 3 * source.segment_seconds * source.fps
    capped = source.range(START - timedelta(hours=1), START, max_seconds=4)
    assert len(decode(capped)) == 2 * source.segment_seconds * source.fps


def read_hls(url: str, wanted: int) -> list[tuple[int, int]]:
    """Open an HLS URL with PyAV (FFmpeg's HLS demuxer) and decode ``wanted`` frames."""
    sizes = []
    with av.open(url, timeout=10) as container:
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
            if len(sizes) == wanted:
                break
    return sizes


async def test_pyav_reads_live_and_recorded_hls_over_http(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    """A real HLS reader decodes frames from the live window and from a recording."""
    source = HlsSource("Lobby", now=lambda: START)
    recording_start = START - timedelta(minutes=30)

    async def playlist(request: web.Request) -> web.Response:
        start = recording_start if request.match_info["kind"] == "rec" else None
        return web.Response(
            text=source.playlist(start, count=3), content_type="application/vnd.apple.mpegurl"
        )

    async def segment(request: web.Request) -> web.Response:
        data = source.segment(int(request.match_info["index"]))
        return web.Response(body=data, content_type="video/mp2t")

    app = web.Application()
    app.add_routes(
        [
            web.get("/{kind}/index.m3u8", playlist),
            web.get("/{kind}/{index:\\d+}.ts", segment),
        ]
    )
    url = await serve(app)
    async with session.get(f"{url}/live/index.m3u8") as response:
        assert response.status == 200
    wanted = 2 * source.segment_seconds * source.fps
    async with asyncio.timeout(30):
        live = await asyncio.to_thread(read_hls, f"{url}/live/index.m3u8", wanted)
        recorded = await asyncio.to_thread(read_hls, f"{url}/rec/index.m3u8", wanted)
    assert live == [(320, 180)] * wanted
    assert recorded == [(320, 180)] * wanted


async def test_video_track_produces_paced_frames() -> None:
    """The aiortc track yields frames of its size with increasing 90 kHz timestamps."""
    track = ClockVideoTrack("Lobby", now=lambda: START, fps=50, width=160, height=120)
    frames = [await track.recv() for _ in range(3)]
    track.stop()
    assert [f.pts for f in frames] == [0, 1800, 3600]
    assert (frames[0].width, frames[0].height) == (160, 120)
