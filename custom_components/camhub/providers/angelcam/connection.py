"""An Angelcam entry's connection: the client, the poller, motion from incidents, health, extras."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING, Final

from ..errors import NotSupportedError, ProviderError, UnavailableError
from ..interface import Connection, KnownDevice, Refresh, included
from ..model import (
    Account,
    CameraEvent,
    EventPicture,
    Incident,
    MediaFile,
    MediaStream,
    Site,
    Snapshot,
    media_picture,
)
from ..motion import MotionTracker
from .client import AngelcamClient
from .extras import ABSENT, AngelcamExtras
from .health import AngelcamHealth
from .poll import AngelcamPoller

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..interface import Provider

_LOGGER = logging.getLogger(__name__)

# Open incidents looked at per poll (one request).
INCIDENT_PAGE: Final = 20
# The RTS settings (the incident TTL) rarely change: read at setup, then daily.
RTS_SETTINGS_MAX_AGE: Final = timedelta(days=1)


class AngelcamArming:
    """Arming a location; Angelcam calls sites locations."""

    def __init__(self, client: AngelcamClient) -> None:
        """Arm through `client`."""
        self._client = client

    async def async_arm(self, site_id: str) -> None:
        """Arm the location now."""
        await self._client.async_arm(site_id)

    async def async_disarm(self, site_id: str) -> None:
        """Disarm the location now."""
        await self._client.async_disarm(site_id)

    async def async_fetch_site(self, site_id: str) -> Site:
        """The location alone (one request; it comes without its cameras)."""
        return await self._client.async_fetch_location(site_id)


class AngelcamEvents:
    """A camera's events, bounded in time (the client follows every page of the range)."""

    def __init__(self, client: AngelcamClient) -> None:
        """Read through `client`."""
        self._client = client

    async def async_fetch_camera_events(
        self, camera_id: str, *, since: datetime, limit: int
    ) -> list[CameraEvent]:
        """The camera's events since `since`, newest first."""
        return await self._client.async_fetch_camera_events(camera_id, start=since, limit=limit)

    async def async_fetch_event(self, event_id: str) -> CameraEvent:
        """Angelcam events carry no media of their own to read one by one."""
        raise NotSupportedError("angelcam: events are not read one by one")


class AngelcamConnection(Connection):
    """One Angelcam space."""

    def __init__(self, provider: Provider, client: AngelcamClient) -> None:
        """Nothing read yet."""
        self.provider = provider
        self.client = client
        self.budget = client.budget
        self.images = client
        self.live = client
        self.recordings = client
        self.arming = AngelcamArming(client)
        self.events = AngelcamEvents(client)
        self.poller = AngelcamPoller()
        # Arrow clients and recording status, read a little at a time.
        self.health = AngelcamHealth()
        # RTS settings, unread messages and broadcasting, each on its own clock.
        self.extras = AngelcamExtras()
        self.incident_ttl = self
        self.broadcasting = self
        self._rts_read_at: datetime | None = None

    @property
    def extra_per_day(self) -> float:
        """The health and extras reads' share of the day's requests."""
        return self.health.per_day + self.extras.per_day

    def note_push(self) -> None:
        """Messages may have come with the push: the unread count is read again soon."""
        self.extras.note_push()

    async def async_set_incident_ttl(self, snapshot: Snapshot, ttl: timedelta) -> Snapshot:
        """Set the space's incident TTL (`PUT /rts/`); the answer is what shows."""
        await self.extras.async_set_incident_ttl(self.client, ttl)
        return self.extras.apply(snapshot)

    async def async_set_broadcasting(
        self, snapshot: Snapshot, camera_id: str, *, enabled: bool
    ) -> Snapshot:
        """Start or stop a camera's broadcasting; the 204 means done."""
        await self.extras.async_set_broadcasting(self.client, camera_id, enabled=enabled)
        return self.extras.apply(snapshot)

    def restore_devices(self, devices: Sequence[KnownDevice]) -> None:
        """Arrow clients and their cameras known before a restart."""
        self.health.restore(devices)

    async def async_fetch_account(self) -> Account:
        """The user and space the token reaches."""
        return await self.client.async_fetch_account()

    async def async_refresh(
        self, motion: MotionTracker, now: datetime, *, sites: frozenset[str]
    ) -> Refresh:
        """Poll the space; the RTS, health and extras reads are no part of the measured cost."""
        await self._async_read_rts_settings(motion, now)
        sent = self.budget.sent
        snapshot = included(await self.poller.async_fetch(self.client, now), sites)
        pictures = await self._async_update_motion(motion, snapshot)
        cost = self.budget.sent - sent
        snapshot = await self.health.async_update(self.client, snapshot, now)
        snapshot = await self.extras.async_update(self.client, snapshot, now)
        return Refresh(snapshot=snapshot, cost=cost, pictures=pictures)

    async def async_fetch_media(self, url: str) -> MediaFile:
        """A media body Angelcam named."""
        return await self.client.async_fetch_media(url)

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """A media body Angelcam named, streamed."""
        return self.client.async_open_media(url)

    async def _async_read_rts_settings(self, motion: MotionTracker, now: datetime) -> None:
        """Take the account's incident TTL, at most once a day (motion ends after it)."""
        previous = self._rts_read_at
        if previous is not None and now - previous < RTS_SETTINGS_MAX_AGE:
            return
        # Taken before the request: a refresh running alongside must not read it too.
        self._rts_read_at = now
        try:
            settings = await self.client.async_fetch_rts_settings()
        except ABSENT as err:
            # Retrying sooner would not change the answer; the TTL known so far stays.
            _LOGGER.debug("Angelcam RTS settings unreadable: %s", err)
        except ProviderError:
            # Unreachable, limited or refused: this poll fails and the next one asks again.
            self._rts_read_at = previous
            raise
        else:
            motion.incident_ttl = settings.incident_ttl
            # The incident TTL select shows it too.
            self.extras.rts = settings

    async def _async_update_motion(
        self, motion: MotionTracker, snapshot: Snapshot
    ) -> tuple[EventPicture, ...]:
        """Motion from the incidents; the open ones' own pictures (one per incident is kept)."""
        incidents = await self.client.async_fetch_incidents(limit=INCIDENT_PAGE)
        pictured: dict[str, Incident] = {}
        # Closed ones first, so a newer open incident of the same camera wins.
        for incident in sorted(incidents, key=lambda i: i.closed_at is None):
            camera_id = await self._async_incident_camera(motion, snapshot, incident)
            if camera_id is not None:
                motion.apply_incident(incident, camera_id)
                if incident.closed_at is None and incident.snapshot_url is not None:
                    known = pictured.get(camera_id)
                    if known is None or _taken_at(incident) > _taken_at(known):
                        pictured[camera_id] = incident
        motion.keep_incidents({incident.id for incident in incidents})
        motion.forget(motion.cameras() - snapshot.cameras.keys())
        # Each camera's newest open incident's snapshot (a CDN download the budget does not
        # count): the Last event picture shows one.
        return tuple(
            media_picture(
                self.client.async_fetch_media,
                incident.snapshot_url or "",
                camera_id=camera_id,
                taken_at=_taken_at(incident),
                key=incident.id,
            )
            for camera_id, incident in pictured.items()
        )

    async def _async_incident_camera(
        self, motion: MotionTracker, snapshot: Snapshot, incident: Incident
    ) -> str | None:
        """The camera an incident belongs to; Angelcam's incidents do not name it.

        Incidents only open in armed locations, so only their cameras' events are read,
        once per incident (closed incidents seen for the first time are not looked up);
        the first camera with an event since the incident began is taken as its source.
        """
        if incident.camera_id is not None:
            return incident.camera_id
        if incident.id in motion.incident_cameras:
            return motion.incident_cameras[incident.id]
        found: str | None = None
        if incident.closed_at is None:
            start = incident.first_event_at or incident.created_at
            armed = [site for site in snapshot.sites.values() if site.armed]
            for camera_id in (cid for site in armed for cid in site.camera_ids):
                try:
                    events = await self.client.async_fetch_camera_events(camera_id, start=start)
                except UnavailableError:
                    # One camera timing out must not fail the poll; ask again next time.
                    _LOGGER.debug("Angelcam events of camera %s unavailable", camera_id)
                    return None
                if events:
                    found = camera_id
                    break
        motion.incident_cameras[incident.id] = found
        return found


def _taken_at(incident: Incident) -> datetime:
    """When the incident's picture was taken: its first event."""
    return incident.first_event_at or incident.created_at
