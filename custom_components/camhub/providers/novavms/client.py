"""NovaVMS cloud API client (service-account key, cursor pages, rate-limit headers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
import hashlib
import logging
from typing import Any, Final

import aiohttp

from ..budget import RequestBudget
from ..decode import UNKNOWN, Node, each, format_datetime, utcnow
from ..errors import NotSupportedError
from ..http import DEFAULT_TIMEOUT, HttpCore, Response
from ..model import (
    Account,
    Alert,
    AlertRule,
    Camera,
    CameraEvent,
    Capability,
    ClipTrigger,
    Gateway,
    MediaFile,
    MediaStream,
    Site,
    Snapshot,
    Webhook,
)

DEFAULT_BASE_URL: Final = "https://novavms.novalien.com"
API: Final = "api/v1/"
PAGE_LIMIT: Final = 100
TRIGGER_MIN_SECONDS: Final = 5
TRIGGER_MAX_SECONDS: Final = 60
EVENT_TYPES: Final = ("alert", "event", "camera_status", "gateway_status")
# Every NovaVMS camera is reachable for events (which can be acknowledged) and manual clips;
# no live URL is documented. Events carry a snapshot or clip; cameras report an enum status
# beside online.
CAMERA_CAPABILITIES: Final = frozenset(
    {
        Capability.CLIP_TRIGGER,
        Capability.EVENTS,
        Capability.EVENT_ACK,
        Capability.EVENT_MEDIA,
        Capability.STATUS_DETAIL,
    }
)
# The documented enums; a value outside them reads as UNKNOWN.
CAMERA_STATUSES: Final = frozenset({"online", "offline", "pending", "error", "disabled"})
ALERT_STATUSES: Final = frozenset({"new", "acknowledged", "resolved"})
RULE_TRIGGERS: Final = frozenset(
    {"motion", "ai_person", "ai_vehicle", "camera_offline", "ai_custom_tag"}
)

_LOGGER = logging.getLogger(__name__)


def rate_headers(headers: Mapping[str, str]) -> tuple[int, float] | None:
    """(remaining, reset unix time) from X-RateLimit-* headers, None if absent or unreadable."""
    try:
        return int(headers["X-RateLimit-Remaining"]), float(headers["X-RateLimit-Reset"])
    except (KeyError, ValueError):
        return None


def account_from(sites: list[Node], api_key: str, total: int | None = None) -> Account:
    """The organisation behind the key, from the first site's `org_id`.

    The API names no organisation: its sites say whose it is (`total` counts the
    sites when only the first page of them was read).
    """
    org_id = sites[0].opt_ident("org_id") if sites else None
    if org_id is None:
        org_id = "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
    first = sites[0].opt_text("name") if sites else None
    more = max(len(sites), total or 0) - 1
    if first is None:
        name = "NovaVMS"
    elif more < 1:
        name = first
    else:
        name = f"{first} and {more} more site{'s' if more > 1 else ''}"
    return Account(vendor="novavms", account_id=org_id, name=name)


def site_from(node: Node) -> Site:
    """Site object -> Site (NovaVMS sites cannot be armed)."""
    return Site(id=node.ident("id"), name=node.text("name"))


def camera_model(kind: str | None) -> str:
    """The model a person reads: NovaVMS says only how it reaches the camera (rtsp, onvif)."""
    return {"rtsp": "RTSP camera", "onvif": "ONVIF camera"}.get((kind or "").lower(), "Camera")


def camera_from(node: Node) -> Camera:
    """Camera object -> Camera."""
    status = node.choice("status", CAMERA_STATUSES)
    return Camera(
        id=node.ident("id"),
        name=node.text("name"),
        online={"online": True, "offline": False, "error": False}.get(status),
        status=status,
        capabilities=CAMERA_CAPABILITIES,
        site_id=node.opt_ident("site_id"),
        gateway_id=node.opt_ident("gateway_id"),
        model=camera_model(node.opt_text("type")),
        active_tier=node.opt_text("active_tier"),
    )


def gateway_from(node: Node) -> Gateway:
    """Gateway object -> Gateway (its statuses are undocumented beyond `online`)."""
    status = node.opt_text("status") or UNKNOWN
    return Gateway(
        id=node.ident("id"),
        name=node.text("name"),
        site_id=node.opt_ident("site_id"),
        online=status == "online",
        status=status,
        version=node.opt_text("version"),
        last_heartbeat_at=node.opt_when("last_heartbeat_at"),
    )


def event_from(node: Node) -> CameraEvent:
    """Event object -> CameraEvent."""
    return CameraEvent(
        id=node.ident("id"),
        kind=node.text("trigger_type"),
        occurred_at=node.when("triggered_at"),
        camera_id=node.opt_ident("camera_id"),
        title=node.opt_text("camera_name"),
        summary=node.opt_text("summary"),
        acknowledged=node.opt_flag("acknowledged"),
        tags=node.text_list("tags"),
        snapshot_url=node.opt_text("snapshot_url"),
        clip_url=node.opt_text("clip_url"),
        clip_duration=node.opt_number("clip_duration_sec"),
    )


def alert_from(node: Node) -> Alert:
    """Alert object -> Alert."""
    return Alert(
        id=node.ident("id"),
        rule_id=node.opt_ident("rule_id"),
        rule_name=node.opt_text("rule_name"),
        event_id=node.opt_ident("event_id"),
        camera_id=node.opt_ident("camera_id"),
        # An alert without status is new; one with a status we do not know is UNKNOWN.
        status=node.choice("status", ALERT_STATUSES) if node.has("status") else "new",
        fired_at=node.when("fired_at"),
        acknowledged_at=node.opt_when("acknowledged_at"),
    )


def alert_rule_from(node: Node) -> AlertRule:
    """Alert rule object -> AlertRule (one without `enabled` reads as enabled)."""
    return AlertRule(
        id=node.ident("id"),
        name=node.text("name"),
        enabled=node.opt_flag("enabled") is not False,
        trigger_type=node.choice("trigger_type", RULE_TRIGGERS),
    )


def webhook_from(node: Node) -> Webhook:
    """Webhook object -> Webhook (the secret only appears in the create answer)."""
    return Webhook(
        id=node.ident("id"),
        name=node.text("name"),
        url=node.text("url"),
        event_types=node.text_list("event_types"),
        enabled=node.opt_flag("enabled") is not False,
        secret=node.opt_text("secret"),
    )


def trigger_from(node: Node, camera_id: str) -> ClipTrigger:
    """Trigger answer (202) -> ClipTrigger."""
    return ClipTrigger(
        camera_id=camera_id,
        event_id=node.opt_ident("event_id"),
        started_at=node.opt_when("started_at"),
        expected_duration=node.opt_number("expected_clip_duration_sec"),
    )


def snapshot_from(
    account: Account,
    sites: list[Node],
    gateways: list[Node],
    cameras: list[Node],
    fetched_at: datetime,
) -> Snapshot:
    """One full refresh (sites, gateways, cameras) -> Snapshot."""
    mapped = each(cameras, camera_from)
    site_list = each(sites, site_from)
    return Snapshot(
        account=account,
        sites={
            site.id: Site(
                id=site.id,
                name=site.name,
                camera_ids=tuple(c.id for c in mapped if c.site_id == site.id),
            )
            for site in site_list
        },
        cameras={camera.id: camera for camera in mapped},
        gateways={gateway.id: gateway for gateway in each(gateways, gateway_from)},
        fetched_at=fetched_at,
    )


class NovaVMSClient:
    """One NovaVMS organisation, reached with a service-account API key."""

    vendor: Final = "novavms"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        budget: RequestBudget | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._api_key = api_key
        self._now = now
        self.budget = budget or RequestBudget.novavms(clock=lambda: now().timestamp())
        self._http = HttpCore(
            session,
            vendor="novavms",
            base_url=base_url,
            budget=self.budget,
            secrets=lambda: (self._api_key,),
            timeout=timeout,
            clock=lambda: now().timestamp(),
        )
        self._http.observers.append(self._observe_rate_headers)

    def __repr__(self) -> str:
        return "NovaVMSClient()"

    def _observe_rate_headers(self, response: Response) -> None:
        """Follow the server's own bucket (X-RateLimit-Remaining / -Reset)."""
        if (seen := rate_headers(response.headers)) is not None:
            self.budget.observe_server(*seen)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Node:
        return await self._http.json("GET", API + path, params=params, credentials=self._headers())

    async def _send(self, method: str, path: str, **kwargs: Any) -> Response:
        return await self._http.request(method, API + path, credentials=self._headers(), **kwargs)

    async def _pages(self, path: str, params: dict[str, Any] | None = None) -> list[Node]:
        """Every item of a cursor-paginated list.

        A cursor is only ever a query value to our own API (never a URL we follow), so
        it cannot take the key elsewhere; one that repeats ends the list with what was read.
        """
        query: dict[str, Any] = {"limit": PAGE_LIMIT, **(params or {})}
        items: list[Node] = []
        seen: set[str] = set()
        while True:
            node = await self._get(path, query)
            items.extend(node.array("data"))
            cursor = node.opt_text("next_cursor")
            if not cursor:
                return items
            if cursor in seen:
                _LOGGER.warning("novavms: a list's next_cursor repeats; it ends here")
                return items
            seen.add(cursor)
            query = {**query, "cursor": cursor}

    async def async_fetch_account(self) -> Account:
        """Check the key with one cheap request and name the organisation.

        NovaVMS documents no "who am I" call for keys; sites carry `org_id`. Without
        it (no site visible) the identity is a fingerprint of the key, never the key.
        """
        node = await self._get("sites", {"limit": 1})
        return account_from(node.array("data"), self._api_key, node.opt_integer("total"))

    async def async_fetch_sites(self) -> list[Site]:
        """Every site (all pages)."""
        return each(await self._pages("sites"), site_from)

    async def async_fetch_cameras(self, site_id: str | None = None) -> list[Camera]:
        """Every camera (all cursor pages), optionally of one site."""
        params = None if site_id is None else {"site_id": site_id}
        return each(await self._pages("cameras", params), camera_from)

    async def async_fetch_camera(self, camera_id: str) -> Camera:
        """One camera (an answer naming another camera is a ProtocolError)."""
        node = await self._get(f"cameras/{camera_id}")
        camera = camera_from(node)
        if camera.id != str(camera_id):
            raise node.fail(f"answered for camera {camera.id}, not {camera_id}", "id")
        return camera

    async def async_fetch_gateways(self) -> list[Gateway]:
        """Every gateway."""
        return each(await self._pages("gateways"), gateway_from)

    async def async_fetch_snapshot_state(self) -> Snapshot:
        """One full refresh: sites, gateways and cameras."""
        sites = await self._pages("sites")
        account = account_from(sites, self._api_key)
        gateways = await self._pages("gateways")
        cameras = await self._pages("cameras")
        return snapshot_from(account, sites, gateways, cameras, self._now())

    async def async_trigger_clip(
        self, camera_id: str, duration: int = 10, note: str | None = None
    ) -> ClipTrigger:
        """Record a manual clip of `duration` s (5-60); once per camera per 5 s."""
        body: dict[str, Any] = {
            "duration_sec": min(max(duration, TRIGGER_MIN_SECONDS), TRIGGER_MAX_SECONDS)
        }
        if note is not None:
            body["note"] = note
        response = await self._send(
            "POST", f"cameras/{camera_id}/trigger", json=body, keyed=("trigger", camera_id)
        )
        return trigger_from(response.json(), camera_id)

    async def async_fetch_events(
        self,
        *,
        camera_id: str | None = None,
        site_id: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[CameraEvent]:
        """The newest events (one page of `limit`), optionally filtered."""
        params: dict[str, Any] = {"limit": limit}
        if camera_id is not None:
            params["camera_id"] = camera_id
        if site_id is not None:
            params["site_id"] = site_id
        if since is not None:
            params["date_from"] = format_datetime(since)
        node = await self._get("events", params)
        return each(node.array("data"), event_from)

    async def async_fetch_event(self, event_id: str) -> CameraEvent:
        """One event in full: also its signed clip URL and the clip's length."""
        return event_from(await self._get(f"events/{event_id}"))

    async def async_acknowledge_event(self, event_id: str) -> None:
        """Mark an event acknowledged."""
        await self._send("PATCH", f"events/{event_id}", json={"acknowledged": True})

    async def async_fetch_alerts(self, status: str | None = None, limit: int = 50) -> list[Alert]:
        """The newest alerts (one page), optionally of one status."""
        params: dict[str, Any] = {"limit": limit}
        if status is not None:
            params["status"] = status
        return each((await self._get("alerts", params)).array("data"), alert_from)

    async def async_fetch_alert_rules(self) -> list[AlertRule]:
        """Every alert rule (operator keys; at most 100 exist, so one page)."""
        return each(await self._pages("alert-rules"), alert_rule_from)

    async def async_update_alert_rule(self, rule_id: str, *, enabled: bool) -> AlertRule:
        """Enable or disable an alert rule; the rule as NovaVMS answers it."""
        response = await self._send("PATCH", f"alert-rules/{rule_id}", json={"enabled": enabled})
        node = response.json()
        rule = alert_rule_from(node)
        if rule.id != str(rule_id):
            raise node.fail(f"answered for rule {rule.id}, not {rule_id}", "id")
        return rule

    async def async_fetch_webhooks(self) -> list[Webhook]:
        """Every webhook definition."""
        return each(await self._pages("webhooks"), webhook_from)

    async def async_create_webhook(
        self, *, name: str, url: str, event_types: tuple[str, ...] = EVENT_TYPES
    ) -> Webhook:
        """Create a webhook; its secret is in this answer only."""
        response = await self._send(
            "POST",
            "webhooks",
            json={"name": name, "url": url, "event_types": list(event_types), "enabled": True},
        )
        return webhook_from(response.json())

    async def async_fetch_webhook(self, webhook_id: str) -> Webhook:
        """One webhook; the secret is included only for admin and owner keys."""
        return webhook_from(await self._get(f"webhooks/{webhook_id}"))

    async def async_update_webhook(
        self, webhook_id: str, *, url: str, event_types: tuple[str, ...] = EVENT_TYPES
    ) -> Webhook:
        """Point a webhook at `url` for `event_types` and enable it (the secret stays)."""
        response = await self._send(
            "PATCH",
            f"webhooks/{webhook_id}",
            json={"url": url, "event_types": list(event_types), "enabled": True},
        )
        return webhook_from(response.json())

    async def async_delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook (deliveries stop at once)."""
        await self._send("DELETE", f"webhooks/{webhook_id}")

    async def async_camera_image(self, camera_id: str) -> bytes:
        """The snapshot of the camera's newest event (NovaVMS has no live snapshot API)."""
        events = await self.async_fetch_events(camera_id=camera_id, limit=1)
        if events and events[0].snapshot_url:
            return (await self.async_fetch_media(events[0].snapshot_url)).content
        raise NotSupportedError(f"novavms: camera {camera_id} has no event snapshot yet")

    async def async_fetch_media(self, url: str) -> MediaFile:
        """Download an event's snapshot or clip from its signed storage URL.

        The key is not sent (the URL carries its own signature) and the download is not
        counted against the API budget. An expired URL answers 400 and a bad signature
        403 (RequestRejectedError / PermissionDeniedError): read the event again for a
        fresh URL. Messages name the host only, never the URL.
        """
        return await self._http.fetch_media(url)

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """Stream an event's clip from its signed storage URL (errors as in async_fetch_media)."""
        return self._http.open_media(url)
