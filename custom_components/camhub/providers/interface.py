"""What the Home Assistant layer talks to: a stateless Provider and each entry's Connection.

HA-free. A capability a vendor lacks is a None feature on the connection and an absent
Capability on its cameras and sites, so no entity, action target or guard exists for it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from aiohttp import ClientSession

from .budget import RequestBudget
from .features import (
    AlertRuleControl,
    Arming,
    BroadcastControl,
    CameraImages,
    ClipTriggers,
    CloudRecordings,
    EventAcknowledgement,
    EventLog,
    FirmwareInstaller,
    IncidentTtl,
    LiveConfig,
    LiveStreams,
    RecordedVideo,
    WebRTCOffers,
)
from .fields import Field
from .model import Account, EventPicture, MediaFile, MediaStream, Snapshot
from .motion import MotionTracker
from .polling import DEFAULT_INTERVAL, MIN_SCAN_INTERVAL, slowed

if TYPE_CHECKING:
    from .push import PushSupport

type Clock = Callable[[], datetime]
# (kind, item id); kind is one of "camera", "site", "gateway", "arrow_client".
type DeviceKey = tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """What the service said about entry data: whose it is, or one more choice to make."""

    account: Account | None = None
    # A SELECT; the flow shows `step_id`, merges the answer into the data and checks again.
    choose: Field | None = None
    # The form's step id, e.g. "angelcam_space" (strings.json has that step).
    step_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PollLoad:
    """What a polling plan depends on; the coordinator keeps it, the provider stays stateless."""

    # Requests one refresh costs (the coordinator's measured average; 1.0 before any).
    cost: float
    sites: int = 0
    push_healthy: bool = False
    # Entries spending the same metered account.
    sharing: int = 1
    # Connection.extra_per_day (Angelcam health reads).
    extra_per_day: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Refresh:
    """One poll's result."""

    # Already filtered to the chosen sites.
    snapshot: Snapshot
    # Requests the measured part spent (RTS and health reads excluded).
    cost: int
    # Pictures of incidents and events the poll found (fetched once per key).
    pictures: tuple[EventPicture, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownDevice:
    """A device-registry entry of this entry, as devices.known_devices reads it."""

    kind: str
    item_id: str
    name: str | None
    parent: DeviceKey | None


class Provider(ABC):
    """One vendor: its forms, its account check, its polling plan; stateless."""

    # Entry data `vendor`, config-flow step id, Account.vendor.
    key: ClassVar[str]
    # Manufacturer, titles, {vendor} placeholders.
    name: ClassVar[str]
    # Device model of a site ("Location" for Angelcam).
    site_label: ClassVar[str] = "Site"
    # An account device above the sites (False: the entry itself is the device).
    hub: ClassVar[bool] = True
    # The option holding the chosen sites ("locations" / "sites").
    site_filter_key: ClassVar[str | None] = None

    @abstractmethod
    def connection_fields(self) -> tuple[Field, ...]:
        """The fields of the user and reconfigure steps."""

    @abstractmethod
    def reauth_fields(self) -> tuple[Field, ...]:
        """The fields of the reauth step."""

    def option_fields(self, snapshot: Snapshot | None) -> tuple[Field, ...]:
        """The vendor's own options (after the generic scan interval)."""
        return ()

    def configuration_url(self, data: Mapping[str, Any]) -> str | None:
        """Where a person manages the account or device, if anywhere."""
        return None

    def budget_key(self, data: Mapping[str, Any]) -> str | None:
        """sha256 of the metered credential; None when nothing is metered."""
        return None

    def new_budget(self, clock: Callable[[], float]) -> RequestBudget | None:
        """A fresh budget for one metered credential; None when nothing is metered."""
        return None

    @abstractmethod
    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        """The entry's connection (no request is sent yet)."""

    async def async_check(
        self, connection: Connection, data: Mapping[str, Any], *, reauth: bool
    ) -> Check:
        """Whose the data is (ProviderError, OtherAccountError when it is someone else's)."""
        return Check(account=await connection.async_fetch_account())

    def interval(self, load: PollLoad) -> timedelta:
        """The interval a coordinator uses when the user did not choose one."""
        return slowed(DEFAULT_INTERVAL, load.push_healthy)

    def minimum_interval(self, load: PollLoad) -> timedelta:
        """The shortest interval a user may choose."""
        return MIN_SCAN_INTERVAL

    def steady_cost(self, snapshot: Snapshot, measured: float) -> float:
        """What a steady refresh costs, given the first refresh's measured cost."""
        return measured


class Connection(ABC):
    """One entry's link to its vendor. Features are None when the vendor has none."""

    provider: Provider
    # RequestBudget.unlimited() when nothing is metered.
    budget: RequestBudget
    images: CameraImages | None = None
    live: LiveStreams | None = None
    webrtc: WebRTCOffers | None = None
    arming: Arming | None = None
    clip_trigger: ClipTriggers | None = None
    recordings: CloudRecordings | None = None
    events: EventLog | None = None
    event_ack: EventAcknowledgement | None = None
    vod: RecordedVideo | None = None
    firmware: FirmwareInstaller | None = None
    live_config: LiveConfig | None = None
    push: PushSupport | None = None
    incident_ttl: IncidentTtl | None = None
    broadcasting: BroadcastControl | None = None
    alert_rules: AlertRuleControl | None = None

    @abstractmethod
    async def async_fetch_account(self) -> Account:
        """Whose the credentials are."""

    @abstractmethod
    async def async_refresh(
        self, motion: MotionTracker, now: datetime, *, sites: frozenset[str]
    ) -> Refresh:
        """One poll: the snapshot of the chosen `sites` (empty: all), motion updated."""

    @property
    def extra_per_day(self) -> float:
        """Metered requests a day spent besides polling (paid from the polling share)."""
        return 0.0

    def restore_devices(self, devices: Sequence[KnownDevice]) -> None:  # noqa: B027 - optional
        """Learn from the devices registered before a restart; default: nothing."""

    def note_push(self) -> None:  # noqa: B027 - optional hook
        """A verified push arrived (reads it may make stale come sooner); default: nothing."""

    @abstractmethod
    async def async_fetch_media(self, url: str) -> MediaFile:
        """A media body the vendor named (image, playlist, segment)."""

    @abstractmethod
    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """A media body the vendor named, streamed."""

    async def async_close(self) -> None:  # noqa: B027 - optional hook
        """Release the link on unload; default: nothing."""


def included(snapshot: Snapshot, sites: frozenset[str]) -> Snapshot:
    """Only the chosen sites and their cameras (empty: all)."""
    if not sites:
        return snapshot
    return replace(
        snapshot,
        sites={k: v for k, v in snapshot.sites.items() if k in sites},
        cameras={k: v for k, v in snapshot.cameras.items() if v.site_id in sites},
    )
