"""One coordinator per entry: polls inside its budget, tracks motion, tells only changed devices."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import logging
import math
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .connection import entries_sharing_account
from .const import CONF_SCAN_INTERVAL, DOMAIN, PUSH_HEALTHY_WINDOW
from .data import CamHubConfigEntry
from .devices import known_devices
from .offered import offered
from .pictures import pictures
from .providers import Connection
from .providers.errors import (
    AuthenticationError,
    ProviderError,
    RateLimitedError,
)
from .providers.interface import PollLoad
from .providers.model import Snapshot
from .providers.motion import MotionTracker

type DeviceKey = tuple[str, str]
"""One device of an entry: (kind, item id), kind as in devices.py (camera, site, ...)."""

# The items of each kind of device in a snapshot.
DEVICE_ITEMS: Final[dict[str, Callable[[Snapshot], Mapping[str, object]]]] = {
    "camera": lambda snapshot: snapshot.cameras,
    "site": lambda snapshot: snapshot.sites,
    "gateway": lambda snapshot: snapshot.gateways,
    "arrow_client": lambda snapshot: snapshot.arrow_clients,
    # The account's own entities (incident TTL, unread messages) read these fields.
    "hub": lambda snapshot: {
        "account": (snapshot.capabilities, snapshot.incident_ttl, snapshot.unread_messages)
    },
    # Alert rules' switches sit on the hub device but listen to their own rule.
    "alert_rule": lambda snapshot: snapshot.alert_rules,
}

_LOGGER = logging.getLogger(__name__)


class CamHubCoordinator(DataUpdateCoordinator[Snapshot]):
    """Polls one account or device; entities read its normalized Snapshot."""

    config_entry: CamHubConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: CamHubConfigEntry, connection: Connection
    ) -> None:
        """Start with the provider's default interval; the first refresh re-plans it."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=connection.provider.interval(PollLoad(cost=1.0)),
        )
        self.connection = connection
        self.provider = connection.provider
        self.motion = MotionTracker()
        # Requests one refresh costs, as measured (a metered provider plans from it).
        self.poll_cost: float = 0.0
        # Sites of the account (Angelcam membership queries cost one each).
        self.locations = 0
        # When the push channel last delivered a verified message (polling slows meanwhile).
        self.push_seen_at: datetime | None = None
        # The registry's devices are handed to the connection once, before the first poll.
        self._restored = False
        # Entities listen per device (their context); see async_update_listeners.
        self._device_listeners: dict[DeviceKey, dict[int, CALLBACK_TYPE]] = {}
        # What each device's entities were last told, and whether the entry was available:
        # references to the frozen models of `data`, not a copy of state.
        self._told: dict[DeviceKey, tuple[object, ...]] = {}
        self._told_available: bool | None = None

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
        self.connection.note_push()
        if not was_healthy and self.data is not None:
            self._plan(self._planned_interval())

    @callback
    def async_push_data(
        self, snapshot: Snapshot, devices: Iterable[DeviceKey] | None = None
    ) -> None:
        """Show state a push delivered without moving the next poll (pushes may be frequent).

        Only the entities of `devices` (the ones the push names, which it cannot add or
        remove) hear of it, and only when their data changed; None compares every device
        and tells entry-wide listeners too, as a poll does.
        """
        self.data = snapshot
        if devices is None:
            self.async_update_listeners()
        elif self.last_update_success and self._told_available:
            self._call(self._listeners_of(self._changed(devices)))

    @callback
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen for data updates; `context` is a DeviceKey for one device's entities."""
        remove = super().async_add_listener(update_callback, context)
        if context is None:
            return remove
        listeners = self._device_listeners.setdefault(context, {})
        # The id the base class just gave the listener.
        token = self._last_listener_id
        listeners[token] = update_callback

        @callback
        def remove_both() -> None:
            remove()
            listeners.pop(token, None)
            if not listeners:
                self._device_listeners.pop(context, None)

        return remove_both

    @callback
    def async_update_listeners(self) -> None:
        """Tell the entities whose device's data changed; all when availability changed.

        Entry-wide listeners (devices, new entities) hear of any change. A poll that
        changed nothing tells no one, so it writes no state.
        """
        available = self.last_update_success
        if available != self._told_available:
            self._told_available = available
            if available and self.data is not None:
                self._changed(self._device_keys())
            super().async_update_listeners()
            return
        if not available or self.data is None:
            return
        changed = self._changed(self._device_keys())
        if changed:
            self._call(self._entry_listeners())
            self._call(self._listeners_of(changed))

    def _device_keys(self) -> set[DeviceKey]:
        """Every device present now or last told (gone ones must hear they are)."""
        data = self.data
        keys = {(kind, item_id) for kind, items in DEVICE_ITEMS.items() for item_id in items(data)}
        return keys | self._told.keys()

    def _view(self, key: DeviceKey) -> tuple[object, ...] | None:
        """What the entities of one device read (None: the vendor no longer lists it)."""
        kind, item_id = key
        data = self.data
        item = DEVICE_ITEMS[kind](data).get(item_id)
        if item is None:
            return None
        if kind != "camera":
            return (item,)
        # A camera's entities also read its motion, its recordings and the device's reports.
        recordings = data.recordings.get(item_id)
        broadcasting = data.broadcasting.get(item_id)
        return (
            item,
            self.motion.until(item_id),
            recordings,
            broadcasting,
            data.device,
            data.system,
        )

    def _changed(self, keys: Iterable[DeviceKey]) -> list[DeviceKey]:
        """The devices among `keys` whose view differs from the one told; now told."""
        changed = []
        for key in keys:
            view = self._view(key)
            if view == self._told.get(key):
                continue
            changed.append(key)
            if view is None:
                del self._told[key]
            else:
                self._told[key] = view
        return changed

    def _entry_listeners(self) -> list[CALLBACK_TYPE]:
        return [listener for listener, context in self._listeners.values() if context is None]

    def _listeners_of(self, keys: Iterable[DeviceKey]) -> list[CALLBACK_TYPE]:
        return [
            listener for key in keys for listener in self._device_listeners.get(key, {}).values()
        ]

    def _call(self, listeners: Iterable[CALLBACK_TYPE]) -> None:
        for listener in listeners:
            try:
                listener()
            except Exception:
                # As DataUpdateCoordinator does: one broken entity must not stop the rest.
                self.logger.exception("Unexpected error updating listener for %s", self.name)

    @property
    def vendor_name(self) -> str:
        """The vendor's display name."""
        return self.provider.name

    def _failure[E: HomeAssistantError](self, cls: type[E], key: str, **placeholders: str) -> E:
        return cls(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"vendor": self.vendor_name, **placeholders},
        )

    async def _async_update_data(self) -> Snapshot:
        if not self._restored:
            self._restored = True
            self.connection.restore_devices(known_devices(self.hass, self.config_entry))
        chosen = self.config_entry.options.get(self.provider.site_filter_key or "") or ()
        try:
            refresh = await self.connection.async_refresh(
                self.motion, dt_util.utcnow(), sites=frozenset(chosen)
            )
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
        self._measure(refresh.cost, refresh.snapshot)
        self._plan(self._planned_interval())
        # Incidents and events this poll found (what a push pictured already is not fetched).
        store = pictures(self.hass)
        for picture in refresh.pictures:
            store.async_capture(self.config_entry, picture, incident=False)
        return refresh.snapshot

    async def async_refresh_site(self, site_id: str) -> None:
        """Re-read one site after an action (one request, not a full poll)."""
        arming = self.connection.arming
        if arming is None or self.data is None:
            return
        site = await arming.async_fetch_site(site_id)
        old = self.data.sites.get(site_id)
        # A single site comes without its cameras; they did not change.
        site = replace(site, camera_ids=old.camera_ids if old else ())
        self.async_set_updated_data(replace(self.data, sites={**self.data.sites, site_id: site}))

    async def async_set_incident_ttl(self, ttl: timedelta) -> None:
        """Set the account's incident TTL; entities show the answer at once (no poll)."""
        feature = offered(self.connection.incident_ttl, "incident TTL")
        snapshot = await feature.async_set_incident_ttl(self.data, ttl)
        if snapshot.incident_ttl is not None:
            self.motion.incident_ttl = snapshot.incident_ttl
        self.async_push_data(snapshot)

    async def async_set_broadcasting(self, camera_id: str, *, enabled: bool) -> None:
        """Start or stop a camera's broadcasting; its switch shows it at once (no poll)."""
        feature = offered(self.connection.broadcasting, "broadcasting")
        self.async_push_data(
            await feature.async_set_broadcasting(self.data, camera_id, enabled=enabled)
        )

    async def async_set_alert_rule(self, rule_id: str, *, enabled: bool) -> None:
        """Enable or disable an alert rule; its switch shows the answer at once (no poll)."""
        feature = offered(self.connection.alert_rules, "alert rules")
        self.async_push_data(
            await feature.async_set_alert_rule(self.data, rule_id, enabled=enabled)
        )

    def _measure(self, cost: int, snapshot: Snapshot) -> None:
        """Remember what a refresh costs (averaged: membership queries come and go).

        The first refresh also paid for the account check; the provider says what a
        steady one costs instead.
        """
        self.locations = len(snapshot.sites)
        if not self.poll_cost:
            self.poll_cost = self.provider.steady_cost(snapshot, cost)
            return
        self.poll_cost = (self.poll_cost + cost) / 2

    def poll_load(self) -> PollLoad:
        """What the polling plan depends on now."""
        return PollLoad(
            cost=self.poll_cost,
            sites=self.locations,
            push_healthy=self.push_healthy,
            # Entries on one metered account (Angelcam: one per space) split its share.
            sharing=entries_sharing_account(self.hass, self.config_entry.data),
            extra_per_day=self.connection.extra_per_day,
        )

    def _planned_interval(self) -> timedelta:
        load = self.poll_load()
        chosen = self.config_entry.options.get(CONF_SCAN_INTERVAL)
        if chosen is None:
            return self.provider.interval(load)
        # The options flow checked the choice against the budget, but accounts grow.
        return max(timedelta(seconds=chosen), self.provider.minimum_interval(load))

    def _plan(self, interval: timedelta) -> None:
        if interval != self.update_interval:
            _LOGGER.debug("%s polls every %s", self.name, interval)
            self.update_interval = interval
