"""Real generated media: JPEG snapshots, H.264 MPEG-TS/HLS segments and an aiortc video track.

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


@functools.lru_cache(maxsize=256)
def draw_image(title: str, second: int, width: int, height: int) -> Image.Image:
    """Draw the picture of ``title`` at Unix ``second`` (cached: it only changes per second)."""
    background = BACKGROUNDS[sum(title.encode()) % len(BACKGROUNDS)]
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    size = max(10, height // 10)
    clock = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    draw.text((size // 2, size // 2), title, fill=(255, 255, 255), font=_font(size))
    draw.text((size // 2, height - 2 * size), clock, fill=(255, 230, 120), font=_font(size))
    # A marker that moves every second makes consecutive frames differ visibly.
    x = (second % 10) * (width - size) // 10
    draw.rectangle((x, height // 2 - size // 2, x + size, height // 2 + size // 2), fill="red")
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
