"""Angelcam account reads beyond the poll: RTS settings, unread messages, broadcasting.

None of them comes with the poll, and each costs a request, so each is read on its own clock:
the RTS settings (the incident TTL) once a day by the connection, which hands them to
`rts`; the unread-message count every
UNREAD_MAX_AGE (sooner after a push, but never within UNREAD_MIN_AGE of the last read), and
each camera's broadcasting state once a day (less often in a space of more than
BROADCAST_DAILY_REQUESTS cameras), a few cameras per poll. `per_day` is what they
cost at most; the connection adds it to its extra_per_day. Like the health reads, they start
START_DELAY after the first poll, so setup's burst stays as it was. What could be read becomes a
Capability (INCIDENT_TTL and UNREAD_MESSAGES on the Snapshot, BROADCASTING on a camera), so an
entity exists only when the API offers its control.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
import logging
from typing import Final

from ..errors import NotSupportedError, PermissionDeniedError, ProtocolError, ProviderError
from ..model import Broadcasting, Capability, RtsSettings, Snapshot
from .client import AngelcamClient

_LOGGER = logging.getLogger(__name__)

DAY: Final = timedelta(days=1)
# The incident TTL rarely changes (and CamHub's own changes are taken from the answer).
RTS_MAX_AGE: Final = DAY
# Unread messages: read every 2 h; a push makes the next poll read them, at most every 30 min.
UNREAD_MAX_AGE: Final = timedelta(hours=2)
UNREAD_MIN_AGE: Final = timedelta(minutes=30)
# A camera's broadcasting state (and whether it has the service) is re-read daily, but these
# reads take at most BROADCAST_DAILY_REQUESTS a day (5 % of Angelcam's 1000): in a space of
# more cameras each is re-read less often, so the cost does not grow with the account.
BROADCAST_MAX_AGE: Final = DAY
BROADCAST_DAILY_REQUESTS: Final = 50
# Broadcasting reads one poll may add (the rest wait for the next poll).
BROADCAST_PER_POLL: Final = 2
# Extra reads only take what is left of the minute's 20 requests beyond this many: the
# least urgent reads, they leave room for thumbnails too (which keep 10).
MINUTE_RESERVE: Final = 11
# Unread and broadcasting reads start this long after the first poll (setup's burst first).
START_DELAY: Final = timedelta(minutes=5)

# Answers that will not change by asking again soon: the feature is absent for now.
ABSENT = (PermissionDeniedError, NotSupportedError, ProtocolError)


class AngelcamExtras:
    """What is known of one space's RTS settings, unread messages and broadcasting."""

    def __init__(self) -> None:
        """Nothing read yet."""
        self.rts: RtsSettings | None = None
        self.unread: int | None = None
        # Camera id -> its state; a camera without the service is absent.
        self.broadcasting: dict[str, Broadcasting] = {}
        self._unread_read_at: datetime | None = None
        self._unread_stale = False
        self._broadcast_read_at: dict[str, datetime] = {}
        self._cameras = 0
        self._started: datetime | None = None

    @property
    def per_day(self) -> float:
        """Requests a day the unread count and broadcasting reads take at most.

        The daily RTS read is left out, as it always was: it is no part of a poll's plan.
        """
        return DAY / UNREAD_MIN_AGE + self._cameras * (DAY / self._broadcast_max_age)

    @property
    def _broadcast_max_age(self) -> timedelta:
        """How old a camera's broadcasting state may get: a day, or longer in a large space."""
        return max(BROADCAST_MAX_AGE, DAY * self._cameras / BROADCAST_DAILY_REQUESTS)

    async def async_set_incident_ttl(self, client: AngelcamClient, ttl: timedelta) -> None:
        """Set the incident TTL and keep what the API answered."""
        self.rts = await client.async_set_incident_ttl(ttl)

    async def async_set_broadcasting(
        self, client: AngelcamClient, camera_id: str, *, enabled: bool
    ) -> None:
        """Start or stop broadcasting; the 204 means done, so no re-read follows."""
        await client.async_set_broadcasting(camera_id, enabled=enabled)
        known = self.broadcasting.get(camera_id)
        public_page = known.public_page if known is not None else False
        self.broadcasting[camera_id] = Broadcasting(enabled=enabled, public_page=public_page)

    def note_push(self) -> None:
        """A push arrived: messages may have come, so the count is read again soon."""
        self._unread_stale = True

    def _unread_due(self, now: datetime) -> bool:
        read_at = self._unread_read_at
        if read_at is None:
            return True
        age = now - read_at
        return age >= UNREAD_MAX_AGE or (self._unread_stale and age >= UNREAD_MIN_AGE)

    async def async_update(
        self, client: AngelcamClient, snapshot: Snapshot, now: datetime
    ) -> Snapshot:
        """Read what is due (never failing the poll), then add what is known to `snapshot`."""
        self._cameras = len(snapshot.cameras)
        for gone in self.broadcasting.keys() - snapshot.cameras.keys():
            del self.broadcasting[gone]
        if self._started is None:
            self._started = now
        allowance = (client.budget.remaining_minute or 0) - MINUTE_RESERVE
        if now - self._started < START_DELAY:
            allowance = 0
        if allowance > 0 and self._unread_due(now):
            allowance -= 1
            self._unread_read_at = now
            self._unread_stale = False
            try:
                self.unread = await client.async_fetch_unread_count()
            except ProviderError as err:
                # Absent, or asked again when due; a refused token is the poll's business.
                _LOGGER.debug("angelcam: unread messages not read: %s", err)
        due = sorted(
            (
                camera_id
                for camera_id in snapshot.cameras
                if camera_id not in self._broadcast_read_at
                or now - self._broadcast_read_at[camera_id] >= self._broadcast_max_age
            ),
            key=lambda camera_id: self._broadcast_read_at.get(
                camera_id, datetime.min.replace(tzinfo=now.tzinfo)
            ),
        )
        for camera_id in due[: min(BROADCAST_PER_POLL, max(allowance, 0))]:
            self._broadcast_read_at[camera_id] = now
            try:
                self.broadcasting[camera_id] = await client.async_fetch_broadcasting(camera_id)
            except ABSENT:
                self.broadcasting.pop(camera_id, None)
            except ProviderError as err:
                _LOGGER.debug("angelcam: broadcasting of %s not read: %s", camera_id, err)
        return self.apply(snapshot)

    def apply(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` with the account's controls and the cameras' broadcasting."""
        capabilities = set(snapshot.capabilities)
        if self.rts is not None:
            capabilities.add(Capability.INCIDENT_TTL)
        if self.unread is not None:
            capabilities.add(Capability.UNREAD_MESSAGES)
        cameras = {
            camera_id: (
                replace(camera, capabilities=camera.capabilities | {Capability.BROADCASTING})
                if camera_id in self.broadcasting
                else camera
            )
            for camera_id, camera in snapshot.cameras.items()
        }
        return replace(
            snapshot,
            capabilities=frozenset(capabilities),
            incident_ttl=None if self.rts is None else self.rts.incident_ttl,
            unread_messages=self.unread,
            cameras=cameras,
            broadcasting=dict(self.broadcasting),
        )
