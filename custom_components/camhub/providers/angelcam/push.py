"""Angelcam push: our notification method and its rules, deliveries verified, what they change.

One HTTP notification method per Home Assistant instance and space, found again by name
(else URL) and updated, never duplicated, with one rule per message type we handle.
Messages name little: an incident its camera only by `sensor_name`, an arming its location
only in its text, an Arrow status the cameras behind the client.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
import logging
from typing import Final, Protocol

from ..errors import PermissionDeniedError, RateLimitedError
from ..interface import Clock, DeviceKey
from ..model import EventPicture, PushKind, PushMessage, Snapshot
from ..motion import MotionTracker
from ..push import (
    ISSUE_NOT_PERMITTED,
    FiredEvent,
    FiredIncident,
    PushContext,
    PushOutcome,
    PushTarget,
    PushUnavailableError,
    camera_named,
    online_outcome,
)
from .client import AngelcamClient
from .poll import MINUTE_RESERVE
from .webhook import AngelcamVerifier

_LOGGER = logging.getLogger(__name__)

# Angelcam messages CamHub acts on (incidents, camera and Arrow client status, arming).
MESSAGE_TYPES: Final = (
    "my_incident",
    "camera_status_online",
    "camera_status_offline",
    "arming",
    "arrow_status_online",
    "arrow_status_offline",
)
# What a camera's event entity reports: an incident's category when it is motion, else "incident".
EVENT_TYPES: Final = ("motion", "incident")
# Entry data keys this module reads (the HA layer's const.CONF_* of the same strings).
SPACE_ID: Final = "space_id"
PUSH_TARGET_ID: Final = "push_target_id"
PUSH_SECRET: Final = "push_secret"  # noqa: S105 - a key name, not a secret


class ArrowHealth(Protocol):
    """What the push needs of the Arrow client health reader (health.AngelcamHealth)."""

    def apply_push(self, message: PushMessage, now: datetime) -> bool:
        """Take an arrow_status push; False when it names no client."""
        ...

    def apply(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` with the Arrow clients (and their cameras) known."""
        ...


class AngelcamPush:
    """The PushSupport of one Angelcam entry."""

    event_types: tuple[str, ...] = EVENT_TYPES
    requires_https: bool = False

    def __init__(self, client: AngelcamClient, health: ArrowHealth, *, api_url: str) -> None:
        """Registers through `client`; Arrow status goes to `health`; `api_url` is the API's."""
        self._client = client
        self._health = health
        self._api_url = api_url

    def api_origin(self) -> str:
        """The API's URL (the simulator's is on loopback)."""
        return self._api_url

    async def async_register(self, context: PushContext) -> PushTarget:
        """Create or update our notification method and its rules; keep its signature key.

        The first registration costs a request per rule: it waits for a minute with room for
        it and the `then` requests that follow it (the poll that catches up on what no push
        carried yet) beside what the user needs (RateLimitedError: try after a later poll).
        A catch-up poll too large for any minute (a large account's) is not waited for: it
        runs when the budget next has room.
        """
        data = context.data
        first = data.get(PUSH_TARGET_ID) is None
        budget = self._client.budget
        needed = 3 + len(MESSAGE_TYPES) + context.then if first else 2
        if (limit := budget.minute_limit) is not None:
            needed = min(needed, limit - MINUTE_RESERVE)
        remaining = budget.remaining_minute
        if remaining is not None and remaining - MINUTE_RESERVE < needed:
            raise RateLimitedError("angelcam: no room this minute to register push", 60.0)
        space = data.get(SPACE_ID) or "default"
        try:
            method = await self._client.async_ensure_webhook(
                name=f"Home Assistant {context.instance} (CamHub, space {space})",
                url=context.url,
                message_types=MESSAGE_TYPES,
                key=data.get(PUSH_SECRET),
            )
        except PermissionDeniedError:
            raise PushUnavailableError(ISSUE_NOT_PERMITTED) from None
        if not method.signature_key:
            # The spec returns the key; a method without one cannot be verified, so none is used.
            raise PushUnavailableError(ISSUE_NOT_PERMITTED)
        return PushTarget(context.url, method.id, method.signature_key)

    async def async_unregister(self, target_id: str) -> None:
        """Delete our method; the spec documents no DELETE, so a refusal is the caller's to tell."""
        await self._client.async_delete_notification_method(target_id)

    def verifier(self, secret: str, clock: Clock) -> AngelcamVerifier:
        """Checks JWT signatures made with the method's key."""
        return AngelcamVerifier(secret, clock)

    def apply(
        self, message: PushMessage, snapshot: Snapshot, motion: MotionTracker, now: datetime
    ) -> PushOutcome:
        """What an incident, a camera or Arrow status, or an arming message changes."""
        match message.kind:
            case PushKind.INCIDENT:
                return self._incident(message, snapshot, motion, now)
            case PushKind.CAMERA_STATUS if message.camera_id is not None:
                return online_outcome(snapshot, (message.camera_id,), message.online)
            case PushKind.ARROW_STATUS:
                return self._arrow_status(message, snapshot, now)
            case PushKind.ARMING:
                return _arming(message, snapshot)
            case _:
                return PushOutcome()

    def _incident(
        self, message: PushMessage, snapshot: Snapshot, motion: MotionTracker, now: datetime
    ) -> PushOutcome:
        """Motion on for the TTL; the event entity and camhub_incident fire."""
        camera = camera_named(snapshot, message.data.get("sensor_name"))
        if camera is None:
            # Another space of the same user, or a sensor that is no camera: polling decides.
            _LOGGER.debug("angelcam: incident for a camera not in this entry")
            return PushOutcome()
        motion.extend(camera.id, now + motion.incident_ttl)
        if message.incident_id is not None:
            # The poll need not look the camera up (that costs requests).
            motion.incident_cameras[message.incident_id] = camera.id
        category = message.data.get("incident_category")
        client, camera_id = self._client, camera.id

        async def fetch_image() -> bytes:
            return await client.async_camera_image(camera_id)

        return PushOutcome(
            snapshot=snapshot,
            devices=(("camera", camera.id),),
            events=(
                FiredEvent(
                    camera_id=camera.id,
                    event_type="motion" if category == "motion" else "incident",
                    attributes={"incident_id": message.incident_id, "title": message.title},
                ),
            ),
            incidents=(
                FiredIncident(
                    camera_id=camera.id,
                    incident_id=message.incident_id,
                    title=message.title,
                    # The incident's own picture is not in the push: the camera's, taken now.
                    picture=EventPicture(
                        camera_id=camera.id,
                        taken_at=message.sent_at or now,
                        fetch=fetch_image,
                        key=message.incident_id,
                    ),
                ),
            ),
        )

    def _arrow_status(self, message: PushMessage, snapshot: Snapshot, now: datetime) -> PushOutcome:
        """The client's state and the cameras behind it (the only place the API names them)."""
        known = self._health.apply_push(message, now)
        if known:
            snapshot = self._health.apply(snapshot)
        cameras = online_outcome(snapshot, message.affected_camera_ids, message.online)
        if not known:
            return cameras
        # No devices named: the client may be new, so every device compares, as a poll does.
        return PushOutcome(snapshot=cameras.snapshot or snapshot)


def _arming(message: PushMessage, snapshot: Snapshot) -> PushOutcome:
    """The message names its location only in its text."""
    if message.armed is None:
        return PushOutcome()
    keys = ("title", "short_description", "long_description")
    text = " ".join(str(message.data.get(key) or "") for key in keys)
    named = [site for site in snapshot.sites.values() if site.name and site.name in text]
    if not named:
        _LOGGER.debug("angelcam: arming of a location not in this entry")
        return PushOutcome()
    # "Home office" also contains "Home": the longest name is the one meant.
    site = max(named, key=lambda s: len(s.name))
    if site.armed is message.armed:
        return PushOutcome()
    sites = {**snapshot.sites, site.id: replace(site, armed=message.armed)}
    devices: tuple[DeviceKey, ...] = (("site", site.id),)
    return PushOutcome(snapshot=replace(snapshot, sites=sites), devices=devices)
