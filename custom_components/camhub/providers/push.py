"""Push types and helpers every vendor's PushSupport shares (HA-free)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, Protocol

from .errors import ProviderError
from .interface import Clock, DeviceKey
from .model import Camera, EventPicture, PushMessage, Snapshot
from .motion import MotionTracker

# Repair issues (translation keys), one of each per entry at most.
ISSUE_UNREACHABLE: Final = "push_unreachable"
ISSUE_NEEDS_SECRET: Final = "push_needs_secret"  # noqa: S105 - an issue key
ISSUE_NOT_PERMITTED: Final = "push_not_permitted"
ISSUE_FAILING: Final = "push_failing"


class PushUnavailableError(ProviderError):
    """Push cannot work for this entry; the repair issue (translation key) says why."""

    def __init__(self, issue: str, **placeholders: str) -> None:
        super().__init__(issue)
        self.issue = issue
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class PushTarget:
    """What the vendor delivers to, and the secret its deliveries are signed with."""

    url: str
    target_id: str | None
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PushContext:
    """What a registration needs to know about the entry and where HA listens."""

    url: str = field(repr=False)
    instance: str
    data: Mapping[str, Any] = field(repr=False)
    options: Mapping[str, Any] = field(repr=False)
    # Requests spent right after a first registration (the catch-up poll): room is kept.
    then: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FiredEvent:
    """An event entity's event."""

    camera_id: str
    event_type: str
    attributes: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class FiredIncident:
    """A camhub_incident bus event, with its picture."""

    camera_id: str
    incident_id: str | None
    title: str | None
    picture: EventPicture


@dataclass(frozen=True, slots=True, kw_only=True)
class PushOutcome:
    """What one verified push changed."""

    # New data when the push changed it.
    snapshot: Snapshot | None = None
    # Whose entities hear of it (coordinator.async_push_data).
    devices: tuple[DeviceKey, ...] = ()
    # Event entities (camera_event_signal).
    events: tuple[FiredEvent, ...] = ()
    # camhub_incident bus events (each with a picture).
    incidents: tuple[FiredIncident, ...] = ()
    # Pictures of events that are no incident (the camera's "Last event" image).
    pictures: tuple[EventPicture, ...] = ()


class PushVerifier(Protocol):
    """Checks one entry's deliveries against its secret."""

    def verify(self, body: bytes, headers: Mapping[str, str]) -> PushMessage:
        """The delivery, verified (SignatureError, ProtocolError, ReplayedDeliveryError)."""
        ...


class PushSupport(Protocol):
    """A vendor's webhooks: registration, verification and what a message changes."""

    # Event entity types (() = no event entity).
    event_types: tuple[str, ...]
    # The vendor delivers to https URLs only.
    requires_https: bool

    def api_origin(self) -> str:
        """The vendor API's URL (a loopback one accepts a loopback webhook URL)."""
        ...

    async def async_register(self, context: PushContext) -> PushTarget:
        """Register (or update) the webhook (PushUnavailableError, ProviderError)."""
        ...

    async def async_unregister(self, target_id: str) -> None:
        """Remove the webhook; one already gone returns quietly."""
        ...

    def verifier(self, secret: str, clock: Clock) -> PushVerifier:
        """A verifier of deliveries signed with `secret`."""
        ...

    def apply(
        self, message: PushMessage, snapshot: Snapshot, motion: MotionTracker, now: datetime
    ) -> PushOutcome:
        """What the message changes."""
        ...


def set_online(
    snapshot: Snapshot, ids: Iterable[str], online: bool
) -> tuple[Snapshot, tuple[DeviceKey, ...]] | None:
    """The snapshot with these cameras' online state and status set; None when nothing changes."""
    status = "online" if online else "offline"
    changed = {
        camera_id: replace(camera, online=online, status=status)
        for camera_id in ids
        if (camera := snapshot.cameras.get(camera_id)) is not None and camera.online != online
    }
    if not changed:
        return None
    devices = tuple(("camera", camera_id) for camera_id in changed)
    return replace(snapshot, cameras={**snapshot.cameras, **changed}), devices


def camera_named(snapshot: Snapshot, name: object) -> Camera | None:
    """The one camera called `name` (None when none or several are)."""
    found = [camera for camera in snapshot.cameras.values() if camera.name == name]
    return found[0] if len(found) == 1 else None


def online_outcome(snapshot: Snapshot, ids: Iterable[str], online: bool | None) -> PushOutcome:
    """A status push's outcome: these cameras online or offline (nothing when unknown)."""
    changed = None if online is None else set_online(snapshot, ids, online)
    if changed is None:
        return PushOutcome()
    return PushOutcome(snapshot=changed[0], devices=changed[1])
