"""NovaVMS push: one webhook (HTTPS only), deliveries verified, what events and statuses change.

The webhook's secret is shown when it is created (and to admin keys later); a key that may
not create or read webhooks uses the secret the user pasted in the options instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from http import HTTPStatus
import logging
from typing import Any, Final

from ..errors import PermissionDeniedError, RequestRejectedError
from ..interface import Clock
from ..model import CameraEvent, EventPicture, PushKind, PushMessage, Snapshot, media_picture
from ..motion import NOVAVMS_EVENT_LENGTH, NOVAVMS_MOTION_KINDS, MotionTracker
from ..push import (
    ISSUE_NEEDS_SECRET,
    FiredEvent,
    FiredIncident,
    PushContext,
    PushOutcome,
    PushTarget,
    PushUnavailableError,
    online_outcome,
)
from .client import EVENT_TYPES as HOOK_EVENT_TYPES, NovaVMSClient
from .webhook import NovaWebhookVerifier

_LOGGER = logging.getLogger(__name__)

WEBHOOK_NAME: Final = "Home Assistant (CamHub)"
# What a camera's event entity reports: the trigger, the AI tag when it is a known one, alerts.
EVENT_TYPES: Final = ("motion", "person", "vehicle", "animal", "ai_tag", "manual", "alert")
_TAGS: Final = frozenset({"person", "vehicle", "animal"})
# Entry data and option keys this module reads (the HA layer's const.CONF_* of the same strings).
PUSH_TARGET_ID: Final = "push_target_id"
PUSH_SECRET: Final = "push_secret"  # noqa: S105 - a key name, not a secret
WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 - a key name, not a secret


def event_type(event: CameraEvent) -> str:
    """A NovaVMS event's type as the event entity reports it."""
    if event.kind == "ai_tag":
        return next((tag for tag in event.tags if tag in _TAGS), "ai_tag")
    return event.kind if event.kind in EVENT_TYPES else "motion"


class NovaVMSPush:
    """The PushSupport of one NovaVMS entry."""

    event_types: tuple[str, ...] = EVENT_TYPES
    requires_https: bool = True

    def __init__(self, client: NovaVMSClient, *, api_url: str) -> None:
        """Registers through `client`; `api_url` is the API's."""
        self._client = client
        self._api_url = api_url

    def api_origin(self) -> str:
        """The API's URL (the simulator's is on loopback)."""
        return self._api_url

    async def async_register(self, context: PushContext) -> PushTarget:
        """Find or create our webhook; its secret from the answer, an admin read, or the user."""
        client, url = self._client, context.url
        pasted = context.options.get(WEBHOOK_SECRET) or None
        try:
            hooks = await client.async_fetch_webhooks()
        except PermissionDeniedError:
            # A viewer key: the user creates the webhook in NovaVMS and pastes its secret.
            if pasted is None:
                raise PushUnavailableError(ISSUE_NEEDS_SECRET, url=url) from None
            return PushTarget(url, None, pasted)
        stored_id = context.data.get(PUSH_TARGET_ID)
        ours = next((h for h in hooks if h.id == stored_id), None)
        ours = ours or next((h for h in hooks if h.url == url), None)
        if ours is not None:
            types = set(ours.event_types)
            if ours.url != url or not ours.enabled or types != set(HOOK_EVENT_TYPES):
                ours = await client.async_update_webhook(ours.id, url=url)
            stored = context.data.get(PUSH_SECRET) if ours.id == stored_id else None
            secret = pasted or stored or await self._async_admin_secret(ours.id)
            if secret is not None:
                return PushTarget(url, ours.id, secret)
            # Nobody can tell us its secret: start over with a webhook whose secret we see.
            await client.async_delete_webhook(ours.id)
        created = await client.async_create_webhook(name=WEBHOOK_NAME, url=url)
        if created.secret is None:
            raise PushUnavailableError(ISSUE_NEEDS_SECRET, url=url)
        return PushTarget(url, created.id, created.secret)

    async def _async_admin_secret(self, webhook_id: str) -> str | None:
        try:
            return (await self._client.async_fetch_webhook(webhook_id)).secret
        except PermissionDeniedError:
            return None

    async def async_unregister(self, target_id: str) -> None:
        """Delete our webhook (deliveries stop at once); one deleted already is fine."""
        try:
            await self._client.async_delete_webhook(target_id)
        except RequestRejectedError as err:
            if err.status != HTTPStatus.NOT_FOUND:
                raise
            # Someone deleted it in NovaVMS already: nothing stays on the account.
            _LOGGER.debug("novavms: the webhook was deleted already")

    def verifier(self, secret: str, clock: Clock) -> NovaWebhookVerifier:
        """Checks HMAC signatures made with the webhook's secret; remembers delivery ids."""
        return NovaWebhookVerifier(secret, now=clock)

    def apply(
        self, message: PushMessage, snapshot: Snapshot, motion: MotionTracker, now: datetime
    ) -> PushOutcome:
        """What an event, an alert, or a camera or gateway status changes."""
        match message.kind:
            case PushKind.EVENT if message.event is not None:
                return _event(self._client, message.event, snapshot, motion)
            case PushKind.ALERT:
                return self._alert(message, snapshot)
            case PushKind.CAMERA_STATUS if message.camera_id is not None:
                return online_outcome(snapshot, (message.camera_id,), message.online)
            case PushKind.GATEWAY_STATUS:
                return _gateway_status(message, snapshot)
            case _:
                return PushOutcome()

    def _alert(self, message: PushMessage, snapshot: Snapshot) -> PushOutcome:
        """The event entity fires and so does camhub_incident (with the event's image)."""
        alert = message.alert
        camera = snapshot.cameras.get(alert.camera_id or "") if alert is not None else None
        if alert is None or camera is None:
            return PushOutcome()
        client, camera_id, event_id = self._client, camera.id, alert.event_id

        async def fetch_image() -> bytes:
            if event_id is None:
                return await client.async_camera_image(camera_id)
            event = await client.async_fetch_event(event_id)
            if event.snapshot_url is None:
                return await client.async_camera_image(camera_id)
            return (await client.async_fetch_media(event.snapshot_url)).content

        return PushOutcome(
            events=(
                FiredEvent(
                    camera_id=camera.id,
                    event_type="alert",
                    # The event the alert is for: the one an acknowledgement marks.
                    attributes={
                        "alert_id": alert.id,
                        "event_id": event_id,
                        "title": alert.rule_name or message.title,
                    },
                ),
            ),
            incidents=(
                FiredIncident(
                    camera_id=camera.id,
                    incident_id=alert.id,
                    title=message.title,
                    # The event's snapshot: the event's own picture (the same key) is it.
                    picture=EventPicture(
                        camera_id=camera.id,
                        taken_at=alert.fired_at,
                        fetch=fetch_image,
                        key=event_id,
                    ),
                ),
            ),
        )


def _event(
    client: NovaVMSClient, event: CameraEvent, snapshot: Snapshot, motion: MotionTracker
) -> PushOutcome:
    """Motion for the event's length, and the camera's event entity fires."""
    camera_id = event.camera_id
    if camera_id is None or camera_id not in snapshot.cameras:
        return PushOutcome()
    attributes: dict[str, Any] = {
        "event_id": event.id,
        "title": event.summary or event.title,
        "acknowledged": bool(event.acknowledged),
    }
    if event.tags:
        attributes["tags"] = list(event.tags)
    fired = (FiredEvent(camera_id=camera_id, event_type=event_type(event), attributes=attributes),)
    pictures = event_pictures(client, (event,))
    if event.kind not in NOVAVMS_MOTION_KINDS:
        return PushOutcome(events=fired, pictures=pictures)
    motion.extend(camera_id, event.occurred_at + NOVAVMS_EVENT_LENGTH)
    return PushOutcome(
        snapshot=snapshot, devices=(("camera", camera_id),), events=fired, pictures=pictures
    )


def event_pictures(
    client: NovaVMSClient, events: Iterable[CameraEvent]
) -> tuple[EventPicture, ...]:
    """Each camera's newest event's own snapshot, where it names one.

    A signed storage URL: fetching it costs no API request.
    """
    newest: dict[str, CameraEvent] = {}
    for event in events:
        camera_id, known = event.camera_id, newest.get(event.camera_id or "")
        pictured = camera_id is not None and event.snapshot_url is not None
        if pictured and (known is None or event.occurred_at > known.occurred_at):
            newest[str(camera_id)] = event
    return tuple(
        media_picture(
            client.async_fetch_media,
            event.snapshot_url or "",
            camera_id=camera_id,
            taken_at=event.occurred_at,
            key=event.id,
        )
        for camera_id, event in newest.items()
    )


def _gateway_status(message: PushMessage, snapshot: Snapshot) -> PushOutcome:
    """The gateway and the cameras behind it (the push only counts them)."""
    gateway = snapshot.gateways.get(str(message.data.get("gateway_id")))
    if gateway is None or message.online is None:
        return PushOutcome()
    status = "online" if message.online else "offline"
    gateway = replace(gateway, online=message.online, status=status)
    snapshot = replace(snapshot, gateways={**snapshot.gateways, gateway.id: gateway})
    behind = [c.id for c in snapshot.cameras.values() if c.gateway_id == gateway.id]
    cameras = online_outcome(snapshot, behind, message.online)
    return PushOutcome(
        snapshot=cameras.snapshot or snapshot, devices=(("gateway", gateway.id), *cameras.devices)
    )
