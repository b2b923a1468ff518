"""Angelcam Real Time Security logic: arming, events, incidents, messages and rule matching.

Scenario events (motion, camera or Arrow client status, arming) become RTS messages for the
space members allowed to see them; each message is matched against the member's notification
rules and handed to ``notify`` (the webhook dispatcher) with the webhook guide's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import secrets
from typing import Any, Final, Literal, get_args

from aiohttp import web

from simulator.angelcam_model import (
    ArrowClient,
    Camera,
    CameraStatus,
    Location,
    Membership,
    PendingArming,
    User,
    World,
)

type MessageType = Literal[
    "my_incident",
    "shared_incident",
    "arming",
    "trigger_action",
    "open_incident_verification",
    "verify_incident",
    "close_incident",
    "arrow_status_online",
    "arrow_status_offline",
    "camera_status_online",
    "camera_status_offline",
]
MESSAGE_TYPES: Final[tuple[str, ...]] = get_args(MessageType.__value__)
INCIDENT_TTLS: Final[dict[str, timedelta]] = {
    "PT1M": timedelta(minutes=1),
    "PT3M": timedelta(minutes=3),
    "PT5M": timedelta(minutes=5),
    "PT10M": timedelta(minutes=10),
    "PT30M": timedelta(minutes=30),
    "PT1H": timedelta(hours=1),
}


@dataclass(slots=True)
class Event:
    """A detection reported by a camera or sensor."""

    id: int
    camera_id: int
    occurred_at: datetime
    received_at: datetime
    title: str | None = "Motion detected"
    category: str = "motion_detected"
    source: str = "http"


@dataclass(slots=True)
class Incident:
    """Events of one camera grouped while they keep arriving within the incident TTL."""

    id: int
    space_id: int
    location_id: int
    camera_id: int
    created_at: datetime
    first_event_occurred_at: datetime
    last_event_occurred_at: datetime
    ttl: timedelta
    event_count: int = 1
    verified_at: datetime | None = None  # verifying happens in the apps, not simulated

    def closed_at(self, now: datetime) -> datetime | None:
        """When the incident closed: once no event came within the TTL."""
        expiry = self.last_event_occurred_at + self.ttl
        return expiry if now >= expiry else None


@dataclass(slots=True)
class Message:
    """An RTS message in a user's inbox."""

    id: int
    user_id: int
    type: str
    created_at: datetime
    title: str
    short_message: str
    long_message: str
    camera_id: int | None = None
    image_at: datetime | None = None  # stored snapshot shown with the message
    is_read: bool = False
    read_at: datetime | None = None


@dataclass(slots=True)
class NotificationMethod:
    """Where a user's notifications go: an HTTP webhook or an email address."""

    id: int
    user_id: int
    type: Literal["http", "email"]
    name: str
    url: str | None = None
    http_method: str = "POST"
    arrow_client: str | None = None
    signature_private_key: str = ""
    email: str | None = None


@dataclass(slots=True)
class Rule:
    """Which message type goes to which method, optionally limited to cameras/Arrow clients."""

    id: int
    user_id: int
    notification_method: int
    message_type: str
    allowed_cameras: list[int] = field(default_factory=list)
    allowed_arrow_clients: list[str] = field(default_factory=list)

    def matches(self, message_type: str, camera_id: int | None, arrow_uuid: str | None) -> bool:
        """Whether a message of this type about this camera/Arrow client fires the rule."""
        if message_type != self.message_type:
            return False
        if message_type.startswith("camera_status_") and self.allowed_cameras:
            return camera_id in self.allowed_cameras
        if message_type.startswith("arrow_status_") and self.allowed_arrow_clients:
            return arrow_uuid in self.allowed_arrow_clients
        return True


@dataclass(frozen=True, slots=True)
class Notification:
    """One rule firing: what the dispatcher delivers to one notification method."""

    user: User
    message: Message
    rule: Rule
    method: NotificationMethod
    payload: dict[str, Any]


def random_key() -> str:
    """Return a random signature key like the ones Angelcam generates."""
    return secrets.token_urlsafe(36)


class Rts:
    """RTS state of every space and user, driven by scenario events."""

    def __init__(self, world: World, notify: Callable[[Notification], None]) -> None:
        """Start with no events; ``notify`` receives every rule that fires."""
        self.world = world
        self.notify = notify
        self.events: list[Event] = []
        self.incidents: dict[int, Incident] = {}
        self.messages: dict[int, Message] = {}
        self.methods: dict[int, NotificationMethod] = {}
        self.rules: dict[int, Rule] = {}
        self.incident_ttl: dict[int, str] = {}  # space id -> ISO duration

    # Arming ------------------------------------------------------------------------------

    def request_arming(self, location: Location, *, armed: bool, delay: int, invoker: str) -> None:
        """Arm/disarm now, or after ``delay`` seconds of simulated time."""
        if delay > 0:
            due = self.world.now() + timedelta(seconds=delay)
            location.pending = PendingArming(armed, due, invoker)
            return
        location.pending = None
        self.set_arming(location, armed=armed, invoker=invoker)

    def set_arming(self, location: Location, *, armed: bool, invoker: str) -> bool:
        """Change the arming state; notify members when it changes. Return whether it did."""
        if location.is_armed == armed:
            return False
        location.is_armed = armed
        action = "arm" if armed else "disarm"
        verb = "armed" if armed else "disarmed"
        self._broadcast(
            location.space_id,
            lambda m: m.allows("location.notifications.other", location.id),
            "arming",
            title=f"Location {verb}",
            short=f"Location {location.name} was {verb} by {invoker}.",
            extra={"action": action, "invoker": invoker},
        )
        return True

    def tick(self) -> None:
        """Apply delayed arm/disarm requests whose time has come."""
        now = self.world.now()
        for location in list(self.world.locations.values()):
            pending = location.pending
            if pending is not None and pending.due <= now:
                location.pending = None
                self.set_arming(location, armed=pending.armed, invoker=pending.invoker)

    # Camera and Arrow client status -----------------------------------------------------

    def set_camera_status(self, camera: Camera, *, online: bool) -> bool:
        """Take a camera online/offline; notify members allowed to see status. Return change."""
        status: CameraStatus = "online" if online else "offline"
        if camera.status == status:
            return False
        camera.status = status
        if online:
            camera.snapshot_at = self.world.now()
        self._broadcast(
            camera.space_id,
            lambda m: m.allows("camera.notifications.status", camera.location_id, camera.id),
            f"camera_status_{status}",
            title=f"Camera {status}",
            short=f"Camera {camera.name} is {status}.",
            extra={"camera_id": camera.id, "camera_name": camera.name, "online": online},
            camera_id=camera.id,
        )
        return True

    def set_arrow_status(self, client: ArrowClient, *, online: bool) -> bool:
        """Take an Arrow client and its cameras online/offline; notify members. Return change."""
        if client.online == online:
            return False
        client.online = online
        affected = [
            c for c in self.world.cameras_in(client.space_id) if c.arrow_client == client.uuid
        ]
        for camera in affected:
            # The cameras follow their Arrow client; the arrow message reports them.
            camera.status = "online" if online else "offline"
        status = "online" if online else "offline"
        self._broadcast(
            client.space_id,
            lambda m: m.allows("camera.notifications.status"),
            f"arrow_status_{status}",
            title=f"Arrow client {status}",
            short=f"Arrow client {client.mac} is {status}.",
            extra={
                "arrow_client_id": client.uuid,
                "angelbox_id": client.angelbox_id,
                "mac_address": client.mac,
                "online": online,
                "affected_cameras": [c.id for c in affected],
            },
            arrow_uuid=client.uuid,
        )
        return True

    # Motion, events and incidents -------------------------------------------------------

    def ttl(self, space_id: int) -> str:
        """Return the space's incident TTL setting."""
        return self.incident_ttl.get(space_id, "PT5M")

    def fire_motion(
        self,
        camera: Camera,
        *,
        title: str = "Motion detected",
        source: str = "http",
        occurred_at: datetime | None = None,
    ) -> tuple[Event, Incident | None]:
        """Record a motion event; in an armed location it opens or extends an incident."""
        now = self.world.now()
        event = Event(
            self.world.next_id("event"), camera.id, occurred_at or now, now, title, source=source
        )
        self.events.append(event)
        location = self.world.location(camera.location_id)
        if not location.is_armed:
            return event, None
        for incident in self.incidents.values():
            if incident.camera_id == camera.id and incident.closed_at(event.occurred_at) is None:
                incident.event_count += 1
                incident.last_event_occurred_at = max(
                    incident.last_event_occurred_at, event.occurred_at
                )
                return event, incident
        incident = Incident(
            self.world.next_id("incident"),
            camera.space_id,
            location.id,
            camera.id,
            now,
            event.occurred_at,
            event.occurred_at,
            INCIDENT_TTLS[self.ttl(camera.space_id)],
        )
        self.incidents[incident.id] = incident
        self._broadcast(
            camera.space_id,
            lambda m: m.allows("location.notifications.incident", location.id, camera.id),
            "my_incident",
            title="Motion detected",
            short=f"Your sensor with name {camera.name} detected motion.",
            extra={
                "incident_id": incident.id,
                "incident_category": "motion",
                "sensor_name": camera.name,
                "incident_false_alarm": None,
            },
            camera_id=camera.id,
            image_at=event.occurred_at,
        )
        return event, incident

    def camera_events(self, camera_id: int) -> list[Event]:
        """Return a camera's events, newest first."""
        return sorted(
            (e for e in self.events if e.camera_id == camera_id),
            key=lambda e: (e.occurred_at, e.id),
            reverse=True,
        )

    def visible_incidents(self, membership: Membership) -> list[Incident]:
        """Return the incidents of locations the member gets incident notifications for."""
        return [
            i
            for i in self.incidents.values()
            if i.space_id == membership.space_id
            and membership.allows("location.notifications.incident", i.location_id, i.camera_id)
        ]

    # Messages and rules -----------------------------------------------------------------

    def inbox(self, user_id: int) -> list[Message]:
        """Return a user's messages, newest first."""
        return sorted(
            (m for m in self.messages.values() if m.user_id == user_id),
            key=lambda m: m.id,
            reverse=True,
        )

    def _broadcast(
        self,
        space_id: int,
        allowed: Callable[[Membership], bool],
        message_type: str,
        *,
        title: str,
        short: str,
        extra: dict[str, Any],
        camera_id: int | None = None,
        arrow_uuid: str | None = None,
        image_at: datetime | None = None,
    ) -> None:
        for membership in self.world.members_of(space_id):
            if not allowed(membership):
                continue
            user = self.world.users[membership.user_id]
            message = Message(
                self.world.next_id("message"),
                user.id,
                message_type,
                self.world.now(),
                title,
                short,
                f"{short} Find out more in My Angelcam.",
                camera_id=camera_id,
                image_at=image_at,
            )
            self.messages[message.id] = message
            payload = {
                "user_name": user.name,
                "user_email": user.email,
                "title": message.title,
                "short_description": message.short_message,
                "long_description": message.long_message,
                **extra,
            }
            for rule in sorted(self.rules.values(), key=lambda r: r.id):
                method = self.methods.get(rule.notification_method)
                if (
                    rule.user_id == user.id
                    and method is not None
                    and rule.matches(message_type, camera_id, arrow_uuid)
                ):
                    self.notify(Notification(user, message, rule, method, payload))


RTS_KEY: Final = web.AppKey("angelcam_rts", Rts)
