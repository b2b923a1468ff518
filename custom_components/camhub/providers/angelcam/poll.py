"""Assemble an Angelcam snapshot inside 20 requests a minute: cheap lists, gradual membership.

Angelcam cameras do not name their location, so which camera sits where costs one query per
location. A full pass over a large space does not fit one minute's allowance (and would be
spent again on every poll), so each poll lists locations and cameras (a page per 100) and
re-learns membership a few locations at a time: new locations first, then every location
when a camera shows up that no known location holds, then any older than MEMBERSHIP_MAX_AGE.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ..model import Account, Camera, Capability, Site, Snapshot
from .client import AngelcamClient

MEMBERSHIP_MAX_AGE = timedelta(hours=6)
# Requests per minute kept free for user actions, snapshots and stream URLs.
MINUTE_RESERVE = 5


class AngelcamPoller:
    """Remembers location membership between polls of one Angelcam space."""

    def __init__(self) -> None:
        """Nothing learnt yet."""
        self.account: Account | None = None
        self.members: dict[str, tuple[str, ...]] = {}
        self._scanned_at: dict[str, datetime] = {}

    def _due(self, sites: list[Site], cameras: dict[str, Camera], now: datetime) -> list[str]:
        placed = {camera_id for ids in self.members.values() for camera_id in ids}
        unplaced = cameras.keys() - placed
        never = [site.id for site in sites if site.id not in self.members]
        known = sorted(
            (site.id for site in sites if site.id in self.members),
            key=lambda site_id: self._scanned_at[site_id],
        )
        if unplaced:
            return never + known
        return never + [s for s in known if now - self._scanned_at[s] > MEMBERSHIP_MAX_AGE]

    async def async_fetch(self, client: AngelcamClient, now: datetime) -> Snapshot:
        """One poll: account (first time), locations, cameras, some membership queries."""
        if self.account is None:
            self.account = await client.async_fetch_account()
        sites = await client.async_fetch_locations()
        cameras = {camera.id: camera for camera in await client.async_fetch_cameras()}
        site_ids = {site.id for site in sites}
        for gone in self.members.keys() - site_ids:
            del self.members[gone]
            del self._scanned_at[gone]
        allowance = (client.budget.remaining_minute or 0) - MINUTE_RESERVE
        for site_id in self._due(sites, cameras, now)[: max(0, allowance)]:
            members = await client.async_fetch_cameras(site_id)
            self.members[site_id] = tuple(camera.id for camera in members)
            self._scanned_at[site_id] = now
        return self._assemble(self.account, sites, cameras, now)

    def _assemble(
        self, account: Account, sites: list[Site], cameras: dict[str, Camera], now: datetime
    ) -> Snapshot:
        placed: dict[str, Site] = {}
        by_id: dict[str, Site] = {}
        for site in sites:
            members = tuple(c for c in self.members.get(site.id, ()) if c in cameras)
            by_id[site.id] = replace(site, camera_ids=members)
            placed.update((camera_id, by_id[site.id]) for camera_id in members)
        located: dict[str, Camera] = {}
        for camera_id, camera in cameras.items():
            home = placed.get(camera_id)
            if home is None:
                # Not placed yet: shown under the space until its location is queried.
                located[camera_id] = camera
                continue
            capabilities = camera.capabilities | ({Capability.ARMING} if home.can_arm else set())
            located[camera_id] = replace(camera, site_id=home.id, capabilities=capabilities)
        return Snapshot(account=account, sites=by_id, cameras=located, fetched_at=now)
