"""NovaVMS webhook verification (HMAC + time window + replay) and parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import json
from typing import Any

import pytest

from custom_components.camhub.providers.errors import ProtocolError, SignatureError
from custom_components.camhub.providers.model import PushKind
from custom_components.camhub.providers.novavms.webhook import (
    NovaWebhookVerifier,
    parse_novavms_webhook,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
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
