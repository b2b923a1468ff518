"""Angelcam webhook verification (JWT + csm, time window, replay) and parsing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import hashlib
import json
from typing import Any

import jwt
import pytest

from custom_components.camhub.providers.angelcam.webhook import (
    SIGNATURE_HEADER,
    checksum,
    parse_angelcam_webhook,
    verified_angelcam_push,
    verify_angelcam_signature,
)
from custom_components.camhub.providers.errors import ProtocolError, SignatureError
from custom_components.camhub.providers.model import PushKind

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
# Angelcam's example key is 50 characters; long enough for HS256, short for HS512.
KEY = "CHDFXB3CLXSJ8JjHh3xY8SSNJyjTmGB4jdz7reLm6cVW8ammg4"
HS512_KEY = KEY + "-padded-to-sixty-four-b"
BODY = json.dumps({"title": "Camera offline", "camera_id": 5, "online": False}).encode()


def angelcam_jwt(body: bytes, *, key: str = KEY, iat: datetime = NOW, **overrides: Any) -> str:
    """Sign like Angelcam's guide: iat, nbf=iat-60, exp=iat+120, ver, csm."""
    stamp = int(iat.timestamp())
    claims = {
        "iat": stamp,
        "nbf": stamp - 60,
        "exp": stamp + 120,
        "ver": 1,
        "csm": base64.b64encode(hashlib.sha256(body).digest()).decode(),
        **overrides,
    }
    algorithm = claims.pop("alg", "HS256")
    return jwt.encode(claims, key, algorithm=algorithm)


def test_angelcam_valid_signature_parses() -> None:
    message = verified_angelcam_push(BODY, {SIGNATURE_HEADER: angelcam_jwt(BODY)}, KEY, now=NOW)
    assert message.kind is PushKind.CAMERA_STATUS
    assert (message.camera_id, message.online, message.vendor) == ("5", False, "angelcam")
    assert checksum(BODY) == base64.b64encode(hashlib.sha256(BODY).digest()).decode()


def test_angelcam_hs512_accepted() -> None:
    token = angelcam_jwt(BODY, key=HS512_KEY, alg="HS512")
    verify_angelcam_signature(BODY, token, HS512_KEY, now=NOW)


@pytest.mark.filterwarnings("error")
def test_short_vendor_key_does_not_warn_on_every_delivery() -> None:
    short = "k" * 12
    token = angelcam_jwt(BODY, key=short + "-but-long-enough-for-encoding-here")
    with pytest.raises(SignatureError):
        verify_angelcam_signature(BODY, token, short, now=NOW)


@pytest.mark.parametrize(
    ("token", "body", "now", "problem"),
    [
        (None, BODY, NOW, "missing"),
        ("not-a-jwt", BODY, NOW, "bad signature"),
        (angelcam_jwt(BODY, key=KEY.lower()), BODY, NOW, "bad signature"),
        (jwt.encode({"csm": "x"}, KEY, algorithm="HS256"), BODY, NOW, "bad signature"),
        (angelcam_jwt(BODY), BODY + b" ", NOW, "checksum"),
        (angelcam_jwt(BODY, csm=5), BODY, NOW, "checksum"),
        (angelcam_jwt(BODY), BODY, NOW + timedelta(seconds=151), "time window"),
        (angelcam_jwt(BODY), BODY, NOW - timedelta(seconds=91), "time window"),
        (angelcam_jwt(BODY, nbf="soon"), BODY, NOW, "non-numeric"),
    ],
)
def test_angelcam_rejections(token: str | None, body: bytes, now: datetime, problem: str) -> None:
    with pytest.raises(SignatureError, match=problem) as caught:
        verify_angelcam_signature(body, token, KEY, now=now)
    assert KEY not in str(caught.value)
    if token:
        assert token not in str(caught.value)


def test_angelcam_none_algorithm_refused() -> None:
    unsigned = jwt.encode({"iat": 1, "nbf": 1, "exp": 2, "csm": checksum(BODY)}, None, "none")
    with pytest.raises(SignatureError, match="bad signature"):
        verify_angelcam_signature(BODY, unsigned, KEY, now=NOW)


@pytest.mark.parametrize(
    ("payload", "kind", "fields"),
    [
        (
            {"title": "t", "incident_id": 9, "sensor_name": "Door"},
            PushKind.INCIDENT,
            {"incident_id": "9"},
        ),
        (
            {"title": "t", "arrow_client_id": "u", "online": True, "affected_cameras": [1, 2]},
            PushKind.ARROW_STATUS,
            {"online": True, "affected_camera_ids": ("1", "2")},
        ),
        ({"title": "t", "action": "arm", "invoker": "x"}, PushKind.ARMING, {"armed": True}),
        ({"title": "t", "action": "disarm", "invoker": "x"}, PushKind.ARMING, {"armed": False}),
        ({"title": "t", "action": "trigger", "invoker": "x"}, PushKind.ARMING, {"armed": None}),
        ({"title": "t", "user_name": "u"}, PushKind.OTHER, {"title": "t"}),
    ],
)
def test_angelcam_kind_inferred_from_fields(
    payload: dict[str, Any], kind: PushKind, fields: dict[str, Any]
) -> None:
    message = parse_angelcam_webhook(json.dumps(payload).encode(), NOW)
    assert message.kind is kind
    assert message.sent_at == NOW
    assert message.data == payload
    for name, value in fields.items():
        assert getattr(message, name) == value


@pytest.mark.parametrize("body", [b"[1]", b"nope", b'{"camera_id": 1}'])
def test_angelcam_bad_bodies(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_angelcam_webhook(body)
