"""Stills we make: the newest frame of a recording, and the "no picture yet" drawing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
import io

import av
from PIL import Image
import pytest

from custom_components.camhub.providers.errors import ProtocolError
from custom_components.camhub.stills import newest_frame_jpeg, placeholder_jpeg
from simulator.media import HlsSource

MOMENT = datetime(2026, 4, 21, 12, 0, 0, tzinfo=UTC)


def _recording() -> bytes:
    """Six seconds as the simulated device records them: three segments, a key frame each."""
    return HlsSource("Porch").range(MOMENT, MOMENT + timedelta(seconds=6))


def _remux(video: bytes, keep: object) -> bytes:
    """The recording with only the video packets `keep(packet)` accepts."""
    out = io.BytesIO()
    with (
        av.open(io.BytesIO(video), mode="r") as source,
        av.open(out, mode="w", format="mpegts") as sink,
    ):
        stream = source.streams.video[0]
        # PyAV 13 (the minimum lane) names it add_stream(template=...).
        from_template = getattr(sink, "add_stream_from_template", None)
        if from_template is not None:
            target = from_template(stream)
        else:
            target = sink.add_stream(template=stream)  # type: ignore[call-overload]
        for packet in source.demux(stream):
            if packet.size and keep(packet):  # type: ignore[operator]
                packet.stream = target
                sink.mux(packet)
    return out.getvalue()


def test_newest_frame_is_decoded_from_the_last_key_frame() -> None:
    still = Image.open(io.BytesIO(newest_frame_jpeg(_recording())))
    assert still.format == "JPEG"
    assert still.size == (320, 180)


def test_not_a_recording_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="cannot be decoded"):
        newest_frame_jpeg(b"<html>not video</html>" * 50)


def test_recording_without_video_is_a_protocol_error() -> None:
    out = io.BytesIO()
    with av.open(out, mode="w", format="mpegts") as container:
        stream = container.add_stream("mp2", rate=48000)
        frame = av.AudioFrame(format="s16", layout="stereo", samples=1152)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.time_base = 48000, Fraction(1, 48000)
        for index in range(3):
            frame.pts = index * 1152
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(ProtocolError, match="no video"):
        newest_frame_jpeg(out.getvalue())


def test_recording_without_key_frame_is_a_protocol_error() -> None:
    cut = _remux(_recording(), lambda packet: not packet.is_keyframe)
    with pytest.raises(ProtocolError, match="no key frame"):
        newest_frame_jpeg(cut)


def test_placeholder_is_a_picture_drawn_once() -> None:
    assert placeholder_jpeg() is placeholder_jpeg()
    picture = Image.open(io.BytesIO(placeholder_jpeg()))
    assert picture.format == "JPEG"
    assert picture.size == (640, 360)
