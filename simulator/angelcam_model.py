"""Angelcam simulator core state: users, spaces, permissions, locations, cameras, Arrow clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import itertools
from typing import Final, Literal

from aiohttp import web

from simulator.control import SimClock

type Permission = str
type CameraType = Literal["h264", "h265", "mjpeg"]
type CameraStatus = Literal["online", "offline", "unknown"]

PERMISSIONS: Final[tuple[Permission, ...]] = (
    "space.admin",
    "space.limited_client",
    "space.billing",
    "camera.notifications.status",
    "location.notifications.incident",
    "location.notifications.other",
    "location.access",
    "location.view",
    "location.arming",
    "location.manage",
    "camera.view",
    "camera.manage",
    "camera.recording.view",
    "camera.recording.manage",
    "camera.clip.view",
    "camera.clip.manage",
    "camera.clip.create",
    "camera.broadcasting.manage",
    "camera.timelapse.manage",
)
# [inferred] What a broader slug grants; the spec lists slugs without a hierarchy.
IMPLIED: Final[dict[Permission, frozenset[Permission]]] = {
    "space.admin": frozenset(PERMISSIONS),
    "space.limited_client": frozenset(
        {"location.view", "location.access", "camera.view", "camera.recording.view"}
        | {"camera.clip.view"}
    ),
    "location.manage": frozenset({"location.view", "location.access", "location.arming"}),
    "location.access": frozenset({"location.view"}),
    "camera.manage": frozenset({"camera.view"}),
    "camera.recording.manage": frozenset({"camera.recording.view"}),
    "camera.clip.manage": frozenset({"camera.clip.view", "camera.clip.create"}),
}
APPLICATIONS: Final = ("LSA", "CRA", "VVA", "VPA", "TLA")


class ClockAdapter(SimClock):
    """A ``SimClock`` that follows any ``now`` callable, so ``/_sim/clock`` can advance it."""

    def __init__(self, base: Callable[[], datetime]) -> None:
        """Follow ``base`` plus the offset ``advance`` accumulates."""
        super().__init__()
        self._base = base

    def now(self) -> datetime:
        """Return ``base()`` moved by every ``advance`` so far."""
        return self._base().astimezone(UTC) + self._offset


def as_clock(now: Callable[[], datetime] | None) -> SimClock:
    """Return a ``SimClock`` for ``now`` (real time when ``None``)."""
    if now is None:
        return SimClock()
    if isinstance(now, SimClock):
        return now
    return ClockAdapter(now)


@dataclass(slots=True)
class User:
    """An Angelcam account; both tokens authenticate as this user."""

    id: int
    email: str
    first_name: str
    last_name: str
    personal_access_token: str
    bearer_token: str
    phone: str | None = None

    @property
    def name(self) -> str:
        """Full name as Angelcam shows it in notifications."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class Assignment:
    """One permission grant: whole space, one location, or one camera."""

    permission: Permission
    location_id: int | None = None
    camera_id: int | None = None

    def covers(
        self, permission: Permission, location_id: int | None, camera_id: int | None
    ) -> bool:
        """Whether this grant gives ``permission`` on the given location/camera."""
        if permission != self.permission and permission not in IMPLIED.get(
            self.permission, frozenset()
        ):
            return False
        if self.camera_id is not None:
            return camera_id == self.camera_id
        return self.location_id is None or self.location_id == location_id

    def as_json(self) -> dict[str, object]:
        """Return the AccessAssignmentObject."""
        return {
            "permission": self.permission,
            "location_id": self.location_id,
            "camera_id": self.camera_id,
        }


@dataclass(slots=True)
class Space:
    """The unit that owns cameras and locations."""

    id: int
    name: str


@dataclass(slots=True)
class Membership:
    """A user's membership of a space and the grants it carries."""

    user_id: int
    space_id: int
    is_default: bool
    assignments: list[Assignment]

    def allows(
        self, permission: Permission, location_id: int | None = None, camera_id: int | None = None
    ) -> bool:
        """Whether any grant gives ``permission`` on this location/camera (or space-wide)."""
        return any(a.covers(permission, location_id, camera_id) for a in self.assignments)


@dataclass(slots=True)
class PendingArming:
    """An arm/disarm asked with a delay; applied when the clock passes ``due``."""

    armed: bool
    due: datetime
    invoker: str


@dataclass(slots=True)
class Location:
    """A group of cameras that is armed or disarmed as one."""

    id: int
    space_id: int
    name: str
    description: str | None = None
    is_armed: bool = False
    pending: PendingArming | None = None


@dataclass(slots=True)
class ArrowClient:
    """An Arrow client (e.g. AngelBox) that connects cameras behind NAT."""

    uuid: str
    space_id: int
    mac: str
    ip: str
    angelbox_id: int | None = None
    online: bool = True


@dataclass(slots=True)
class Broadcasting:
    """A camera's Broadcasting service: whether public broadcasting is on."""

    enabled: bool = False
    public_page: bool = False


@dataclass(slots=True)
class Camera:
    """A camera with its live state; recordings and clips live in the recording store."""

    id: int
    space_id: int
    location_id: int
    name: str
    type: CameraType = "h264"
    status: CameraStatus = "online"
    applications: list[str] = field(default_factory=lambda: ["LSA"])
    tags: list[str] = field(default_factory=list)
    arrow_client: str | None = None
    event_api_hash: str = ""
    snapshot_at: datetime | None = None
    low_latency_enabled: bool = False
    audio_enabled: bool = False
    enable_status_checks: bool = True
    enable_periodical_snapshots: bool = True
    # None: the Broadcasting service is not active (its endpoints answer 404).
    broadcasting: Broadcasting | None = None

    @property
    def records(self) -> bool:
        """Whether Cloud Recording (CRA) is active on the camera."""
        return "CRA" in self.applications


class NotFoundError(LookupError):
    """The simulated object does not exist (control API and state helpers)."""


def lookup[K, V](table: Mapping[K, V], key: K, kind: str) -> V:
    """Return ``table[key]`` or raise ``NotFoundError`` naming the ``kind`` of object."""
    try:
        return table[key]
    except KeyError:
        raise NotFoundError(f"{kind} {key}") from None


class World:
    """Everything the Angelcam accounts own, plus the clock and id sequences."""

    def __init__(self, clock: SimClock, secret: bytes) -> None:
        """Create an empty world; scenarios fill it."""
        self.clock = clock
        self.secret = secret
        self.users: dict[int, User] = {}
        self.spaces: dict[int, Space] = {}
        self.memberships: dict[tuple[int, int], Membership] = {}
        self.locations: dict[int, Location] = {}
        self.cameras: dict[int, Camera] = {}
        self.arrow_clients: dict[str, ArrowClient] = {}
        self.root_location: dict[int, int] = {}  # user id -> root location id
        self._ids: dict[str, Iterator[int]] = {}

    def now(self) -> datetime:
        """Return the simulated time."""
        return self.clock.now()

    def next_id(self, kind: str) -> int:
        """Return the next integer id for ``kind`` (ids start at 1 per kind)."""
        return next(self._ids.setdefault(kind, itertools.count(1)))

    def user_by_token(self, scheme: str, token: str) -> User | None:
        """Return the user whose token of ``scheme`` ("PersonalAccessToken"/"Bearer") matches."""
        for user in self.users.values():
            expected = (
                user.personal_access_token if scheme == "PersonalAccessToken" else user.bearer_token
            )
            if token == expected:
                return user
        return None

    def memberships_of(self, user_id: int) -> list[Membership]:
        """Return the user's memberships, ordered by space id."""
        return sorted(
            (m for m in self.memberships.values() if m.user_id == user_id),
            key=lambda m: m.space_id,
        )

    def members_of(self, space_id: int) -> list[Membership]:
        """Return every membership of a space."""
        return [m for m in self.memberships.values() if m.space_id == space_id]

    def cameras_in(self, space_id: int) -> list[Camera]:
        """Return the space's cameras ordered by id."""
        return sorted((c for c in self.cameras.values() if c.space_id == space_id), key=_by_id)

    def locations_in(self, space_id: int) -> list[Location]:
        """Return the space's locations ordered by id."""
        return sorted(
            (loc for loc in self.locations.values() if loc.space_id == space_id), key=_by_id
        )

    def visible_cameras(self, membership: Membership) -> list[Camera]:
        """Return the cameras the member may view."""
        return [
            c
            for c in self.cameras_in(membership.space_id)
            if membership.allows("camera.view", c.location_id, c.id)
        ]

    def visible_locations(self, membership: Membership) -> list[Location]:
        """Return the locations the member may view."""
        return [
            loc
            for loc in self.locations_in(membership.space_id)
            if membership.allows("location.view", loc.id)
        ]

    def camera(self, camera_id: int) -> Camera:
        """Return a camera or raise ``NotFoundError``."""
        return lookup(self.cameras, camera_id, "camera")

    def location(self, location_id: int) -> Location:
        """Return a location or raise ``NotFoundError``."""
        return lookup(self.locations, location_id, "location")

    def arrow_client(self, uuid: str) -> ArrowClient:
        """Return an Arrow client or raise ``NotFoundError``."""
        return lookup(self.arrow_clients, uuid, "arrow client")

    def snapshot_time(self, camera: Camera) -> datetime:
        """Return when the stored snapshot was taken, refreshing it when older than a day."""
        now = self.now()
        if camera.snapshot_at is None or now - camera.snapshot_at > timedelta(days=1):
            camera.snapshot_at = now
        return camera.snapshot_at


def _by_id(item: Camera | Location) -> int:
    return item.id


WORLD_KEY: Final = web.AppKey("angelcam_world", World)
