"""Angelcam webhook delivery: JWT-signed requests to HTTP notification methods, with retries.

The signature follows the webhooks guide: header ``X-Angelcam-Signature`` holds a JWT signed
with the method's ``signature_private_key`` (HS256, the guide leaves the algorithm unstated and
the key is a shared random string) carrying ``iat``, ``nbf`` (iat - 60 s), ``exp`` (iat + 120 s),
``ver`` (1) and ``csm`` = base64(SHA-256(raw body)). It is built here with ``hmac`` on purpose, so
tests can verify it independently with PyJWT. Times come from the simulated clock.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import hashlib
import hmac
import json
from typing import Any, Final

import aiohttp
from aiohttp import web

from simulator.angelcam_rts import Notification
from simulator.control import iso

SIGNATURE_HEADER: Final = "X-Angelcam-Signature"
NOT_BEFORE: Final = 60
EXPIRES_AFTER: Final = 120


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def checksum(body: bytes) -> str:
    """Return the ``csm`` claim for a raw body: base64 of its SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def sign(body: bytes, key: str, now: datetime) -> str:
    """Return the HS256 JWT Angelcam puts in ``X-Angelcam-Signature`` for ``body``."""
    iat = int(now.timestamp())
    claims = {
        "iat": iat,
        "nbf": iat - NOT_BEFORE,
        "exp": iat + EXPIRES_AFTER,
        "ver": 1,
        "csm": checksum(body),
    }
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    digest = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(digest)}"


@dataclass(slots=True)
class Delivery:
    """One notification handed to one method, and how its delivery went."""

    id: int
    channel: str  # "http" or "email" (emails are recorded, never sent)
    method_id: int
    rule_id: int
    user_id: int
    message_type: str
    target: str
    http_method: str
    body: bytes
    created_at: datetime
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    delivered: bool = False

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON body as sent."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    def as_json(self) -> dict[str, Any]:
        """Return a JSON-ready summary for the control API."""
        return {
            "id": self.id,
            "channel": self.channel,
            "method_id": self.method_id,
            "rule_id": self.rule_id,
            "user_id": self.user_id,
            "message_type": self.message_type,
            "target": self.target,
            "http_method": self.http_method,
            "payload": self.payload,
            "created_at": iso(self.created_at),
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
            "delivered": self.delivered,
        }


class WebhookDispatcher:
    """Sends notifications as they happen and keeps a delivery log."""

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        max_attempts: int = 3,
        retry_delay: float = 0.5,
        timeout: float = 5.0,
    ) -> None:
        """Configure retries: ``max_attempts`` tries, ``retry_delay`` doubling between them."""
        self.now = now
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self._queued: list[tuple[Delivery, str]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def __call__(self, notification: Notification) -> None:
        """Record a firing rule and start delivering it (the ``Rts`` notify callback)."""
        method = notification.method
        delivery = Delivery(
            id=len(self.deliveries) + 1,
            channel=method.type,
            method_id=method.id,
            rule_id=notification.rule.id,
            user_id=notification.user.id,
            message_type=notification.message.type,
            target=(method.url if method.type == "http" else method.email) or "",
            http_method=method.http_method if method.type == "http" else "EMAIL",
            body=json.dumps(notification.payload, separators=(",", ":")).encode(),
            created_at=self.now(),
        )
        self.deliveries.append(delivery)
        if method.type == "http":
            self._start(delivery, method.signature_private_key)

    def _start(self, delivery: Delivery, key: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # Fired from synchronous code outside the loop: sent by the next drain().
            self._queued.append((delivery, key))
            return
        task = loop.create_task(self._deliver(delivery, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, delivery: Delivery, key: str) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        for attempt in range(self.max_attempts):
            if attempt:
                await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))
            delivery.attempts += 1
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(delivery.body, key, self.now()),
                "User-Agent": "Angelcam-Notifications/1 (simulator)",
            }
            try:
                async with self._session.request(
                    delivery.http_method, delivery.target, data=delivery.body, headers=headers
                ) as response:
                    await response.read()
                    delivery.status, delivery.error = response.status, None
            except (aiohttp.ClientError, TimeoutError) as exc:
                delivery.status, delivery.error = None, type(exc).__name__
                continue
            if 200 <= delivery.status < 300:
                delivery.delivered = True
                return

    async def drain(self) -> None:
        """Wait until every delivery started so far has finished (including its retries)."""
        queued, self._queued = self._queued, []
        for delivery, key in queued:
            self._start(delivery, key)
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel deliveries still in flight and close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None


DISPATCHER_KEY: Final = web.AppKey("angelcam_webhooks", WebhookDispatcher)
