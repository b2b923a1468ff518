"""Verify NovaVMS webhook deliveries (HMAC-SHA256, time window, replay guard) and parse them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import hashlib
import hmac
from typing import Final

from ..decode import Node, parse_body, parse_datetime, utcnow
from ..errors import ReplayedDeliveryError, SignatureError
from ..model import PushKind, PushMessage
from ..recent import RecentKeys
from .client import alert_from, event_from

# The manual names the header X-Webhook-Signature; one troubleshooting page X-NovaVMS-Signature.
SIGNATURE_HEADERS: Final = ("X-Webhook-Signature", "X-NovaVMS-Signature")
ID_HEADER: Final = "X-Webhook-ID"
TIMESTAMP_HEADER: Final = "X-Webhook-Timestamp"
MAX_AGE: Final = timedelta(minutes=5)
# Future timestamps within this skew are accepted (clocks drift).
MAX_SKEW: Final = timedelta(minutes=1)
_KINDS: Final = {
    "alert": PushKind.ALERT,
    "event": PushKind.EVENT,
    "camera_status": PushKind.CAMERA_STATUS,
    "gateway_status": PushKind.GATEWAY_STATUS,
}


def signature(secret: str, body: bytes) -> str:
    """hex(HMAC-SHA256(secret, raw body)), as NovaVMS sends it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class NovaWebhookVerifier:
    """Checks deliveries for one webhook secret and remembers recent delivery ids."""

    def __init__(
        self,
        secret: str,
        *,
        now: Callable[[], datetime] = utcnow,
        max_age: timedelta = MAX_AGE,
        memory: int = 4096,
    ) -> None:
        self._secret = secret
        self._now = now
        self._max_age = max_age
        # Ids older than the window can never pass the timestamp check again.
        self._seen = RecentKeys(max_age + MAX_SKEW, memory)

    def __repr__(self) -> str:
        return f"NovaWebhookVerifier(seen={len(self._seen)})"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> PushMessage:
        """Verify one delivery and parse it; SignatureError / ProtocolError otherwise."""
        given = next((headers[h] for h in SIGNATURE_HEADERS if headers.get(h)), None)
        if given is None:
            raise SignatureError("novavms webhook: missing signature header")
        if not hmac.compare_digest(
            given.strip().lower().encode(), signature(self._secret, body).encode()
        ):
            raise SignatureError("novavms webhook: signature does not match")
        now = self._now()
        sent_at = self._timestamp(headers.get(TIMESTAMP_HEADER))
        if sent_at < now - self._max_age or sent_at > now + MAX_SKEW:
            raise SignatureError("novavms webhook: timestamp outside the 5 minute window")
        delivery_id = headers.get(ID_HEADER)
        if not delivery_id:
            raise SignatureError("novavms webhook: missing X-Webhook-ID")
        if self._seen.known(delivery_id, now):
            raise ReplayedDeliveryError("novavms webhook: delivery already processed (replay)")
        message = parse_novavms_webhook(body)
        if message.delivery_id not in {None, delivery_id}:
            raise SignatureError("novavms webhook: X-Webhook-ID differs from webhook_id")
        self._seen.remember(delivery_id, now)
        return message

    @staticmethod
    def _timestamp(value: str | None) -> datetime:
        if not value:
            raise SignatureError("novavms webhook: missing X-Webhook-Timestamp")
        try:
            return parse_datetime(value)
        except ValueError:
            raise SignatureError("novavms webhook: unreadable X-Webhook-Timestamp") from None


def push_from(node: Node) -> PushMessage:
    """Envelope `{event_type, timestamp, webhook_id, data}` -> PushMessage."""
    kind = _KINDS.get(node.text("event_type"), PushKind.OTHER)
    data = node.field("data")
    base = PushMessage(
        vendor="novavms",
        kind=kind,
        sent_at=node.opt_when("timestamp"),
        delivery_id=node.opt_ident("webhook_id"),
        camera_id=data.opt_ident("camera_id"),
        data=data.as_dict(),
    )
    if kind is PushKind.ALERT:
        alert = dict(data.as_dict())
        # Alert payloads carry `alert_id` and no `fired_at`; the envelope fills them in.
        alert.setdefault("id", alert.get("alert_id"))
        alert.setdefault("fired_at", node.raw.get("timestamp"))
        return replace(
            base, alert=alert_from(Node(alert, data.path)), title=data.opt_text("rule_name")
        )
    if kind is PushKind.EVENT:
        return replace(base, event=event_from(data), title=data.opt_text("summary"))
    if kind in {PushKind.CAMERA_STATUS, PushKind.GATEWAY_STATUS}:
        status = data.opt_text("status")
        online = data.opt_flag("online") if status is None else status == "online"
        return replace(
            base,
            online=online,
            affected_camera_ids=tuple(i.as_id() for i in data.opt_array("camera_ids")),
        )
    return base


def parse_novavms_webhook(body: bytes) -> PushMessage:
    """Parse a (verified) delivery body."""
    return push_from(parse_body(body, "novavms webhook"))
