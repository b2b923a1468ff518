"""NovaVMS cloud simulator: state, REST API under /api/v1, signed media URLs and webhook delivery.

Follows ../shared/api/novavms.md. Choices where the notes are open or conflict:

- Error body: the error-code page's flat ``{"error": code, "message", "request_id"}`` is canonical
  and the default. ``NovaState.error_style = "nested"`` answers every error as
  ``{"error": {"code": CODE, "message"}}``; ``"mixed"`` uses the nested shape only for the token
  bucket's 429 (as the rate-limit page shows) and the flat shape elsewhere.
  Validation errors use ``validation_error`` (the endpoint pages' code).
- Organisation id: ``org_id`` is returned in the login response's ``user`` (manual) and, inferred,
  on every site object (``GET /api/v1/sites``), which is where a service-account client reads it.
- Webhook URLs must be HTTPS, except loopback hosts (tests and the demo receive on 127.0.0.1).
- Retries follow the manual (1 min, 5 min, 15 min, 1 h, 6 h, then stop, 10 s timeout); tests shorten
  ``retry_delays``. Retries reuse the delivery id and body, so the signature is the same.
- ``snapshot_url`` / ``clip_url`` point at this simulator's ``/storage/...`` paths, signed with an
  expiry like a GCS signed URL (``X-Goog-Expires``, ``X-Goog-Signature``): 400 once expired, 403 for
  a bad signature. Clips are real H.264 MPEG-TS.
- Alert rules: CRUD under ``/api/v1/alert-rules`` (operator), updated with PATCH (inferred, as
  every other object). Enabled ``motion`` rules fire alerts for the events of the cameras in their
  scope (cooldown per rule and camera); the scenario has one, "Any motion". Not simulated: AI and
  ``camera_offline`` rules firing (they are kept, and listed), schedules, recipients being told;
  gateway pairing, users and service-account endpoints, live video (none is documented),
  event DELETE, sandbox ``sk_test_`` behaviour (keys of either prefix work the same).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
import hashlib
import hmac
import ipaddress
import json
import math
import secrets
from typing import Any, Final, Literal, NoReturn
from urllib.parse import urlsplit
import uuid

import aiohttp
from aiohttp import web

from simulator import media
from simulator.control import (
    FaultInjector,
    RequestLog,
    iso,
    json_body,
    make_app,
    utcnow,
)

VENDOR: Final = "novavms"
ROLES: Final = ("viewer", "operator", "admin", "owner")
CAMERA_STATUSES: Final = ("online", "offline", "pending", "error", "disabled")
CAMERA_TYPES: Final = ("rtsp", "onvif")
CONNECTION_MODES: Final = ("gateway", "direct")
TRIGGER_TYPES: Final = ("motion", "ai_tag", "manual")
AI_STATUSES: Final = ("pending", "completed", "skipped", "failed")
ALERT_STATUSES: Final = ("new", "acknowledged", "resolved")
RULE_TRIGGERS: Final = ("motion", "ai_person", "ai_vehicle", "camera_offline", "ai_custom_tag")
RULE_SCOPES: Final = ("all_cameras", "by_site", "by_camera")
RULE_SCHEDULES: Final = ("always", "business_hours")
RULE_LIMIT: Final = 100
WEBHOOK_EVENT_TYPES: Final = ("alert", "event", "camera_status", "gateway_status")
RETRY_DELAYS: Final = (60.0, 300.0, 900.0, 3600.0, 21600.0)
TRIGGER_INTERVAL: Final = timedelta(seconds=5)
AI_DELAY: Final = timedelta(seconds=10)
DIRECT_REGISTRATION: Final = timedelta(seconds=3)
URL_LIFETIME: Final = timedelta(hours=1)
CLIP_PRE_POST: Final = 2
FAILING_PASSWORD: Final = "wrong"  # a credential that makes the simulated gateway check fail
LOGIN_WINDOW: Final = timedelta(minutes=15)
JWT_LIFETIME: Final = timedelta(minutes=15)
NAMESPACE: Final = uuid.UUID("6f1d3c1e-7a0b-4c55-9d7e-2c0c5b9a1e00")
PRINCIPAL: Final = "novavms.principal"

type ErrorStyle = Literal["flat", "nested", "mixed"]
type Json = dict[str, Any]


def stable_id(*parts: object) -> str:
    """Return a UUID derived from ``parts`` (deterministic scenarios)."""
    return str(uuid.uuid5(NAMESPACE, ":".join(map(str, parts))))


class NovaError(Exception):
    """An API error answered in NovaVMS's error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        bucket: bool = False,
    ) -> None:
        """Describe the error; ``bucket`` marks the token-bucket 429 (for ``mixed`` style)."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.bucket = bucket


def fail(status: int, code: str, message: str, **kwargs: Any) -> NoReturn:
    """Raise a ``NovaError``."""
    raise NovaError(status, code, message, **kwargs)


def not_found(what: str) -> NoReturn:
    """Raise the 404 that also hides other organisations' objects."""
    fail(404, "not_found", f"{what} not found")


def invalid(message: str) -> NoReturn:
    """Raise a 400 validation error."""
    fail(400, "validation_error", message)


@dataclass(kw_only=True)
class ApiKey:
    """A service-account key (or a login session) with its fixed role and scope."""

    id: str
    name: str
    token: str
    role: str
    site_ids: frozenset[str] | None = None
    disabled: bool = False
    expires_at: datetime | None = None

    def sees(self, site_id: str) -> bool:
        """Whether this principal may read objects of ``site_id``."""
        return self.role != "viewer" or self.site_ids is None or site_id in self.site_ids


@dataclass(kw_only=True)
class User:
    """A human user who can log in for a short-lived token."""

    id: str
    email: str
    password: str
    display_name: str
    role: str
    attempts: list[datetime] = field(default_factory=list)


@dataclass(kw_only=True)
class Site:
    """A physical site."""

    id: str
    name: str
    timezone: str
    created_at: datetime

    def to_json(self, org_id: str) -> Json:
        """Render for the API."""
        return {
            "id": self.id,
            "name": self.name,
            "org_id": org_id,
            "timezone": self.timezone,
            "created_at": iso(self.created_at),
        }


@dataclass(kw_only=True)
class Gateway:
    """An on-site gateway cameras connect through."""

    id: str
    name: str
    site_id: str
    status: str = "online"
    version: str = "2.4.1"
    local_ip: str = "192.168.1.2"
    last_heartbeat_at: datetime

    def to_json(self) -> Json:
        """Render for the API."""
        return {
            "id": self.id,
            "name": self.name,
            "site_id": self.site_id,
            "status": self.status,
            "version": self.version,
            "local_ip": self.local_ip,
            "last_heartbeat_at": iso(self.last_heartbeat_at),
        }


@dataclass(kw_only=True)
class Camera:
    """A camera; ``deleted_at`` marks a soft delete."""

    id: str
    name: str
    site_id: str
    gateway_id: str | None
    connection_mode: str = "gateway"
    type: str = "onvif"
    status: str = "online"
    active_tier: str = "main"
    stream_transport: str = "tcp"
    created_at: datetime
    deleted_at: datetime | None = None
    settings: Json = field(default_factory=dict)

    def summary(self) -> Json:
        """Render the list shape."""
        return {
            "id": self.id,
            "name": self.name,
            "site_id": self.site_id,
            "gateway_id": self.gateway_id,
            "connection_mode": self.connection_mode,
            "type": self.type,
            "status": self.status,
            "active_tier": self.active_tier,
        }

    def detail(self) -> Json:
        """Render the single-camera shape."""
        return {
            **self.summary(),
            "stream_transport": self.stream_transport,
            "created_at": iso(self.created_at),
        }


@dataclass(kw_only=True)
class Event:
    """A motion, AI-tag or manual event on a camera."""

    id: str
    camera_id: str
    trigger_type: str
    triggered_at: datetime
    duration_sec: int = 10
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    ai_status: str = "pending"
    acknowledged: bool = False
    starred: bool = False
    note: str | None = None


@dataclass(kw_only=True)
class Alert:
    """An alert a rule fired for an event."""

    id: str
    rule_id: str
    rule_name: str
    event_id: str
    camera_id: str
    fired_at: datetime
    status: str = "new"
    acknowledged_at: datetime | None = None

    def to_json(self) -> Json:
        """Render for the API."""
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "event_id": self.event_id,
            "camera_id": self.camera_id,
            "status": self.status,
            "fired_at": iso(self.fired_at),
            "acknowledged_at": iso(self.acknowledged_at) if self.acknowledged_at else None,
        }


@dataclass(kw_only=True)
class AlertRule:
    """A rule that fires alerts (the manual's alert-rule schema)."""

    id: str
    name: str
    trigger_type: str
    recipients: list[str]
    enabled: bool = True
    scope_type: str = "all_cameras"
    site_ids: list[str] = field(default_factory=list)
    camera_ids: list[str] = field(default_factory=list)
    custom_tags: list[str] = field(default_factory=list)
    min_confidence: float = 0.7
    schedule_type: str = "always"
    cooldown_sec: int = 300

    def covers(self, camera: Camera) -> bool:
        """Whether the camera is in the rule's scope."""
        match self.scope_type:
            case "by_site":
                return camera.site_id in self.site_ids
            case "by_camera":
                return camera.id in self.camera_ids
            case _:
                return True

    def to_json(self) -> Json:
        """Render for the API."""
        data: Json = {
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "trigger_type": self.trigger_type,
            "min_confidence": self.min_confidence,
            "scope_type": self.scope_type,
            "site_ids": list(self.site_ids),
            "camera_ids": list(self.camera_ids),
            "schedule_type": self.schedule_type,
            "cooldown_sec": self.cooldown_sec,
            "recipients": list(self.recipients),
        }
        if self.trigger_type == "ai_custom_tag":
            data["custom_tags"] = list(self.custom_tags)
        return data


@dataclass(kw_only=True)
class Webhook:
    """A registered webhook endpoint."""

    id: str
    name: str
    url: str
    event_types: list[str]
    enabled: bool
    secret: str
    created_at: datetime

    def to_json(self, *, with_secret: bool = False) -> Json:
        """Render for the API; the secret only when the caller may see it."""
        data: Json = {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "event_types": list(self.event_types),
            "enabled": self.enabled,
            "created_at": iso(self.created_at),
        }
        if with_secret:
            data["secret"] = self.secret
        return data


@dataclass(kw_only=True)
class Delivery:
    """One attempt to deliver a webhook (kept for tests and the control API)."""

    webhook_id: str
    delivery_id: str
    event_type: str
    attempt: int
    status: int | None
    error: str | None = None


@dataclass
class Bucket:
    """Token bucket of one principal."""

    tokens: float
    updated: datetime


class NovaState:
    """The whole simulated NovaVMS organisation."""

    def __init__(
        self,
        *,
        org_id: str,
        now: Callable[[], datetime] = utcnow,
        seed: str = "nova",
    ) -> None:
        """Create an empty organisation; the scenario fills it."""
        self.org_id = org_id
        self.now = now
        self.seed = seed
        self.keys: dict[str, ApiKey] = {}
        self.users: dict[str, User] = {}
        self.sites: dict[str, Site] = {}
        self.gateways: dict[str, Gateway] = {}
        self.cameras: dict[str, Camera] = {}
        self.events: dict[str, Event] = {}
        self.alerts: dict[str, Alert] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.deliveries: list[Delivery] = []
        # Where the server listens, once it does: pushed events name their snapshot's URL.
        self.origin: str | None = None
        self.error_style: ErrorStyle = "flat"
        self.signature_header = "X-Webhook-Signature"
        self.rate_per_minute = 1000
        self.burst = 100
        self.retry_delays: Sequence[float] = RETRY_DELAYS
        self.delivery_timeout = 10.0
        self.ai_delay = AI_DELAY
        motion_rule = AlertRule(
            id=stable_id(seed, "rule", "motion"),
            name="Any motion",
            trigger_type="motion",
            recipients=["security@example.com"],
        )
        self.alert_rules: dict[str, AlertRule] = {motion_rule.id: motion_rule}
        self.storage_key = hashlib.sha256(f"{seed}:storage".encode()).digest()
        self._buckets: dict[str, Bucket] = {}
        self._last_trigger: dict[str, datetime] = {}
        # (rule id, camera id) -> when the rule last fired for the camera (its cooldown).
        self._last_alert: dict[tuple[str, str], datetime] = {}
        self._counter = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    # ----- identity and scope -------------------------------------------------------------

    def next_id(self, kind: str) -> str:
        """Return a fresh, reproducible UUID for a new object."""
        self._counter += 1
        return stable_id(self.seed, kind, "new", self._counter)

    def add_key(
        self, name: str, role: str, token: str, site_ids: Iterable[str] | None = None
    ) -> ApiKey:
        """Register a service-account key."""
        key = ApiKey(
            id=stable_id(self.seed, "key", name),
            name=name,
            token=token,
            role=role,
            site_ids=frozenset(site_ids) if site_ids is not None else None,
        )
        self.keys[token] = key
        return key

    def authenticate(self, header: str | None) -> ApiKey:
        """Resolve an ``Authorization`` header (401/403 as the error-code page lists)."""
        if not header:
            fail(401, "auth_required", "missing bearer token")
        scheme, _, token = header.partition(" ")
        key = self.keys.get(token.strip()) if scheme.lower() == "bearer" else None
        if key is None or (key.expires_at is not None and key.expires_at <= self.now()):
            fail(401, "invalid_token", "token is invalid or expired")
        if key.disabled:
            fail(403, "account_disabled", "this credential is disabled")
        return key

    # ----- rate limit -----------------------------------------------------------------------

    def take_token(self, key: ApiKey) -> dict[str, str]:
        """Spend one request from ``key``'s bucket; return the X-RateLimit headers or 429."""
        now = self.now()
        rate = self.rate_per_minute / 60.0
        bucket = self._buckets.setdefault(key.id, Bucket(float(self.burst), now))
        elapsed = max(0.0, (now - bucket.updated).total_seconds())
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        reset = now.timestamp() + (self.burst - bucket.tokens) / rate
        headers = {
            "X-RateLimit-Limit": str(self.rate_per_minute),
            "X-RateLimit-Remaining": str(math.floor(bucket.tokens)),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        if not allowed:
            wait = max(1, math.ceil((1.0 - bucket.tokens) / rate))
            fail(
                429,
                "rate_limited",
                f"rate limit exceeded, retry after {wait}s",
                headers={**headers, "Retry-After": str(wait)},
                bucket=True,
            )
        return headers

    # ----- cameras --------------------------------------------------------------------------

    def live_cameras(self) -> list[Camera]:
        """Cameras that are not soft-deleted, with pending direct registrations settled."""
        now = self.now()
        for camera in self.cameras.values():
            if camera.status == "pending" and now >= camera.created_at + DIRECT_REGISTRATION:
                camera.status = "online"
        return [c for c in self.cameras.values() if c.deleted_at is None]

    def camera(self, camera_id: str) -> Camera:
        """Return a live camera or raise 404."""
        for camera in self.live_cameras():
            if camera.id == camera_id:
                return camera
        not_found("camera")

    def add_camera(
        self,
        name: str,
        site_id: str,
        gateway_id: str | None,
        *,
        camera_id: str | None = None,
        connection_mode: str = "gateway",
        camera_type: str = "onvif",
        status: str = "online",
    ) -> Camera:
        """Add a camera (scenario, control API and POST /cameras)."""
        camera = Camera(
            id=camera_id or self.next_id("camera"),
            name=name,
            site_id=site_id,
            gateway_id=gateway_id,
            connection_mode=connection_mode,
            type=camera_type,
            status=status,
            created_at=self.now(),
        )
        self.cameras[camera.id] = camera
        return camera

    def delete_camera(self, camera_id: str) -> None:
        """Soft-delete a camera; its events stay."""
        self.camera(camera_id).deleted_at = self.now()

    def set_camera_status(self, camera_id: str, status: str) -> Camera:
        """Change a camera's status; a change between online and offline is pushed."""
        camera = self.camera(camera_id)
        previous, camera.status = camera.status, status
        if previous != status and {previous, status} <= {"online", "offline"}:
            self.emit(
                "camera_status",
                {
                    "camera_id": camera.id,
                    "camera_name": camera.name,
                    "site_id": camera.site_id,
                    "status": status,
                    "previous_status": previous,
                    "changed_at": iso(self.now()),
                },
            )
        return camera

    def set_gateway_status(self, gateway_id: str, status: str) -> Gateway:
        """Change a gateway's status; its cameras follow and one gateway_status is pushed."""
        gateway = self.gateways.get(gateway_id) or not_found("gateway")
        gateway.status = status
        affected = [c for c in self.live_cameras() if c.gateway_id == gateway_id]
        for camera in affected:
            camera.status = "online" if status == "online" else "offline"
        self.emit(
            "gateway_status",
            {
                "gateway_id": gateway.id,
                "gateway_name": gateway.name,
                "site_id": gateway.site_id,
                "status": status,
                "affected_cameras": len(affected),
            },
        )
        return gateway

    # ----- events and alerts -----------------------------------------------------------------

    def settle_ai(self, event: Event) -> Event:
        """Finish AI analysis once its (simulated) time has passed."""
        if event.ai_status == "pending" and self.now() >= event.triggered_at + self.ai_delay:
            event.ai_status = "completed"
            event.tags = ["person"]
            event.summary = f"A person walks past {self.cameras[event.camera_id].name}."
        return event

    def fire_event(
        self,
        camera_id: str,
        trigger_type: str = "motion",
        *,
        duration_sec: int = 10,
        note: str | None = None,
    ) -> Event:
        """Record an event, fire the motion alert rule and push ``event`` / ``alert``."""
        camera = self.camera(camera_id)
        event = Event(
            id=self.next_id("event"),
            camera_id=camera.id,
            trigger_type=trigger_type,
            triggered_at=self.now(),
            duration_sec=duration_sec,
            ai_status="skipped" if trigger_type == "manual" else "pending",
            note=note,
        )
        self.events[event.id] = event
        self.emit("event", self.event_json(event, base_url=self.origin))
        # Manual events never match alert rules (manual: record-manual-clip).
        if trigger_type != "manual":
            for rule in list(self.alert_rules.values()):
                if rule.enabled and rule.trigger_type == "motion" and rule.covers(camera):
                    self._maybe_alert(rule, camera, event)
        return event

    def _maybe_alert(self, rule: AlertRule, camera: Camera, event: Event) -> None:
        last = self._last_alert.get((rule.id, camera.id))
        if last is not None and event.triggered_at < last + timedelta(seconds=rule.cooldown_sec):
            return
        self._last_alert[rule.id, camera.id] = event.triggered_at
        alert = Alert(
            id=self.next_id("alert"),
            rule_id=rule.id,
            rule_name=rule.name,
            event_id=event.id,
            camera_id=camera.id,
            fired_at=event.triggered_at,
        )
        self.alerts[alert.id] = alert
        self.emit(
            "alert",
            {
                "alert_id": alert.id,
                "rule_id": alert.rule_id,
                "rule_name": alert.rule_name,
                "trigger_type": event.trigger_type,
                "camera_id": camera.id,
                "camera_name": camera.name,
                "site_name": self.sites[camera.site_id].name,
                "event_id": event.id,
                "severity": "warning",
                "description": f"Motion detected on {camera.name}",
                "fired_at": iso(alert.fired_at),
            },
        )

    def trigger(self, camera_id: str, duration_sec: int, note: str | None) -> Event:
        """Manual clip: one per camera per 5 s, only on an online camera."""
        camera = self.camera(camera_id)
        now = self.now()
        last = self._last_trigger.get(camera.id)
        if last is not None and now < last + TRIGGER_INTERVAL:
            fail(
                429,
                "rate_limited",
                "one manual trigger per camera every 5 seconds",
                headers={"Retry-After": str(int(TRIGGER_INTERVAL.total_seconds()))},
            )
        if camera.status != "online":
            fail(400, "ai_unavailable", "camera is not online")
        self._last_trigger[camera.id] = now
        return self.fire_event(camera.id, "manual", duration_sec=duration_sec, note=note)

    def sign(self, path: str, expires: int) -> str:
        """HMAC a storage path and its expiry (the signed-URL check)."""
        message = f"{path}:{expires}".encode()
        return hmac.new(self.storage_key, message, hashlib.sha256).hexdigest()

    def signed_url(self, base_url: str | None, path: str) -> str | None:
        """Return an expiring signed URL for a storage path (``None`` without a base URL)."""
        if base_url is None:
            return None
        expires = int((self.now() + URL_LIFETIME).timestamp())
        return (
            f"{base_url}{path}?X-Goog-Expires={expires}&X-Goog-Signature={self.sign(path, expires)}"
        )

    def event_json(self, event: Event, base_url: str | None, *, detail: bool = False) -> Json:
        """Render an event (list shape, or the detail shape with clip URL and neighbours)."""
        self.settle_ai(event)
        camera = self.cameras[event.camera_id]
        data: Json = {
            "id": event.id,
            "camera_id": camera.id,
            "camera_name": camera.name,
            "camera_deleted": camera.deleted_at is not None,
            "trigger_type": event.trigger_type,
            "triggered_at": iso(event.triggered_at),
            "summary": event.summary,
            "tags": list(event.tags),
            "ai_status": event.ai_status,
            "acknowledged": event.acknowledged,
            "starred": event.starred,
            "snapshot_url": self.signed_url(base_url, f"/storage/bkt-cloud-ai/{event.id}.jpg"),
        }
        if detail:
            ordered = sorted(self.events.values(), key=lambda e: e.triggered_at)
            position = ordered.index(event)
            data |= {
                "note": event.note,
                "narrative": event.summary,
                "clip_url": self.signed_url(base_url, f"/storage/bkt-cloud-ai/{event.id}.ts"),
                "clip_duration_sec": event.duration_sec + 2 * CLIP_PRE_POST,
                "prev_event_id": ordered[position - 1].id if position > 0 else None,
                "next_event_id": ordered[position + 1].id if position + 1 < len(ordered) else None,
            }
        return data

    # ----- webhooks ------------------------------------------------------------------------

    def emit(self, event_type: str, data: Json) -> None:
        """Deliver ``event_type`` to every enabled webhook subscribed to it."""
        for webhook in self.webhooks.values():
            if webhook.enabled and event_type in webhook.event_types:
                task = asyncio.get_running_loop().create_task(
                    self._deliver(webhook, event_type, data)
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, webhook: Webhook, event_type: str, data: Json) -> None:
        delivery_id = str(uuid.uuid4())
        stamp = iso(self.now())
        envelope = {
            "event_type": event_type,
            "timestamp": stamp,
            "webhook_id": delivery_id,
            "data": data,
        }
        body = json.dumps(envelope).encode()
        signature = hmac.new(webhook.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-ID": delivery_id,
            "X-Webhook-Timestamp": stamp,
            self.signature_header: signature,
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=self.delivery_timeout)
        delays = [*self.retry_delays, None]
        for attempt, delay in enumerate(delays, start=1):
            record = Delivery(
                webhook_id=webhook.id,
                delivery_id=delivery_id,
                event_type=event_type,
                attempt=attempt,
                status=None,
            )
            self.deliveries.append(record)
            try:
                async with self._session.post(
                    webhook.url, data=body, headers=headers, timeout=timeout
                ) as response:
                    record.status = response.status
                    if 200 <= response.status < 300:
                        return
            except (aiohttp.ClientError, TimeoutError) as exc:
                record.error = type(exc).__name__
            if delay is not None:
                await asyncio.sleep(delay)

    async def drain(self) -> None:
        """Wait until every queued delivery (with its retries) has finished.

        Callers bound the wait themselves (``asyncio.timeout``).
        """
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def close(self) -> None:
        """Cancel pending deliveries and close the delivery session."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def credentials(self) -> Json:
        """Keys and logins of this organisation (printed by ``python -m simulator``)."""
        keys = {key.role: key.token for key in self.keys.values() if key.expires_at is None}
        users = [{"email": u.email, "password": u.password} for u in self.users.values()]
        return {"org_id": self.org_id, "api_keys": keys, "users": users}


# ----- HTTP helpers ------------------------------------------------------------------------


def principal(request: web.Request) -> ApiKey:
    """The authenticated caller (set by the auth middleware)."""
    key: ApiKey = request[PRINCIPAL]
    return key


def require(request: web.Request, role: str) -> ApiKey:
    """Return the caller or raise 403 when its role is below ``role``."""
    key = principal(request)
    if ROLES.index(key.role) < ROLES.index(role):
        fail(403, "forbidden", f"requires the {role} role")
    return key


def state_of(request: web.Request) -> NovaState:
    """The app's state."""
    return request.app[STATE_KEY]


def choice(request: web.Request, name: str, allowed: Sequence[str]) -> str | None:
    """Read an enum query parameter (400 on an unknown value)."""
    value = request.query.get(name)
    if value is not None and value not in allowed:
        invalid(f"{name} must be one of {', '.join(allowed)}")
    return value


def parse_when(value: str, *, end_of_day: bool = False) -> datetime:
    """Parse RFC 3339 or ``YYYY-MM-DD`` (a date filter's end covers the whole day)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time.max if end_of_day else time.min, UTC)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        invalid(f"invalid date {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_range(request: web.Request, when: datetime) -> bool:
    """Apply ``date_from`` / ``date_to`` query filters."""
    low, high = request.query.get("date_from"), request.query.get("date_to")
    return (low is None or when >= parse_when(low)) and (
        high is None or when <= parse_when(high, end_of_day=True)
    )


def encode_cursor(offset: int) -> str:
    """Make an opaque cursor."""
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Read an opaque cursor (400 when it is not one of ours)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (ValueError, KeyError, TypeError):
        invalid("invalid cursor")
    if not isinstance(offset, int) or offset < 0:
        invalid("invalid cursor")
    return offset


def paginate[T](request: web.Request, items: Sequence[T], render: Callable[[T], Json]) -> Json:
    """Cut one cursor page: ``{data, next_cursor, total}``."""
    raw_limit = request.query.get("limit", "20")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        invalid("limit must be an integer within 1-100")
    limit = int(raw_limit)
    cursor = request.query.get("cursor")
    offset = decode_cursor(cursor) if cursor else 0
    chunk = items[offset : offset + limit]
    more = offset + limit < len(items)
    return {
        "data": [render(item) for item in chunk],
        "next_cursor": encode_cursor(offset + limit) if more else None,
        "total": len(items),
    }


def text(body: Json, name: str, *, low: int = 1, high: int = 100) -> str | None:
    """Read an optional string field with a length range."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not low <= len(value) <= high:
        invalid(f"{name} must be a string of {low}-{high} characters")
    return value


async def read_body(request: web.Request) -> Json:
    """Parse a JSON object body (400 ``validation_error`` otherwise)."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        invalid("body must be JSON")
    if not isinstance(body, dict):
        invalid("body must be a JSON object")
    return body


def base_url(request: web.Request) -> str:
    """Scheme and host the client used (for absolute media URLs)."""
    return str(request.url.origin())


def visible_camera(request: web.Request, camera_id: str) -> Camera:
    """A camera the caller may see (404 if absent, 403 outside a viewer's sites)."""
    camera = state_of(request).camera(camera_id)
    if not principal(request).sees(camera.site_id):
        fail(403, "forbidden", "camera is outside your sites")
    return camera


def error_response(state: NovaState, error: NovaError) -> web.Response:
    """Render an error in the configured envelope."""
    nested = state.error_style == "nested" or (state.error_style == "mixed" and error.bucket)
    body: Json = (
        {"error": {"code": error.code.upper(), "message": error.message}}
        if nested
        else {
            "error": error.code,
            "message": error.message,
            "request_id": f"req_{secrets.token_hex(8)}",
        }
    )
    return web.json_response(body, status=error.status, headers=error.headers)


# ----- handlers ---------------------------------------------------------------------------


async def healthz(_: web.Request) -> web.Response:
    """Health check (no auth, not rate limited)."""
    return web.json_response({"status": "ok"})


async def login(request: web.Request) -> web.Response:
    """User login: 5 attempts per 15 min per email; returns a short-lived token and org_id."""
    state = state_of(request)
    body = await read_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        invalid("email and password are required")
    user = state.users.get(email.lower())
    now = state.now()
    if user is not None:
        user.attempts = [t for t in user.attempts if t > now - LOGIN_WINDOW]
        if len(user.attempts) >= 5:
            fail(429, "rate_limited", "too many login attempts", headers={"Retry-After": "900"})
        user.attempts.append(now)
    if user is None or not hmac.compare_digest(user.password, password):
        fail(401, "invalid_credentials", "email or password is wrong")
    token = f"eyJ{secrets.token_urlsafe(24)}"
    expires = now + JWT_LIFETIME
    state.keys[token] = ApiKey(
        id=user.id, name=user.email, token=token, role=user.role, expires_at=expires
    )
    return web.json_response(
        {
            "access_token": token,
            "expires_at": iso(expires),
            "user": {
                "id": user.id,
                "email": user.email,
                "display_name": user.display_name,
                "role": user.role,
                "org_id": state.org_id,
            },
        }
    )


async def list_cameras(request: web.Request) -> web.Response:
    """GET /api/v1/cameras with filters."""
    state, key = state_of(request), principal(request)
    status = choice(request, "status", CAMERA_STATUSES)
    kind = choice(request, "type", CAMERA_TYPES)
    mode = choice(request, "connection_mode", CONNECTION_MODES)
    site, gateway = request.query.get("site_id"), request.query.get("gateway_id")
    cameras = [
        c
        for c in state.live_cameras()
        if key.sees(c.site_id)
        and (site is None or c.site_id == site)
        and (gateway is None or c.gateway_id == gateway)
        and (status is None or c.status == status)
        and (kind is None or c.type == kind)
        and (mode is None or c.connection_mode == mode)
    ]
    return web.json_response(paginate(request, cameras, Camera.summary))


def _check_credentials(body: Json) -> None:
    """The simulated gateway's synchronous ONVIF/RTSP check."""
    for name in ("onvif_password", "rtsp_password"):
        if body.get(name) == FAILING_PASSWORD:
            invalid("gateway connection check failed")


async def create_camera(request: web.Request) -> web.Response:
    """POST /api/v1/cameras (operator)."""
    require(request, "operator")
    state = state_of(request)
    body = await read_body(request)
    mode = body.get("connection_mode", "gateway")
    kind = body.get("type")
    name = text(body, "name")
    if mode not in CONNECTION_MODES or kind not in CAMERA_TYPES or name is None:
        invalid("name, type (rtsp|onvif) and connection_mode (gateway|direct) are required")
    required = ("rtsp_url",) if kind == "rtsp" else ("host", "onvif_username", "onvif_password")
    missing = [f for f in ("site_id", *required) if not body.get(f)]
    if mode == "gateway" and not body.get("gateway_id"):
        missing.append("gateway_id")
    if missing:
        invalid(f"missing fields: {', '.join(missing)}")
    if body["site_id"] not in state.sites:
        not_found("site")
    gateway_id = body.get("gateway_id") if mode == "gateway" else None
    if gateway_id is not None:
        gateway = state.gateways.get(gateway_id)
        if gateway is None or gateway.site_id != body["site_id"]:
            not_found("gateway")
        _check_credentials(body)
    camera = state.add_camera(
        name,
        body["site_id"],
        gateway_id,
        connection_mode=mode,
        camera_type=kind,
        # Direct-mode cameras register with go2rtc asynchronously (manual).
        status="pending" if mode == "direct" else "online",
    )
    camera.settings = {k: body[k] for k in required if k in body}
    return web.json_response(camera.detail(), status=201)


async def get_camera(request: web.Request) -> web.Response:
    """GET /api/v1/cameras/{id}."""
    return web.json_response(visible_camera(request, request.match_info["id"]).detail())


async def patch_camera(request: web.Request) -> web.Response:
    """PATCH /api/v1/cameras/{id} (operator)."""
    require(request, "operator")
    state = state_of(request)
    camera = state.camera(request.match_info["id"])
    body = await read_body(request)
    name = text(body, "name")
    site_id = body.get("site_id")
    if site_id is not None and site_id not in state.sites:
        not_found("site")
    _check_credentials(body)
    camera.name = name or camera.name
    camera.site_id = site_id or camera.site_id
    credentials = ("rtsp_url", "rtsp_username", "rtsp_password")
    camera.settings |= {k: body[k] for k in (*credentials, "onvif_username") if k in body}
    return web.json_response(camera.detail())


async def delete_camera(request: web.Request) -> web.Response:
    """DELETE /api/v1/cameras/{id} (operator; soft delete)."""
    require(request, "operator")
    state_of(request).delete_camera(request.match_info["id"])
    return web.Response(status=204)


async def trigger_camera(request: web.Request) -> web.Response:
    """POST /api/v1/cameras/{id}/trigger (operator)."""
    require(request, "operator")
    state = state_of(request)
    camera = visible_camera(request, request.match_info["id"])
    body = await read_body(request) if request.can_read_body else {}
    duration = body.get("duration_sec", 15)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 5 <= duration <= 60:
        invalid("duration_sec must be an integer within 5-60")
    note = text(body, "note", low=0, high=500)
    event = state.trigger(camera.id, duration, note)
    return web.json_response(
        {
            "event_id": event.id,
            "started_at": iso(event.triggered_at),
            "expected_clip_duration_sec": duration,
        },
        status=202,
    )


async def list_events(request: web.Request) -> web.Response:
    """GET /api/v1/events with filters, newest first."""
    state, key = state_of(request), principal(request)
    trigger_type = choice(request, "trigger_type", TRIGGER_TYPES)
    ai_status = choice(request, "ai_status", AI_STATUSES)
    starred = choice(request, "starred", ("true", "false"))
    camera_id, site_id = request.query.get("camera_id"), request.query.get("site_id")
    events = []
    for event in sorted(state.events.values(), key=lambda e: e.triggered_at, reverse=True):
        camera = state.cameras[event.camera_id]
        state.settle_ai(event)
        if (
            key.sees(camera.site_id)
            and (camera_id is None or event.camera_id == camera_id)
            and (site_id is None or camera.site_id == site_id)
            and (trigger_type is None or event.trigger_type == trigger_type)
            and (ai_status is None or event.ai_status == ai_status)
            and (starred is None or event.starred == (starred == "true"))
            and in_range(request, event.triggered_at)
        ):
            events.append(event)
    origin = base_url(request)
    return web.json_response(paginate(request, events, lambda e: state.event_json(e, origin)))


def visible_event(request: web.Request) -> Event:
    """The event named in the path, if the caller may see it."""
    state = state_of(request)
    event = state.events.get(request.match_info["id"]) or not_found("event")
    if not principal(request).sees(state.cameras[event.camera_id].site_id):
        fail(403, "forbidden", "event is outside your sites")
    return event


async def get_event(request: web.Request) -> web.Response:
    """GET /api/v1/events/{id} (detail shape)."""
    event = visible_event(request)
    return web.json_response(state_of(request).event_json(event, base_url(request), detail=True))


async def patch_event(request: web.Request) -> web.Response:
    """PATCH /api/v1/events/{id}: acknowledge or star (operator)."""
    require(request, "operator")
    event = visible_event(request)
    body = await read_body(request)
    for name in ("acknowledged", "starred"):
        if name in body and not isinstance(body[name], bool):
            invalid(f"{name} must be a boolean")
    event.acknowledged = body.get("acknowledged", event.acknowledged)
    event.starred = body.get("starred", event.starred)
    return web.json_response(state_of(request).event_json(event, base_url(request), detail=True))


def visible_alerts(request: web.Request) -> list[Alert]:
    """Alerts on cameras the caller may see, newest first."""
    state, key = state_of(request), principal(request)
    return [
        a
        for a in sorted(state.alerts.values(), key=lambda a: a.fired_at, reverse=True)
        if key.sees(state.cameras[a.camera_id].site_id)
    ]


async def list_alerts(request: web.Request) -> web.Response:
    """GET /api/v1/alerts with filters."""
    status = choice(request, "status", ALERT_STATUSES)
    rule_id = request.query.get("rule_id")
    alerts = [
        a
        for a in visible_alerts(request)
        if (status is None or a.status == status)
        and (rule_id is None or a.rule_id == rule_id)
        and in_range(request, a.fired_at)
    ]
    return web.json_response(paginate(request, alerts, Alert.to_json))


def find_alert(request: web.Request) -> Alert:
    """The alert named in the path among those the caller sees."""
    for alert in visible_alerts(request):
        if alert.id == request.match_info["id"]:
            return alert
    not_found("alert")


async def get_alert(request: web.Request) -> web.Response:
    """GET /api/v1/alerts/{id}."""
    return web.json_response(find_alert(request).to_json())


async def alert_timeline(request: web.Request) -> web.Response:
    """GET /api/v1/alerts/{id}/timeline (v1.1)."""
    alert = find_alert(request)
    entries = [{"at": iso(alert.fired_at), "action": "fired", "actor": "system"}]
    if alert.acknowledged_at is not None:
        entries.append({"at": iso(alert.acknowledged_at), "action": "acknowledged", "actor": "api"})
    return web.json_response({"alert_id": alert.id, "entries": entries})


async def list_sites(request: web.Request) -> web.Response:
    """GET /api/v1/sites (inferred endpoint; viewers see their sites)."""
    state, key = state_of(request), principal(request)
    sites = [s for s in state.sites.values() if key.sees(s.id)]
    return web.json_response(paginate(request, sites, lambda s: s.to_json(state.org_id)))


async def get_site(request: web.Request) -> web.Response:
    """GET /api/v1/sites/{id}."""
    state = state_of(request)
    site = state.sites.get(request.match_info["id"]) or not_found("site")
    if not principal(request).sees(site.id):
        fail(403, "forbidden", "site is outside your sites")
    return web.json_response(site.to_json(state.org_id))


async def list_gateways(request: web.Request) -> web.Response:
    """GET /api/v1/gateways: the manual's example has no cursor, only ``{data, total}``."""
    key = principal(request)
    gateways = [g.to_json() for g in state_of(request).gateways.values() if key.sees(g.site_id)]
    return web.json_response({"data": gateways, "total": len(gateways)})


async def get_gateway(request: web.Request) -> web.Response:
    """GET /api/v1/gateways/{id}."""
    gateway = state_of(request).gateways.get(request.match_info["id"]) or not_found("gateway")
    if not principal(request).sees(gateway.site_id):
        fail(403, "forbidden", "gateway is outside your sites")
    return web.json_response(gateway.to_json())


def _webhook_fields(body: Json, *, partial: bool) -> Json:
    """Validate webhook fields (HTTPS URL, known event types)."""
    fields: Json = {}
    name = text(body, "name")
    if name is not None:
        fields["name"] = name
    if "url" in body or not partial:
        url = body.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or not parts.hostname or parts.scheme not in {"http", "https"}:
            invalid("url must be an absolute URL")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            invalid("url must use https")
        fields["url"] = url
    if "event_types" in body or not partial:
        types = body.get("event_types")
        if (
            not isinstance(types, list)
            or not types
            or any(t not in WEBHOOK_EVENT_TYPES for t in types)
        ):
            invalid(f"event_types must be a non-empty list of {', '.join(WEBHOOK_EVENT_TYPES)}")
        fields["event_types"] = list(dict.fromkeys(types))
    _flag(body, "enabled", fields)
    return fields


def _flag(body: Json, name: str, fields: Json) -> None:
    """Copy an optional boolean field into `fields` (400 when it is not a boolean)."""
    if name in body:
        if not isinstance(body[name], bool):
            invalid(f"{name} must be a boolean")
        fields[name] = body[name]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def create_webhook(request: web.Request) -> web.Response:
    """POST /api/v1/webhooks (operator); the secret is shown in this response only."""
    require(request, "operator")
    state = state_of(request)
    fields = _webhook_fields(await read_body(request), partial=False)
    webhook = Webhook(
        id=state.next_id("webhook"),
        name=fields.get("name", "webhook"),
        url=fields["url"],
        event_types=fields["event_types"],
        enabled=fields.get("enabled", True),
        secret=f"whsec_live_{secrets.token_hex(24)}",
        created_at=state.now(),
    )
    state.webhooks[webhook.id] = webhook
    return web.json_response(webhook.to_json(with_secret=True), status=201)


def _rule_list(body: Json, name: str, *, low: int, high: int) -> list[str]:
    values = body.get(name)
    if (
        not isinstance(values, list)
        or not low <= len(values) <= high
        or not all(isinstance(v, str) and v for v in values)
    ):
        invalid(f"{name} must be a list of {low}-{high} strings")
    return list(values)


def _rule_fields(state: NovaState, body: Json, rule: AlertRule | None) -> Json:
    """Validate alert-rule fields (a create when `rule` is None, else a partial update)."""
    fields: Json = {}
    name = text(body, "name", low=3)
    if name is not None:
        if any(r.name == name and r is not rule for r in state.alert_rules.values()):
            fail(409, "conflict", "an alert rule of that name exists")
        fields["name"] = name
    enums = (
        ("trigger_type", RULE_TRIGGERS),
        ("scope_type", RULE_SCOPES),
        ("schedule_type", RULE_SCHEDULES),
    )
    for key, allowed in enums:
        if key in body:
            if body[key] not in allowed:
                invalid(f"{key} must be one of {', '.join(allowed)}")
            fields[key] = body[key]
    _flag(body, "enabled", fields)
    if "cooldown_sec" in body:
        cooldown = body["cooldown_sec"]
        if type(cooldown) is not int or not 60 <= cooldown <= 3600:
            invalid("cooldown_sec must be an integer within 60-3600")
        fields["cooldown_sec"] = cooldown
    if "min_confidence" in body:
        confidence = body["min_confidence"]
        if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            invalid("min_confidence must be a number within 0-1")
        fields["min_confidence"] = float(confidence)
    for key, low, high in (("recipients", 1, 20), ("custom_tags", 1, 20)):
        if key in body:
            fields[key] = _rule_list(body, key, low=low, high=high)
    for key in ("site_ids", "camera_ids"):
        if key in body:
            fields[key] = _rule_list(body, key, low=0, high=RULE_LIMIT)
    if rule is None:
        for key in ("name", "trigger_type", "scope_type", "recipients"):
            if key not in fields:
                invalid(f"{key} is required")
    return fields


async def list_alert_rules(request: web.Request) -> web.Response:
    """GET /api/v1/alert-rules (operator)."""
    require(request, "operator")
    rules = list(state_of(request).alert_rules.values())
    return web.json_response(paginate(request, rules, AlertRule.to_json))


async def create_alert_rule(request: web.Request) -> web.Response:
    """POST /api/v1/alert-rules (operator; 100 per organisation)."""
    require(request, "operator")
    state = state_of(request)
    fields = _rule_fields(state, await read_body(request), None)
    if len(state.alert_rules) >= RULE_LIMIT:
        fail(409, "conflict", f"an organisation has at most {RULE_LIMIT} alert rules")
    rule = AlertRule(id=state.next_id("rule"), **fields)
    state.alert_rules[rule.id] = rule
    return web.json_response(rule.to_json(), status=201)


def find_alert_rule(request: web.Request) -> AlertRule:
    """The alert rule named in the path."""
    found = state_of(request).alert_rules.get(request.match_info["id"])
    return found or not_found("alert rule")


async def get_alert_rule(request: web.Request) -> web.Response:
    """GET /api/v1/alert-rules/{id} (operator)."""
    require(request, "operator")
    return web.json_response(find_alert_rule(request).to_json())


async def patch_alert_rule(request: web.Request) -> web.Response:
    """PATCH /api/v1/alert-rules/{id} (operator): enable, disable or change a rule."""
    require(request, "operator")
    rule = find_alert_rule(request)
    return _updated(rule, _rule_fields(state_of(request), await read_body(request), rule))


async def delete_alert_rule(request: web.Request) -> web.Response:
    """DELETE /api/v1/alert-rules/{id} (operator)."""
    require(request, "operator")
    return _deleted(state_of(request).alert_rules, find_alert_rule(request).id)


def _updated(item: AlertRule | Webhook, fields: Json) -> web.Response:
    """Apply validated fields; answer the object as it is now."""
    for name, value in fields.items():
        setattr(item, name, value)
    return web.json_response(item.to_json())


def _deleted(items: dict[str, Any], item_id: str) -> web.Response:
    """Forget the object; answer 204."""
    del items[item_id]
    return web.Response(status=204)


async def list_webhooks(request: web.Request) -> web.Response:
    """GET /api/v1/webhooks (operator; never the secret)."""
    require(request, "operator")
    hooks = list(state_of(request).webhooks.values())
    return web.json_response(paginate(request, hooks, Webhook.to_json))


def find_webhook(request: web.Request) -> Webhook:
    """The webhook named in the path."""
    return state_of(request).webhooks.get(request.match_info["id"]) or not_found("webhook")


async def get_webhook(request: web.Request) -> web.Response:
    """GET /api/v1/webhooks/{id}: admins also see the secret."""
    key = require(request, "operator")
    admin = ROLES.index(key.role) >= ROLES.index("admin")
    return web.json_response(find_webhook(request).to_json(with_secret=admin))


async def patch_webhook(request: web.Request) -> web.Response:
    """PATCH /api/v1/webhooks/{id} (operator)."""
    require(request, "operator")
    return _updated(find_webhook(request), _webhook_fields(await read_body(request), partial=True))


async def delete_webhook(request: web.Request) -> web.Response:
    """DELETE /api/v1/webhooks/{id} (operator)."""
    require(request, "operator")
    return _deleted(state_of(request).webhooks, find_webhook(request).id)


async def rotate_secret(request: web.Request) -> web.Response:
    """POST /api/v1/webhooks/{id}/rotate-secret (admin): the old secret stops at once."""
    require(request, "admin")
    webhook = find_webhook(request)
    webhook.secret = f"whsec_live_{secrets.token_hex(24)}"
    return web.json_response({"id": webhook.id, "secret": webhook.secret})


def _storage_event(request: web.Request) -> Event:
    """Check a signed storage URL and return its event (400 expired, 403 bad signature)."""
    state = state_of(request)
    expires = request.query.get("X-Goog-Expires", "")
    signature = request.query.get("X-Goog-Signature", "")
    if not expires.isdigit() or not hmac.compare_digest(
        signature, state.sign(request.path, int(expires))
    ):
        raise web.HTTPForbidden(text="SignatureDoesNotMatch")
    if int(expires) < state.now().timestamp():
        raise web.HTTPBadRequest(text="ExpiredToken")
    event = state.events.get(request.match_info["id"])
    if event is None:
        raise web.HTTPNotFound(text="NoSuchKey")
    return event


async def storage_snapshot(request: web.Request) -> web.Response:
    """Signed event snapshot (real JPEG)."""
    state = state_of(request)
    event = _storage_event(request)
    title = state.cameras[event.camera_id].name
    return web.Response(body=media.jpeg_frame(title, event.triggered_at), content_type="image/jpeg")


async def storage_clip(request: web.Request) -> web.Response:
    """Signed event clip: pre-buffer + duration + post-buffer as H.264 MPEG-TS."""
    state = state_of(request)
    event = _storage_event(request)
    source = media.HlsSource(state.cameras[event.camera_id].name, now=state.now)
    start = event.triggered_at - timedelta(seconds=CLIP_PRE_POST)
    end = event.triggered_at + timedelta(seconds=event.duration_sec + CLIP_PRE_POST)
    return web.Response(body=source.range(start, end), content_type="video/mp2t")


# ----- control API ------------------------------------------------------------------------


def _control_routes(state: NovaState) -> list[web.RouteDef]:
    async def camera_status(request: web.Request) -> web.Response:
        status = "offline" if request.path.endswith("/offline") else "online"
        camera = state.set_camera_status(request.match_info["id"], status)
        return web.json_response(camera.detail())

    async def gateway_status(request: web.Request) -> web.Response:
        status = "offline" if request.path.endswith("/offline") else "online"
        return web.json_response(
            state.set_gateway_status(request.match_info["id"], status).to_json()
        )

    async def add_camera(request: web.Request) -> web.Response:
        body = await json_body(request)
        site_id = body.get("site_id") or next(iter(state.sites))
        gateway = next((g.id for g in state.gateways.values() if g.site_id == site_id), None)
        camera = state.add_camera(str(body.get("name", "New camera")), site_id, gateway)
        return web.json_response(camera.detail(), status=201)

    async def remove_camera(request: web.Request) -> web.Response:
        state.delete_camera(request.match_info["id"])
        return web.Response(status=204)

    async def fire(request: web.Request) -> web.Response:
        body = await json_body(request)
        trigger_type = body.get("trigger_type", "motion")
        if trigger_type not in TRIGGER_TYPES:
            raise web.HTTPBadRequest(text="unknown trigger_type")
        event = state.fire_event(str(body.get("camera_id")), trigger_type)
        return web.json_response(state.event_json(event, base_url(request)), status=201)

    async def deliveries(_: web.Request) -> web.Response:
        return web.json_response([vars(d) for d in state.deliveries])

    async def error_style(request: web.Request) -> web.Response:
        style = (await json_body(request)).get("style")
        if style not in {"flat", "nested", "mixed"}:
            raise web.HTTPBadRequest(text="style must be flat, nested or mixed")
        state.error_style = style
        return web.json_response({"style": style})

    return [
        web.post("/_sim/cameras/{id}/offline", camera_status),
        web.post("/_sim/cameras/{id}/online", camera_status),
        web.post("/_sim/gateways/{id}/offline", gateway_status),
        web.post("/_sim/gateways/{id}/online", gateway_status),
        web.post("/_sim/cameras", add_camera),
        web.delete("/_sim/cameras/{id}", remove_camera),
        web.post("/_sim/incidents", fire),
        web.post("/_sim/events", fire),
        web.get("/_sim/deliveries", deliveries),
        web.post("/_sim/error-style", error_style),
    ]


STATE_KEY: Final = web.AppKey("novavms_state", NovaState)
PUBLIC_PATHS: Final = ("/healthz", "/api/v1/auth/login", "/api/auth/login")

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate, rate-limit and render NovaVMS errors for ``/api/...`` requests."""
    state = state_of(request)
    headers: dict[str, str] = {}
    try:
        # Control and storage paths skip the API's auth; control maps lookups to 404 below.
        if request.path.startswith("/api/") and request.path not in PUBLIC_PATHS:
            key = state.authenticate(request.headers.get("Authorization"))
            request[PRINCIPAL] = key
            headers = state.take_token(key)
        response = await handler(request)
    except NovaError as error:
        error.headers = {**headers, **error.headers}
        if request.path.startswith("/_sim/"):
            raise web.HTTPNotFound(text=error.message) from error
        return error_response(state, error)
    except web.HTTPNotFound:
        if not request.path.startswith("/api/"):
            raise
        # Unknown API paths answer in the vendor's envelope, not aiohttp's text page.
        return error_response(
            state, NovaError(404, "not_found", "no such endpoint", headers=headers)
        )
    except web.HTTPMethodNotAllowed as exc:
        allow = {**headers, "Allow": ",".join(sorted(exc.allowed_methods))}
        refused = NovaError(405, "method_not_allowed", "method not allowed", headers=allow)
        return error_response(state, refused)
    response.headers.update(headers)
    return response


def _account_of(request: web.Request) -> str | None:
    key: ApiKey | None = request.get(PRINCIPAL)
    return key.id if key is not None else None


def create_app(state: NovaState, log: RequestLog, faults: FaultInjector) -> web.Application:
    """Build the NovaVMS app (API, signed storage, control)."""
    routes = [
        web.get("/healthz", healthz),
        web.post("/api/v1/auth/login", login),
        # The getting-started page uses /api/auth/login; both paths answer.
        web.post("/api/auth/login", login),
        web.get("/api/v1/cameras", list_cameras),
        web.post("/api/v1/cameras", create_camera),
        web.get("/api/v1/cameras/{id}", get_camera),
        web.patch("/api/v1/cameras/{id}", patch_camera),
        web.delete("/api/v1/cameras/{id}", delete_camera),
        web.post("/api/v1/cameras/{id}/trigger", trigger_camera),
        web.get("/api/v1/events", list_events),
        web.get("/api/v1/events/{id}", get_event),
        web.patch("/api/v1/events/{id}", patch_event),
        web.get("/api/v1/alerts", list_alerts),
        web.get("/api/v1/alerts/{id}", get_alert),
        web.get("/api/v1/alerts/{id}/timeline", alert_timeline),
        web.get("/api/v1/alert-rules", list_alert_rules),
        web.post("/api/v1/alert-rules", create_alert_rule),
        web.get("/api/v1/alert-rules/{id}", get_alert_rule),
        web.patch("/api/v1/alert-rules/{id}", patch_alert_rule),
        web.delete("/api/v1/alert-rules/{id}", delete_alert_rule),
        web.get("/api/v1/sites", list_sites),
        web.get("/api/v1/sites/{id}", get_site),
        web.get("/api/v1/gateways", list_gateways),
        web.get("/api/v1/gateways/{id}", get_gateway),
        web.get("/api/v1/webhooks", list_webhooks),
        web.post("/api/v1/webhooks", create_webhook),
        web.get("/api/v1/webhooks/{id}", get_webhook),
        web.patch("/api/v1/webhooks/{id}", patch_webhook),
        web.delete("/api/v1/webhooks/{id}", delete_webhook),
        web.post("/api/v1/webhooks/{id}/rotate-secret", rotate_secret),
        web.get("/storage/bkt-cloud-ai/{id}.jpg", storage_snapshot),
        web.get("/storage/bkt-cloud-ai/{id}.ts", storage_clip),
    ]
    app = make_app(
        VENDOR,
        log,
        faults,
        account_of=_account_of,
        routes=routes,
        control=_control_routes(state),
        clock=state.now,
        middlewares=[api_middleware],
    )
    app[STATE_KEY] = state
    return app
