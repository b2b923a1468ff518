"""Verify Angelcam webhook deliveries (JWT, body checksum, time window, replay) and parse them."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import hashlib
import hmac
from typing import Final
import warnings

import jwt

from ..decode import Node, parse_body
from ..errors import ReplayedDeliveryError, SignatureError
from ..model import PushKind, PushMessage
from ..recent import RecentKeys

SIGNATURE_HEADER: Final = "X-Angelcam-Signature"
# The guide leaves the algorithm unstated; the key is a shared string, so only HMAC makes sense.
ALGORITHMS: Final = ("HS256", "HS512")
# Clock skew we forgive on nbf/exp (Angelcam already allows -60 s / +120 s around iat).
LEEWAY_SECONDS: Final = 30.0
# Signatures are remembered longer than their 3-minute window: the same JWT twice is a replay.
TOKEN_MEMORY: Final = timedelta(minutes=5)


def checksum(body: bytes) -> str:
    """The `csm` claim for a raw body: base64 of its SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def verify_angelcam_signature(
    body: bytes, signature: str | None, key: str, *, now: datetime, leeway: float = LEEWAY_SECONDS
) -> None:
    """Raise SignatureError unless the JWT is ours, current, and matches this exact body."""
    if not signature:
        raise SignatureError("angelcam webhook: missing X-Angelcam-Signature")
    try:
        with warnings.catch_warnings():
            # The vendor picks the key length; PyJWT >= 2.11 would warn on every delivery.
            warnings.filterwarnings("ignore", message="The HMAC key is", category=UserWarning)
            # Time claims are checked below against our injectable clock, not PyJWT's.
            claims = jwt.decode(
                signature,
                key,
                algorithms=list(ALGORITHMS),
                options={
                    "require": ["iat", "nbf", "exp", "csm"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
    except jwt.PyJWTError as err:
        raise SignatureError(f"angelcam webhook: bad signature ({type(err).__name__})") from None
    timestamp = now.timestamp()
    try:
        not_before, expires = float(claims["nbf"]), float(claims["exp"])
    except (TypeError, ValueError):
        raise SignatureError("angelcam webhook: non-numeric time claims") from None
    if timestamp + leeway < not_before or timestamp - leeway > expires:
        raise SignatureError("angelcam webhook: outside its time window")
    if not isinstance(claims["csm"], str) or not hmac.compare_digest(
        claims["csm"].encode(), checksum(body).encode()
    ):
        raise SignatureError("angelcam webhook: body checksum does not match")


def push_from(node: Node, received_at: datetime | None = None) -> PushMessage:
    """A webhook body -> PushMessage; there is no message_type field, so the keys decide."""
    base = PushMessage(
        vendor="angelcam",
        kind=PushKind.OTHER,
        sent_at=received_at,
        title=node.opt_text("title"),
        data=node.as_dict(),
    )
    if node.has("incident_id"):
        return replace(base, kind=PushKind.INCIDENT, incident_id=node.ident("incident_id"))
    if node.has("arrow_client_id"):
        return replace(
            base,
            kind=PushKind.ARROW_STATUS,
            online=node.flag("online"),
            affected_camera_ids=tuple(i.as_id() for i in node.opt_array("affected_cameras")),
        )
    if node.has("camera_id"):
        return replace(
            base,
            kind=PushKind.CAMERA_STATUS,
            camera_id=node.ident("camera_id"),
            online=node.flag("online"),
        )
    if node.has("action"):
        armed = {"arm": True, "disarm": False}.get(node.text("action"))
        return replace(base, kind=PushKind.ARMING, armed=armed)
    return base


def parse_angelcam_webhook(body: bytes, received_at: datetime | None = None) -> PushMessage:
    """Parse an (already verified) webhook body."""
    return push_from(parse_body(body, "angelcam webhook"), received_at)


def verified_angelcam_push(
    body: bytes, headers: Mapping[str, str], key: str, *, now: datetime
) -> PushMessage:
    """Verify then parse one delivery (SignatureError / ProtocolError on failure)."""
    verify_angelcam_signature(body, headers.get(SIGNATURE_HEADER), key, now=now)
    return parse_angelcam_webhook(body, now)


class AngelcamVerifier:
    """Checks deliveries signed with one method's key and remembers the signatures it saw."""

    def __init__(self, key: str, clock: Callable[[], datetime]) -> None:
        """Nothing seen yet; `clock` gives the time the windows are checked against."""
        self._key = key
        self._clock = clock
        self._tokens = RecentKeys(TOKEN_MEMORY)

    def __repr__(self) -> str:
        return f"AngelcamVerifier(seen={len(self._tokens)})"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> PushMessage:
        """Verify then parse one delivery (SignatureError / ProtocolError / a replay).

        A status or arming message repeated within a second carries the same token: it may
        be a replay, or the state really went back (offline, online, offline), since such
        bodies carry no id or time. The replay error carries the message so the caller can
        ask the API.
        """
        now = self._clock()
        message = verified_angelcam_push(body, headers, self._key, now=now)
        token = headers[SIGNATURE_HEADER]
        if self._tokens.known(token, now):
            raise ReplayedDeliveryError("angelcam webhook: signature already used", message)
        self._tokens.remember(token, now)
        return message
