"""Angelcam health beyond the poll: Arrow clients and recording status, read a few at a time.

Neither comes with the cameras: an Arrow client's status costs one request per client (the
list, one more, names no status) and a camera's recording status one per camera. So each item
is re-read only after `refresh_age()`, which stretches with the number of items so that all
of them together stay within HEALTH_DAILY_REQUESTS; the coordinator plans its polling around
that share (`per_day`). Arrow status pushes update a client at once and are the only place
the API names the cameras behind a client; that link is kept in the device registry, which
gives it back through `restore()` after a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
import logging
from typing import Final

from ..errors import ProviderError
from ..interface import KnownDevice
from ..model import (
    ARROW_DEVICE_PREFIX,
    ArrowClient,
    Capability,
    PushKind,
    PushMessage,
    Recording,
    Snapshot,
)
from .client import AngelcamClient

_LOGGER = logging.getLogger(__name__)

# 10 % of Angelcam's 1000 requests a day, taken out of polling's 60 % share.
HEALTH_DAILY_REQUESTS: Final = 100
# No item is re-read sooner than this, however few there are.
MIN_REFRESH_AGE: Final = timedelta(hours=1)
# Health reads one poll may add (the rest wait for the next poll).
PER_POLL: Final = 5
# Health reads only take what is left of the minute's 20 requests beyond this many: the
# polls, membership queries and user actions of this minute (and of other entries of the
# same user, who share the allowance) come first.
MINUTE_RESERVE: Final = 5
DAY: Final = timedelta(days=1)
# Health reads start this long after the entry's first poll.
START_DELAY: Final = timedelta(minutes=5)

# An item to read: ("list", ""), ("arrow", uuid) or ("recording", camera id).
type Item = tuple[str, str]
LIST: Final[Item] = ("list", "")


def refresh_age(items: int) -> timedelta:
    """How old an item may get: all items together stay within the daily share."""
    return max(MIN_REFRESH_AGE, DAY * items / HEALTH_DAILY_REQUESTS)


class AngelcamHealth:
    """What is known about one space's Arrow clients and recordings, and when it was read."""

    def __init__(self) -> None:
        """Nothing read yet; camera links come back from `restore()` before the first update."""
        self.clients: dict[str, ArrowClient] = {}
        self.members: dict[str, tuple[str, ...]] | None = None
        self.recordings: dict[str, tuple[Recording, ...]] = {}
        self._read_at: dict[Item, datetime] = {}
        self._items = 0
        self._started: datetime | None = None
        self._known: tuple[KnownDevice, ...] = ()

    @property
    def per_day(self) -> float:
        """Requests a day the health reads of this space take at most."""
        if not self._items:
            return 0.0
        return self._items * (DAY / refresh_age(self._items))

    def restore(self, devices: Sequence[KnownDevice]) -> None:
        """The entry's registered devices, read back on the first update (or push)."""
        self._known = tuple(devices)

    def _restore_from_registry(self) -> dict[str, tuple[str, ...]]:
        """Arrow clients and the cameras linked to them before a restart stay so."""
        members: dict[str, list[str]] = {}
        for device in self._known:
            if device.kind == "arrow_client" and device.item_id not in self.clients:
                # Known before the restart: kept (state unknown) until read again, so its
                # device and links survive. The MAC is in the name devices.py gave it.
                mac = (device.name or "").removeprefix(ARROW_DEVICE_PREFIX)
                self.clients[device.item_id] = ArrowClient(id=device.item_id, mac=mac, online=None)
            parent = device.parent
            if device.kind == "camera" and parent is not None and parent[0] == "arrow_client":
                members.setdefault(parent[1], []).append(device.item_id)
        return {uuid: tuple(ids) for uuid, ids in members.items()}

    def _due(self, recording: set[str], now: datetime) -> list[Item]:
        items = [LIST, *(("arrow", uuid) for uuid in self.clients)]
        items += [("recording", camera_id) for camera_id in sorted(recording)]
        self._items = len(items)
        age = refresh_age(len(items))
        never = [item for item in items if item not in self._read_at]
        stale = sorted(
            (item for item in items if item in self._read_at and now - self._read_at[item] > age),
            key=self._read_at.__getitem__,
        )
        # The list first: it names the clients whose status is read next.
        return sorted(never, key=lambda item: item != LIST) + stale

    async def async_update(
        self, client: AngelcamClient, snapshot: Snapshot, now: datetime
    ) -> Snapshot:
        """Read what is due (never failing the poll), then add what is known to `snapshot`."""
        if self.members is None:
            self.members = self._restore_from_registry()
            self._started = now
        recording = {c.id for c in snapshot.cameras.values() if c.supports(Capability.RECORDINGS)}
        for camera_id in self.recordings.keys() - recording:
            del self.recordings[camera_id]
        allowance = min(PER_POLL, (client.budget.remaining_minute or 0) - MINUTE_RESERVE)
        # The setup's burst and the first membership queries come first (angelcam_poll).
        waiting = self._started is not None and now - self._started < START_DELAY
        due = [] if waiting else self._due(recording, now)
        while due and allowance > 0:
            item = due.pop(0)
            allowance -= 1
            try:
                await self._async_read(client, item)
            except ProviderError as err:
                # Read again when due next time; the old value stays meanwhile. (A refused
                # token is the main poll's business: it starts reauth on its next run.)
                _LOGGER.debug("Angelcam %s %s not read: %s", item[0], item[1], err)
            self._read_at[item] = now
            if item == LIST:
                # Clients the list just named are read right after it.
                new = [("arrow", uuid) for uuid in self.clients if ("arrow", uuid) not in due]
                due[:0] = [i for i in new if i not in self._read_at]
        return self.apply(snapshot)

    async def _async_read(self, client: AngelcamClient, item: Item) -> None:
        kind, key = item
        if kind == "list":
            listed = {found.id: found for found in await client.async_fetch_arrow_clients()}
            self.clients = {uuid: self.clients.get(uuid, found) for uuid, found in listed.items()}
            for gone in [i for i in self._read_at if i[0] == "arrow" and i[1] not in listed]:
                del self._read_at[gone]
        elif kind == "arrow":
            self.clients[key] = await client.async_fetch_arrow_client(key)
        else:
            self.recordings[key] = tuple(await client.async_fetch_recordings(key))

    def apply(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` with the Arrow clients (and their cameras) and recordings known."""
        members = self.members or {}
        clients = {
            uuid: replace(found, camera_ids=members.get(uuid, found.camera_ids))
            for uuid, found in self.clients.items()
        }
        recordings = {k: v for k, v in self.recordings.items() if k in snapshot.cameras}
        return replace(snapshot, arrow_clients=clients, recordings=recordings)

    def apply_push(self, message: PushMessage, now: datetime) -> bool:
        """Take an arrow_status push: the client's state and the cameras behind it."""
        uuid = message.data.get("arrow_client_id")
        if message.kind is not PushKind.ARROW_STATUS or not isinstance(uuid, str):
            return False
        known = self.clients.get(uuid)
        mac = message.data.get("mac_address")
        self.clients[uuid] = ArrowClient(
            id=uuid,
            mac=known.mac if known is not None else (mac if isinstance(mac, str) else None),
            online=message.online,
            status=None if message.online is None else ("online" if message.online else "offline"),
        )
        if self.members is None:
            self.members = self._restore_from_registry()
        if message.affected_camera_ids:
            self.members[uuid] = message.affected_camera_ids
        self._read_at[("arrow", uuid)] = now
        return True
