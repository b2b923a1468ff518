"""Webhook verification (Angelcam JWT + csm, NovaVMS HMAC + window + replay) and parsing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
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
from custom_components.camhub.providers.model import PushKind, Vendor
from custom_components.camhub.providers.novavms.webhook import (
    NovaWebhookVerifier,
    parse_novavms_webhook,
)

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
    assert (message.camera_id, message.online, message.vendor) == ("5", False, Vendor.ANGELCAM)
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


SECRET = "whsec_live_9f8e7d"


def nova_delivery(
    data: dict[str, Any] | None = None,
    *,
    event_type: str = "camera_status",
    delivery_id: str = "d-1",
    stamp: datetime = NOW,
    header: str = "X-Webhook-Signature",
    secret: str = SECRET,
) -> tuple[bytes, dict[str, str]]:
    """A delivery signed as the manual describes."""
    body = json.dumps(
        {
            "event_type": event_type,
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "webhook_id": delivery_id,
            "data": data if data is not None else {"camera_id": "c1", "status": "offline"},
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        header: signature,
        "X-Webhook-ID": delivery_id,
        "X-Webhook-Timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def verifier() -> NovaWebhookVerifier:
    return NovaWebhookVerifier(SECRET, now=lambda: NOW)


@pytest.mark.parametrize("header", ["X-Webhook-Signature", "X-NovaVMS-Signature"])
def test_nova_valid_delivery_either_header(header: str) -> None:
    body, headers = nova_delivery(header=header)
    message = verifier().verify(body, headers)
    assert (message.kind, message.camera_id, message.online) == (
        PushKind.CAMERA_STATUS,
        "c1",
        False,
    )
    assert message.delivery_id == "d-1"


def test_nova_replay_refused_and_old_ids_forgotten() -> None:
    now = [NOW]
    check = NovaWebhookVerifier(SECRET, now=lambda: now[0], memory=2)
    body, headers = nova_delivery()
    check.verify(body, headers)
    with pytest.raises(SignatureError, match="replay"):
        check.verify(body, headers)
    for index in range(3):
        check.verify(*nova_delivery(delivery_id=f"x{index}"))
    assert repr(check) == "NovaWebhookVerifier(seen=2)"
    now[0] = NOW + timedelta(minutes=10)
    check.verify(*nova_delivery(delivery_id="late", stamp=now[0]))
    assert repr(check) == "NovaWebhookVerifier(seen=1)"


def test_nova_rejections() -> None:
    body, headers = nova_delivery()
    cases: list[tuple[bytes, dict[str, str], str]] = [
        (body, {k: v for k, v in headers.items() if "Signature" not in k}, "missing signature"),
        (body + b" ", headers, "does not match"),
        (*nova_delivery(secret="other"), "does not match"),
        (*nova_delivery(stamp=NOW - timedelta(minutes=6)), "window"),
        (*nova_delivery(stamp=NOW + timedelta(minutes=2)), "window"),
        (body, {**headers, "X-Webhook-Timestamp": ""}, "missing X-Webhook-Timestamp"),
        (body, {**headers, "X-Webhook-Timestamp": "later"}, "unreadable"),
        (body, {**headers, "X-Webhook-ID": ""}, "missing X-Webhook-ID"),
        (body, {**headers, "X-Webhook-ID": "other"}, "differs"),
    ]
    for case_body, case_headers, problem in cases:
        with pytest.raises(SignatureError, match=problem) as caught:
            verifier().verify(case_body, case_headers)
        assert SECRET not in str(caught.value)


def test_nova_kinds() -> None:
    alert = parse_novavms_webhook(
        nova_delivery(
            {"alert_id": "a1", "rule_name": "Any motion", "camera_id": "c1"}, event_type="alert"
        )[0]
    )
    assert alert.kind is PushKind.ALERT
    assert alert.alert is not None
    assert (alert.alert.id, alert.alert.fired_at, alert.title) == ("a1", NOW, "Any motion")
    event = parse_novavms_webhook(
        nova_delivery(
            {
                "id": "e1",
                "camera_id": "c1",
                "trigger_type": "motion",
                "triggered_at": "2026-03-01T11:59:00Z",
                "summary": "A person",
            },
            event_type="event",
        )[0]
    )
    assert event.event is not None
    assert (event.kind, event.event.kind, event.title) == (PushKind.EVENT, "motion", "A person")
    gateway = parse_novavms_webhook(
        nova_delivery(
            {"gateway_id": "g", "status": "offline", "affected_cameras": 2},
            event_type="gateway_status",
        )[0]
    )
    assert (gateway.kind, gateway.online) == (PushKind.GATEWAY_STATUS, False)
    online = parse_novavms_webhook(nova_delivery({"camera_id": "c", "online": True})[0])
    assert online.online is True
    other = parse_novavms_webhook(nova_delivery({}, event_type="something_new")[0])
    assert other.kind is PushKind.OTHER
    with pytest.raises(ProtocolError, match=r"novavms webhook\.data"):
        parse_novavms_webhook(b'{"event_type": "alert", "data": []}')
