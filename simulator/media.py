"""Real generated media: JPEG snapshots, H.264 MPEG-TS/HLS segments, MP4 files, a WebRTC track.

Every picture shows the camera name and the clock, so consumers can tell cameras and moments
apart. Encoding costs CPU (the machine is shared), so segments are small (320x180, 5 fps by
default), each segment is encoded on its own (it starts with a key frame, so any segment plays
alone) and encoded segments are kept in an LRU cache shared by every ``HlsSource``.

Segments are addressed by an absolute index: segment ``i`` covers the UTC instants
``[i * segment_seconds, (i + 1) * segment_seconds)`` since the Unix epoch, so a live playlist and
a recording playlist of the same camera name refer to the same segment bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
import functools
import io
import math
import time
from typing import Final

from aiortc import VideoStreamTrack
import av
from PIL import Image, ImageDraw, ImageFont

from simulator.control import utcnow

SEGMENT_CACHE_SIZE: Final = 128
VIDEO_CLOCK_RATE: Final = 90000
BACKGROUNDS: Final = ((28, 60, 96), (80, 40, 90), (30, 90, 60), (100, 70, 30), (60, 60, 60))

# Older PyAV builds let libx264 print its statistics for every encoded segment.
av.logging.set_level(av.logging.ERROR)


# PyAV leaves from_image unannotated; naming its type here keeps callers type-checked.
to_frame: Callable[[Image.Image], av.VideoFrame] = av.VideoFrame.from_image


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


@functools.lru_cache(maxsize=32)
def draw_scene(title: str, width: int, height: int) -> Image.Image:
    """The still part of a camera's picture: sky, ground, a building and a tree.

    Each camera (by title) gets its own palette and layout, so pictures look like places
    and tell cameras apart; drawn once per camera and size.
    """
    seed = sum(title.encode())
    tint = BACKGROUNDS[seed % len(BACKGROUNDS)]
    horizon = height * (55 + seed % 15) // 100
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    sky_top, sky_low = _mix(tint, (10, 20, 40), 0.5), _mix(tint, (200, 210, 230), 0.6)
    for y in range(horizon):
        draw.line((0, y, width, y), fill=_mix(sky_top, sky_low, y / max(1, horizon)))
    ground_near, ground_far = (40, 45, 40), _mix(tint, (90, 100, 80), 0.7)
    for y in range(horizon, height):
        t = (y - horizon) / max(1, height - horizon)
        draw.line((0, y, width, y), fill=_mix(ground_far, ground_near, t))
    # A road in perspective, a building with lit windows and a tree.
    mid = width * (30 + seed % 40) // 100
    draw.polygon(
        [
            (mid - width // 40, horizon),
            (mid + width // 40, horizon),
            (mid + width // 3, height),
            (mid - width // 3, height),
        ],
        fill=(70, 70, 75),
    )
    bx, bw, bh = width * (55 + seed % 20) // 100, width // 4, height // 3
    draw.rectangle((bx, horizon - bh, bx + bw, horizon), fill=_mix(tint, (120, 110, 100), 0.6))
    draw.polygon(
        [
            (bx - width // 40, horizon - bh),
            (bx + bw // 2, horizon - bh - height // 8),
            (bx + bw + width // 40, horizon - bh),
        ],
        fill=(90, 50, 45),
    )
    pane = max(2, width // 40)
    for row in range(2):
        for col in range(3):
            x = bx + pane + col * (bw - pane) // 3
            y = horizon - bh + pane + row * bh // 2
            lit = (seed + row * 3 + col) % 3 != 0
            draw.rectangle(
                (x, y, x + pane * 2, y + pane * 2), fill=(240, 220, 140) if lit else (40, 50, 60)
            )
    tx = width * (8 + seed % 15) // 100
    draw.rectangle(
        (tx - pane // 2, horizon - height // 10, tx + pane // 2, horizon + pane), fill=(80, 55, 35)
    )
    draw.ellipse(
        (tx - width // 14, horizon - height // 4, tx + width // 14, horizon - height // 14),
        fill=(40, 100 + seed % 60, 50),
    )
    return image


@functools.lru_cache(maxsize=256)
def draw_image(title: str, second: int, width: int, height: int) -> Image.Image:
    """Draw the picture of ``title`` at Unix ``second`` (cached: it only changes per second).

    The camera name and the clock sit along the top, away from where dashboards put a card's
    own name (the bottom); something moves along the road so consecutive seconds differ.
    """
    image = draw_scene(title, width, height).copy()
    draw = ImageDraw.Draw(image)
    size = max(10, height // 12)
    clock = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S")
    margin = size // 2
    font = _font(size)
    clock_width = draw.textlength(clock, font=font)
    draw.rectangle((0, 0, width, size + margin), fill=(0, 0, 0))
    draw.text((margin, margin // 2), title, fill=(255, 255, 255), font=font)
    draw.text((width - margin - clock_width, margin // 2), clock, fill=(255, 230, 120), font=font)
    # A car crossing the picture: one step a second, ten steps across.
    x = (second % 10) * (width + size * 2) // 10 - size
    y = height * 4 // 5
    draw.rectangle((x, y - size // 2, x + size * 2, y + size // 3), fill=(200, 30, 30))
    draw.rectangle((x + size // 3, y - size, x + size * 3 // 2, y - size // 2), fill=(150, 20, 20))
    return image


def jpeg_frame(title: str, when: datetime, width: int = 640, height: int = 360) -> bytes:
    """Return a JPEG showing ``title`` and the clock at ``when`` (different per second)."""
    return _jpeg(title, math.floor(when.timestamp()), width, height)


@functools.lru_cache(maxsize=64)
def _jpeg(title: str, second: int, width: int, height: int) -> bytes:
    out = io.BytesIO()
    draw_image(title, second, width, height).save(out, format="JPEG", quality=70)
    return out.getvalue()


@functools.lru_cache(maxsize=SEGMENT_CACHE_SIZE)
def encode_segment(
    title: str, index: int, *, seconds: int, fps: int, width: int, height: int
) -> bytes:
    """Encode segment ``index`` (``seconds`` long) as H.264 in MPEG-TS."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        # One closed GOP per segment: every segment starts with an IDR frame.
        stream.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "crf": "30",
            "g": str(seconds * fps),
        }
        stream.codec_context.time_base = Fraction(1, fps)
        first = index * seconds * fps
        for offset in range(seconds * fps):
            frame = to_frame(draw_image(title, (first + offset) // fps, width, height))
            frame.pts = first + offset
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def encode_mp4(
    title: str, first_second: int, *, seconds: int, fps: int, width: int, height: int
) -> bytes:
    """Encode ``seconds`` of the picture from Unix ``first_second`` as H.264 in MP4.

    Fragmented, with the index (moov) first: a browser plays it while it downloads, and
    it can be written to memory (a fast-start file needs a second pass over a real file).
    """
    out = io.BytesIO()
    with av.open(
        out,
        mode="w",
        format="mp4",
        options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
    ) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "30"}
        stream.codec_context.time_base = Fraction(1, fps)
        for offset in range(seconds * fps):
            frame = to_frame(draw_image(title, first_second + offset // fps, width, height))
            frame.pts = offset
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


class HlsSource:
    """Live (sliding window) and recorded (VOD) HLS of one generated camera picture."""

    def __init__(
        self,
        title: str,
        *,
        now: Callable[[], datetime] = utcnow,
        segment_seconds: int = 2,
        fps: int = 5,
        width: int = 320,
        height: int = 180,
    ) -> None:
        """Describe the stream; nothing is encoded until a segment is asked for."""
        self.title = title
        self.now = now
        self.segment_seconds = segment_seconds
        self.fps = fps
        self.width = width
        self.height = height

    def index_at(self, when: datetime) -> int:
        """Return the index of the segment covering ``when``."""
        return math.floor(when.timestamp()) // self.segment_seconds

    def start_of(self, index: int) -> datetime:
        """Return the UTC start time of segment ``index``."""
        return datetime.fromtimestamp(index * self.segment_seconds, UTC)

    def playlist(
        self,
        start: datetime | None = None,
        *,
        count: int = 3,
        uri: Callable[[int], str] = "{}.ts".format,
    ) -> str:
        """Return an M3U8 playlist of ``count`` segments.

        ``start=None`` gives the live window: the ``count`` newest complete segments, no end tag.
        A ``start`` gives a recording from that position (VOD, ``#EXT-X-ENDLIST``).
        ``uri`` maps a segment index to its URI (relative to the playlist or absolute).
        """
        if start is None:
            first = self.index_at(self.now()) - count
            head = []
        else:
            first = self.index_at(start)
            head = ["#EXT-X-PLAYLIST-TYPE:VOD"]
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{self.segment_seconds}",
            f"#EXT-X-MEDIA-SEQUENCE:{first}",
            *head,
        ]
        for index in range(first, first + count):
            lines += [f"#EXTINF:{self.segment_seconds:.3f},", uri(index)]
        if start is not None:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    def segment(self, index: int | datetime) -> bytes:
        """Return the MPEG-TS bytes of a segment, by index or by a time inside it."""
        if isinstance(index, datetime):
            index = self.index_at(index)
        return encode_segment(
            self.title,
            index,
            seconds=self.segment_seconds,
            fps=self.fps,
            width=self.width,
            height=self.height,
        )

    def range(self, start: datetime, end: datetime, *, max_seconds: int = 60) -> bytes:
        """Return one MPEG-TS covering ``start``..``end`` (capped to ``max_seconds``).

        Concatenated MPEG-TS segments form a valid transport stream, so a download of a time
        range is simply its segments back to back.
        """
        end = min(end, start + timedelta(seconds=max_seconds))
        first, last = self.index_at(start), self.index_at(end - timedelta(microseconds=1))
        return b"".join(self.segment(i) for i in range(first, max(first, last) + 1))

    def mp4(self, start: datetime, end: datetime, *, max_seconds: int = 60) -> bytes:
        """Return one MP4 file of ``start``..``end`` (capped to ``max_seconds``)."""
        seconds = max(1, min(max_seconds, math.ceil((end - start).total_seconds())))
        return encode_mp4(
            self.title,
            math.floor(start.timestamp()),
            seconds=seconds,
            fps=self.fps,
            width=self.width,
            height=self.height,
        )


class ClockVideoTrack(VideoStreamTrack):
    """aiortc video track showing ``title`` and the clock, at ``fps`` frames per second."""

    def __init__(
        self,
        title: str,
        *,
        now: Callable[[], datetime] = utcnow,
        fps: int = 10,
        width: int = 320,
        height: int = 240,
    ) -> None:
        """Create the track; frames are drawn lazily as the peer connection asks for them."""
        super().__init__()
        self.title = title
        self.now = now
        self.fps = fps
        self.width = width
        self.height = height
        self._pts = 0
        self._started: float | None = None

    async def recv(self) -> av.VideoFrame:
        """Return the next frame, paced to ``fps`` in real time (aiortc's contract)."""
        if self._started is None:
            self._started = time.monotonic()
        else:
            self._pts += VIDEO_CLOCK_RATE // self.fps
            due = self._started + self._pts / VIDEO_CLOCK_RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        second = math.floor(self.now().timestamp())
        frame = to_frame(draw_image(self.title, second, self.width, self.height))
        frame.pts = self._pts
        frame.time_base = Fraction(1, VIDEO_CLOCK_RATE)
        return frame
