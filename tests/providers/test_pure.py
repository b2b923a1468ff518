"""Pure helpers: space choice, token expiry, model rules, rate headers, SDP answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.camhub.providers.angelcam import map as amap
from custom_components.camhub.providers.decode import Node, utcnow
from custom_components.camhub.providers.errors import (
    PermissionDeniedError,
    ProtocolError,
    RequestRejectedError,
)
from custom_components.camhub.providers.model import (
    Account,
    Camera,
    Capability,
    Incident,
    Space,
    StreamUrl,
)
from custom_components.camhub.providers.novavms.client import rate_headers
from custom_components.camhub.providers.opencamera.client import answer_from, device_info_from

from .samples import OPENCAMERA_DEVICE

NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The spec's example token: base64 of {"time": µs, "timeout": 3600, "alias": "81"} + signature.
SPEC_URL = (
    "http://m1.angelcam.com/stream/81/playlist.m3u8?token=eyJ0aW1lIjogMTQ5NjkzNDYyODE5NjQwMSwgIn"
    "RpbWVvdXQiOiAzNjAwLCAiYWxpYXMiOiAiODEifQ==.8ac35b434e768e8f10161b2d74da492f5fd8a8c115c18cbb"
)


def test_choose_space() -> None:
    spaces = [
        Space(id="1", name="A", is_default=False),
        Space(id="2", name="B", is_default=True),
    ]
    assert amap.choose_space(spaces, None) == spaces[1]
    assert amap.choose_space(spaces, "1") == spaces[0]
    assert amap.choose_space(spaces[:1], None) == spaces[0]
    with pytest.raises(PermissionDeniedError, match="no space"):
        amap.choose_space([], None)
    with pytest.raises(RequestRejectedError, match="space 3 is not one of"):
        amap.choose_space(spaces, "3")


def test_token_expiry_from_the_spec_token_shape() -> None:
    issued = datetime.fromtimestamp(1496934628196401 / 1_000_000, UTC)
    assert amap.token_expiry(SPEC_URL) == issued + timedelta(hours=1)
    assert amap.token_expiry("http://h/p.m3u8") is None
    assert amap.token_expiry("http://h/p.m3u8?token=1776773100.abcdef") is None
    assert amap.token_expiry("http://h/p.m3u8?token=%%%") is None


def test_stream_url_freshness() -> None:
    stream = StreamUrl(url="u", format="hls", issued_at=NOW, expires_at=NOW + timedelta(seconds=60))
    assert stream.is_fresh(NOW)
    assert not stream.is_fresh(NOW + timedelta(seconds=31))
    assert StreamUrl(url="u", format="hls", issued_at=NOW).is_fresh(NOW + timedelta(days=9))


def test_model_rules() -> None:
    camera = Camera(
        id="1", name="c", online=True, status="online", capabilities=frozenset({Capability.EVENTS})
    )
    assert camera.supports(Capability.EVENTS)
    assert not camera.supports(Capability.LIVE_HLS)
    incident = Incident(id="1", created_at=NOW)
    assert incident.state == "open"
    assert Incident(id="1", created_at=NOW, verified_at=NOW).state == "verified"
    assert Incident(id="1", created_at=NOW, verified_at=NOW, closed_at=NOW).state == "closed"
    assert Account(vendor="opencamera", account_id="u", name="n").unique_id == "opencamera:u"
    assert utcnow().tzinfo is UTC


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "1700000000"}, (7, 1_700_000_000.0)),
        ({"X-RateLimit-Remaining": "7"}, None),
        ({"X-RateLimit-Remaining": "many", "X-RateLimit-Reset": "1"}, None),
        ({}, None),
    ],
)
def test_rate_headers(headers: dict[str, str], expected: tuple[int, float] | None) -> None:
    assert rate_headers(headers) == expected


def test_sdp_answer_and_resolution_shapes() -> None:
    assert answer_from(Node({"type": "answer", "sdp": "v=0"}, "$")) == "v=0"
    with pytest.raises(ProtocolError, match=r"\$\.type: expected an answer"):
        answer_from(Node({"type": "offer", "sdp": "v=0"}, "$"))
    plain = device_info_from(Node({**OPENCAMERA_DEVICE, "resolution": "1280x720"}, "$"))
    assert plain.resolution == (1280, 720)
    assert device_info_from(Node({"uuid": "u"}, "$")).resolution is None
    with pytest.raises(ProtocolError, match=r"\$\.resolution: expected WIDTHxHEIGHT"):
        device_info_from(Node({**OPENCAMERA_DEVICE, "resolution": "big"}, "$"))


def test_camera_without_any_snapshot() -> None:
    node = Node({"id": 1, "name": "n", "status": "unknown", "streams": []}, "$")
    camera = amap.camera_from(node)
    assert camera.online is None
    assert Capability.SNAPSHOT not in camera.capabilities
    assert amap.live_snapshot_url(node) is None
    assert amap.stream_url_from(node, "hls", NOW) is None
    spec_camera = Node({"streams": [{"format": "hls", "url": SPEC_URL}]}, "$")
    stream = amap.stream_url_from(spec_camera, "hls", NOW)
    assert stream is not None
    assert stream.expires_at == amap.token_expiry(SPEC_URL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1M", timedelta(minutes=1)),
        ("PT30M", timedelta(minutes=30)),
        ("PT1H", timedelta(hours=1)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("P2D", timedelta(days=2)),
    ],
)
def test_rts_settings_durations(text: str, expected: timedelta) -> None:
    settings = amap.rts_settings_from(Node({"incident_ttl": text, "is_armed": False}, "$"))
    assert settings.incident_ttl == expected


@pytest.mark.parametrize("text", ["P", "PT", "5 minutes", "PT5", "P1Y", 300])
def test_rts_settings_malformed_duration(text: object) -> None:
    with pytest.raises(ProtocolError, match=r"\$\.incident_ttl"):
        amap.rts_settings_from(Node({"incident_ttl": text}, "$"))
