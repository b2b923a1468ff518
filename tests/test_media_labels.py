"""Labels a person reads in the media browser: periods, a day's stretches, device models."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.camhub.media_source import day_span, readable_period
from custom_components.camhub.providers.angelcam.map import camera_model
from custom_components.camhub.providers.model import DeviceInfo, Segment
from custom_components.camhub.providers.novavms.client import camera_model as novavms_model
from custom_components.camhub.providers.opencamera.client import device_model


@pytest.mark.parametrize(
    ("period", "reads"),
    [
        ("P7D", "7 days"),
        ("P1D", "1 day"),
        ("P1M", "1 month"),
        ("P1Y", "1 year"),
        ("P2W", "2 weeks"),
        ("PT12H", "12 hours"),
        ("P1DT1H30M", "1 day 1 hour 30 minutes"),
        ("PT45S", "45 seconds"),
        ("p30d", "30 days"),
        # Not a period: shown as the vendor wrote it rather than guessed at.
        ("forever", "forever"),
        ("P", "P"),
    ],
)
def test_readable_period(period: str, reads: str) -> None:
    assert readable_period(period) == reads


async def test_day_span_reads_on_the_days_timeline(hass: HomeAssistant) -> None:
    await hass.config.async_set_time_zone("Europe/Prague")
    day = date(2026, 3, 10)
    midnight = dt_util.start_of_local_day(day)

    def span(start: timedelta, end: timedelta) -> str:
        first: datetime = midnight + start
        return day_span(day, Segment(start=first, end=midnight + end))

    assert span(timedelta(hours=8), timedelta(hours=9, seconds=5)) == "08:00:00 - 09:00:05"
    # Until the next midnight: the day's end, not "00:00:00".
    assert span(timedelta(hours=20), timedelta(days=1)) == "20:00:00 - 24:00:00"
    # Footage from the day before is shown from this day's start.
    assert span(timedelta(hours=-3), timedelta(hours=2)) == "00:00:00 - 02:00:00"
    assert span(timedelta(hours=-3), timedelta(days=2)) == "Whole day (00:00 - 24:00)"
    assert span(timedelta(0), timedelta(days=1)) == "Whole day (00:00 - 24:00)"


def test_models_name_the_device_not_the_codec() -> None:
    assert camera_model("h264") == "Cloud camera (H.264)"
    assert camera_model("MJPEG") == "Cloud camera (MJPEG)"
    assert camera_model("av1") == "Cloud camera (av1)"
    assert camera_model(None) == "Cloud camera"
    assert novavms_model("onvif") == "ONVIF camera"
    assert novavms_model("rtsp") == "RTSP camera"
    assert novavms_model(None) == "Camera"
    info = DeviceInfo(
        uuid="a57f27c9",
        uptime=None,
        resolution=(1920, 1080),
        fps=None,
        video_codec="h264",
        audio_codec=None,
    )
    assert device_model(info) == "OpenCamera 1920x1080"
    assert device_model(replace(info, resolution=None)) == "OpenCamera"
