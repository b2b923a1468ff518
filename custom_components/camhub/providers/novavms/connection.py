"""A NovaVMS entry's connection: the client, and motion from the organisation's events."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from ..interface import Connection, Refresh, included
from ..model import Account, CameraEvent, MediaFile, MediaStream
from ..motion import MotionTracker
from .client import NovaVMSClient
from .push import event_pictures
from .rules import NovaVMSAlertRules

if TYPE_CHECKING:
    from ..interface import Provider

# Events are re-read with this overlap so one arriving late is not missed.
EVENT_OVERLAP: Final = timedelta(seconds=30)


class NovaVMSEvents:
    """A camera's newest events: one page, whatever `since` says (as the media browser asks)."""

    def __init__(self, client: NovaVMSClient) -> None:
        """Read through `client`."""
        self._client = client

    async def async_fetch_camera_events(
        self, camera_id: str, *, since: datetime, limit: int
    ) -> list[CameraEvent]:
        """The camera's newest `limit` events."""
        return await self._client.async_fetch_events(camera_id=camera_id, limit=limit)

    async def async_fetch_event(self, event_id: str) -> CameraEvent:
        """One event in full, with its signed clip URL."""
        return await self._client.async_fetch_event(event_id)


class NovaVMSConnection(Connection):
    """One NovaVMS organisation."""

    def __init__(self, provider: Provider, client: NovaVMSClient) -> None:
        """Nothing read yet."""
        self.provider = provider
        self.client = client
        self.budget = client.budget
        self.images = client
        self.clip_trigger = client
        self.events = NovaVMSEvents(client)
        self.event_ack = client
        self.alert_rules = self._rules = NovaVMSAlertRules(client)
        self._events_since: datetime | None = None

    async def async_fetch_account(self) -> Account:
        """The organisation the key belongs to."""
        return await self.client.async_fetch_account()

    async def async_refresh(
        self, motion: MotionTracker, now: datetime, *, sites: frozenset[str]
    ) -> Refresh:
        """Sites, gateways, cameras, the events since the last poll (motion); rules when due."""
        sent = self.budget.sent
        snapshot = included(await self.client.async_fetch_snapshot_state(), sites)
        since = self._events_since or now - EVENT_OVERLAP
        events = await self.client.async_fetch_events(since=since)
        motion.apply_events(events)
        self._events_since = now - EVENT_OVERLAP
        motion.forget(motion.cameras() - snapshot.cameras.keys())
        # Events pushed already were pictured then (the same keys): nothing is fetched twice.
        shown = (event for event in events if event.camera_id in snapshot.cameras)
        pictures = event_pictures(self.client, shown)
        cost = self.budget.sent - sent
        # The rules' reads are not the poll's: extra_per_day counts them.
        snapshot = await self._rules.async_update(snapshot, now)
        return Refresh(snapshot=snapshot, cost=cost, pictures=pictures)

    @property
    def extra_per_day(self) -> float:
        """The alert rules' list reads."""
        return self._rules.per_day

    async def async_fetch_media(self, url: str) -> MediaFile:
        """A media body NovaVMS named."""
        return await self.client.async_fetch_media(url)

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """A media body NovaVMS named, streamed."""
        return self.client.async_open_media(url)
