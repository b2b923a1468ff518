"""Still pictures we make ourselves: a frame decoded from recorded video, and "no picture yet"."""

from __future__ import annotations

from collections.abc import Callable
import functools
import io
import math
from typing import Final

import av
from av.error import FFmpegError
from PIL import Image, ImageDraw

from .providers.errors import ProtocolError

JPEG_QUALITY: Final = 80
PLACEHOLDER_SIZE: Final = (640, 360)

# PyAV leaves to_image unannotated; naming its type here keeps callers type-checked.
to_image: Callable[[av.VideoFrame], Image.Image] = av.VideoFrame.to_image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def newest_frame_jpeg(video: bytes) -> bytes:
    """The newest picture of a recorded video (MPEG-TS, MP4, ...) as a JPEG.

    Only the packets from the last key frame on are decoded: one picture's worth of work,
    however long the recording is. Blocking: run it in the executor.
    """
    try:
        with av.open(io.BytesIO(video), mode="r") as container:
            if not container.streams.video:
                raise ProtocolError("the recording has no video")
            stream = container.streams.video[0]
            packets = [packet for packet in container.demux(stream) if packet.size]
            keys = [i for i, packet in enumerate(packets) if packet.is_keyframe]
            if not keys:
                raise ProtocolError("the recording has no key frame")
            codec = stream.codec_context
            picture: av.VideoFrame | None = None
            # Nothing before the last key frame was decoded: the decoder starts fresh there.
            for packet in [*packets[keys[-1] :], None]:
                for frame in codec.decode(packet):
                    picture = frame
            if picture is None:
                raise ProtocolError("no picture could be decoded from the recording")
            return _jpeg(to_image(picture))
    except FFmpegError as err:
        # FFmpeg's message names the codec or container problem, never a URL or a secret.
        raise ProtocolError(f"the recording cannot be decoded: {err}") from None


@functools.cache
def placeholder_jpeg() -> bytes:
    """A picture that says "no picture yet" without words: a camera, struck through.

    Drawn once. Words would need a translation per language; a crossed-out camera on a
    calm gradient reads the same everywhere and is plainly not a broken image.
    """
    width, height = PLACEHOLDER_SIZE
    image = Image.new("RGB", PLACEHOLDER_SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = 40 + math.floor(40 * y / height)
        draw.line((0, y, width, y), fill=(shade, shade + 6, shade + 16))
    cx, cy, unit = width // 2, height // 2, height // 12
    grey = (190, 196, 206)
    # Camera body, lens and viewfinder hump.
    draw.rounded_rectangle(
        (cx - 3 * unit, cy - 2 * unit, cx + 3 * unit, cy + 2 * unit), radius=unit // 2, fill=grey
    )
    draw.rectangle((cx - unit, cy - 3 * unit, cx + unit, cy - 2 * unit), fill=grey)
    draw.ellipse(
        (cx - int(1.3 * unit), cy - int(1.3 * unit), cx + int(1.3 * unit), cy + int(1.3 * unit)),
        fill=(60, 66, 80),
    )
    draw.ellipse((cx - unit // 2, cy - unit // 2, cx + unit // 2, cy + unit // 2), fill=grey)
    # The strike: no picture from this camera yet.
    draw.line(
        (cx - 4 * unit, cy + 4 * unit, cx + 4 * unit, cy - 4 * unit),
        fill=(230, 90, 80),
        width=max(3, unit // 2),
    )
    return _jpeg(image)
