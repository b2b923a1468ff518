"""One coordinator per entry: polls the provider inside its budget and tracks motion."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
import logging
import math

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .angelcam_poll import AngelcamPoller
from .client import entries_sharing_account, opencamera_address_snapshot
from .const import CONF_LOCATIONS, CONF_SCAN_INTERVAL, CONF_SITES, DOMAIN, PUSH_HEALTHY_WINDOW
from .data import CamHubConfigEntry
from .exceptions import VENDOR_NAMES
from .health import AngelcamHealth
from .motion import MotionTracker
from .polling import angelcam_poll_cost, default_interval, minimum_interval
from .providers import AngelcamClient, NovaVMSClient, OpenCameraClient, ProviderClient
from .providers.angelcam_extras import AngelcamExtras
from .providers.errors import (
    AuthenticationError,
    NotSupportedError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
)
from .providers.model import Incident, Snapshot, Vendor

_LOGGER = logging.getLogger(__name__)

# Open incidents looked at per poll (one request).
INCIDENT_PAGE = 20
# NovaVMS events are re-read with this overlap so one arriving late is not missed.
EVENT_OVERLAP = timedelta(seconds=30)


class CamHubCoordinator(DataUpdateCoordinator[Snapshot]):
    """Polls one account or device; entities read its normalized Snapshot."""

    config_entry: CamHubConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: CamHubConfigEntry, client: ProviderClient
    ) -> None:
        """Start with the vendor's default interval; the first refresh re-plans it."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=default_interval(client.vendor, 1),
        )
        self.client = client
        self.vendor = client.vendor
        self.motion = MotionTracker()
        self._angelcam = AngelcamPoller()
        # Requests one refresh costs, as measured (Angelcam plans its interval from it).
        self.poll_cost: float = 0.0
        # Locations/sites of the account: Angelcam membership queries cost one each.
        self.locations = 0
        # When the push channel last delivered a verified message (polling slows meanwhile).
        self.push_seen_at: datetime | None = None
        self._events_since = dt_util.utcnow() - EVENT_OVERLAP
        # Angelcam Arrow clients and recording status, read a little at a time (health.py).
        self.health = AngelcamHealth(hass, entry)
        # Angelcam RTS settings, unread messages and broadcasting (providers/angelcam_extras).
        self.extras = AngelcamExtras()
        # Operations the device answered 501 to; they are not offered again (OpenCamera).
        self.unsupported: set[str] = set()

    @property
    def push_healthy(self) -> bool:
        """Whether verified pushes arrived lately, so polling is only a safety net."""
        seen = self.push_seen_at
        return seen is not None and dt_util.utcnow() - seen < PUSH_HEALTHY_WINDOW

    @callback
    def async_note_push(self) -> None:
        """A verified push arrived: polling slows from the next poll on (sooner if it was fast)."""
        was_healthy = self.push_healthy
        self.push_seen_at = dt_util.utcnow()
        self.extras.note_push()
        if not was_healthy and self.data is not None:
            self._plan(self._planned_interval())

    @callback
    def async_push_data(self, snapshot: Snapshot) -> None:
        """Show state a push delivered without moving the next poll (pushes may be frequent)."""
        self.data = snapshot
        self.async_update_listeners()

    @property
    def extra_per_day(self) -> float:
        """Requests a day the Angelcam reads beyond the poll take (health, RTS extras)."""
        if self.vendor is not Vendor.ANGELCAM:
            return 0.0
        return self.health.per_day + self.extras.per_day

    @property
    def vendor_name(self) -> str:
        """The vendor's display name."""
        return VENDOR_NAMES[self.vendor]

    def _failure[E: HomeAssistantError](self, cls: type[E], key: str, **placeholders: str) -> E:
        return cls(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"vendor": self.vendor_name, **placeholders},
        )

    async def _async_update_data(self) -> Snapshot:
        try:
            if isinstance(self.client, AngelcamClient):
                # Before measuring: this daily read is no part of what a poll costs.
                rts = await self.extras.async_read_rts(self.client, dt_util.utcnow())
                if rts is not None:
                    self.motion.incident_ttl = rts.incident_ttl
            sent = self.client.budget.sent
            if isinstance(self.client, AngelcamClient):
                snapshot = await self._angelcam.async_fetch(self.client, dt_util.utcnow())
            elif isinstance(self.client, OpenCameraClient):
                snapshot = await self._async_fetch_opencamera(self.client)
            else:
                snapshot = await self.client.async_fetch_snapshot_state()
            snapshot = self._included(snapshot)
            await self._async_update_motion(snapshot)
        except AuthenticationError as err:
            raise self._failure(ConfigEntryAuthFailed, "invalid_auth") from err
        except RateLimitedError as err:
            if self.data is None:
                raise self._failure(
                    UpdateFailed, "rate_limited", seconds=str(math.ceil(err.retry_after))
                ) from err
            # Entities keep their state; the next try waits at least as long as asked.
            self._plan(max(self._planned_interval(), timedelta(seconds=err.retry_after)))
            return self.data
        except ProviderError as err:
            raise self._failure(UpdateFailed, "cannot_connect") from err
        self._measure(self.client.budget.sent - sent, snapshot)
        self._plan(self._planned_interval())
        if isinstance(self.client, AngelcamClient):
            # After measuring: health reads have their own place in the plan (per_day).
            snapshot = await self.health.async_update(self.client, snapshot, dt_util.utcnow())
            snapshot = await self.extras.async_update(self.client, snapshot, dt_util.utcnow())
        return snapshot

    async def async_refresh_site(self, site_id: str) -> None:
        """Re-read one Angelcam location after an action (one request, not a full poll)."""
        if not isinstance(self.client, AngelcamClient) or self.data is None:
            return
        site = await self.client.async_fetch_location(site_id)
        old = self.data.sites.get(site_id)
        # A single location comes without its cameras; they did not change.
        site = replace(site, camera_ids=old.camera_ids if old else ())
        self.async_set_updated_data(replace(self.data, sites={**self.data.sites, site_id: site}))

    def _angelcam_client(self) -> AngelcamClient:
        # Only Angelcam snapshots carry the capabilities whose controls call this.
        if not isinstance(self.client, AngelcamClient):
            raise NotSupportedError(f"{self.vendor_name} has no RTS settings or broadcasting")
        return self.client

    async def async_set_incident_ttl(self, ttl: timedelta) -> None:
        """Set the account's incident TTL; entities show the answer at once (no poll)."""
        await self.extras.async_set_incident_ttl(self._angelcam_client(), ttl)
        self.motion.incident_ttl = ttl
        self.async_push_data(self.extras.apply(self.data))

    async def async_set_broadcasting(self, camera_id: str, *, enabled: bool) -> None:
        """Start or stop a camera's broadcasting; its switch shows it at once (no poll)."""
        await self.extras.async_set_broadcasting(
            self._angelcam_client(), camera_id, enabled=enabled
        )
        self.async_push_data(self.extras.apply(self.data))

    async def _async_fetch_opencamera(self, client: OpenCameraClient) -> Snapshot:
        try:
            return await client.async_fetch_snapshot_state()
        except NotSupportedError:
            if client.valid_until is None:
                raise
            # Like opencamd, only the live session exists; the login showed it is there.
            return opencamera_address_snapshot(self.config_entry.data, dt_util.utcnow())

    def _included(self, snapshot: Snapshot) -> Snapshot:
        """Keep only the locations/sites the user chose in the options (none: all)."""
        key = CONF_LOCATIONS if self.vendor is Vendor.ANGELCAM else CONF_SITES
        chosen = set(self.config_entry.options.get(key) or ())
        if not chosen:
            return snapshot
        return replace(
            snapshot,
            sites={k: v for k, v in snapshot.sites.items() if k in chosen},
            cameras={k: v for k, v in snapshot.cameras.items() if v.site_id in chosen},
        )

    def _measure(self, cost: int, snapshot: Snapshot) -> None:
        """Remember what a refresh costs (averaged: membership queries come and go).

        The first refresh also paid for the account check and every location's
        membership; Angelcam's steady cost follows from the account's shape instead.
        """
        self.locations = len(snapshot.sites)
        if not self.poll_cost:
            first = angelcam_poll_cost(snapshot) if self.vendor is Vendor.ANGELCAM else cost
            self.poll_cost = first
            return
        self.poll_cost = (self.poll_cost + cost) / 2

    def _planned_interval(self) -> timedelta:
        # Entries on one Angelcam account (one per space) split its daily share between them;
        # each pays its own reads beyond the poll out of the whole share.
        sharing = (
            entries_sharing_account(self.hass, self.config_entry.data)
            if self.vendor is Vendor.ANGELCAM
            else 1
        )
        extra = self.extra_per_day * sharing
        planned = default_interval(
            self.vendor,
            self.poll_cost,
            self.locations,
            push_healthy=self.push_healthy,
            extra_per_day=extra,
        )
        chosen = self.config_entry.options.get(CONF_SCAN_INTERVAL)
        if chosen is None:
            return planned * sharing
        # The options flow checked the choice against the budget, but accounts grow.
        floor = minimum_interval(self.vendor, self.poll_cost, self.locations, extra)
        return max(timedelta(seconds=chosen), floor * sharing)

    def _plan(self, interval: timedelta) -> None:
        if interval != self.update_interval:
            _LOGGER.debug("%s polls every %s", self.name, interval)
            self.update_interval = interval

    async def _async_update_motion(self, snapshot: Snapshot) -> None:
        client = self.client
        if isinstance(client, NovaVMSClient):
            now = dt_util.utcnow()
            self.motion.apply_events(await client.async_fetch_events(since=self._events_since))
            self._events_since = now - EVENT_OVERLAP
        elif isinstance(client, AngelcamClient):
            incidents = await client.async_fetch_incidents(limit=INCIDENT_PAGE)
            # Closed ones first, so a newer open incident of the same camera wins.
            for incident in sorted(incidents, key=lambda i: i.closed_at is None):
                camera_id = await self._async_incident_camera(client, snapshot, incident)
                if camera_id is not None:
                    self.motion.apply_incident(incident, camera_id)
            self.motion.keep_incidents({incident.id for incident in incidents})
        self.motion.forget(self.motion.cameras() - snapshot.cameras.keys())

    async def _async_incident_camera(
        self, client: AngelcamClient, snapshot: Snapshot, incident: Incident
    ) -> str | None:
        """The camera an incident belongs to; Angelcam's incidents do not name it.

        Incidents only open in armed locations, so only their cameras' events are read,
        once per incident (closed incidents seen for the first time are not looked up);
        the first camera with an event since the incident began is taken as its source.
        """
        if incident.camera_id is not None:
            return incident.camera_id
        if incident.id in self.motion.incident_cameras:
            return self.motion.incident_cameras[incident.id]
        found: str | None = None
        if incident.closed_at is None:
            start = incident.first_event_at or incident.created_at
            armed = [site for site in snapshot.sites.values() if site.armed]
            for camera_id in (cid for site in armed for cid in site.camera_ids):
                try:
                    events = await client.async_fetch_camera_events(camera_id, start=start)
                except UnavailableError:
                    # One camera timing out must not fail the poll; ask again next time.
                    _LOGGER.debug("%s: events of camera %s unavailable", self.name, camera_id)
                    return None
                if events:
                    found = camera_id
                    break
        self.motion.incident_cameras[incident.id] = found
        return found
