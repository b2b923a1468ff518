"""Base entities, description fields shared by every platform, and dynamic entity adding."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .coordinator import CamHubCoordinator, DeviceKey
from .data import CamHubConfigEntry
from .devices import identifier
from .providers.interface import Connection
from .providers.model import AlertRule, ArrowClient, Camera, Gateway, Site, Snapshot


@dataclass(frozen=True, kw_only=True)
class CamHubCameraDescription(EntityDescription):
    """Fields every per-camera description has: when it exists, whether offline hides it.

    `supported` asks the entry's connection for the feature and the camera for the
    capability; an entity exists only where both are there.
    """

    supported: Callable[[Connection, Camera], bool] = lambda _connection, _camera: True
    # The online sensor must stay available to report "offline"; the rest cannot work then.
    available_offline: bool = False


@dataclass(frozen=True, kw_only=True)
class CamHubSiteDescription(EntityDescription):
    """Fields every per-location/site description has."""

    supported: Callable[[Connection, Site], bool] = lambda _connection, _site: True


@dataclass(frozen=True, kw_only=True)
class CamHubAccountDescription(EntityDescription):
    """Fields every account-level description has: when the account offers it.

    Like a camera's, `supported` asks the connection for the feature and the snapshot for
    the capability.
    """

    supported: Callable[[Connection, Snapshot], bool] = lambda _connection, _snapshot: True


class CamHubEntity(CoordinatorEntity[CamHubCoordinator]):
    """Something shown for one item (camera, location) of a CamHub entry.

    It listens to its own device only (the coordinator context is the DeviceKey): a push
    or poll writes its state only when its device's data changed, or availability did.
    """

    _attr_has_entity_name = True
    # Which kind of device (devices.py) the subclass's items are.
    device_kind: ClassVar[str]
    _unsub_timed_change: CALLBACK_TYPE | None = None

    def __init__(
        self, coordinator: CamHubCoordinator, item_id: str, description: EntityDescription
    ) -> None:
        """Attach the entity to its item's device; unique ids follow the vendor account."""
        key: DeviceKey = (self.device_kind, item_id)
        super().__init__(coordinator, key)
        self.entity_description = description
        self.item_id = item_id
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}:{item_id}:{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={identifier(entry, self.device_kind, item_id)}
        )

    @property
    def connection(self) -> Connection:
        """The entry's link to its vendor (features are read from it)."""
        return self.coordinator.config_entry.runtime_data.connection

    @property
    def vendor_name(self) -> str:
        """The vendor's display name (for translated errors)."""
        return self.connection.provider.name

    def _state_changes_at(self) -> datetime | None:
        """When the state next changes by time alone, without new data (None: it does not)."""
        return None

    async def async_added_to_hass(self) -> None:
        """Also watch for a change of state that time alone brings."""
        await super().async_added_to_hass()
        self._schedule_timed_change()
        self.async_on_remove(self._cancel_timed_change)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._schedule_timed_change()
        super()._handle_coordinator_update()

    @callback
    def _schedule_timed_change(self) -> None:
        # Polls that changed nothing write nothing, so such a moment needs its own timer.
        self._cancel_timed_change()
        when = self._state_changes_at()
        if when is not None and when > dt_util.utcnow():
            self._unsub_timed_change = async_track_point_in_utc_time(
                self.hass, self._timed_change, when
            )

    @callback
    def _timed_change(self, _now: datetime) -> None:
        self._unsub_timed_change = None
        self._schedule_timed_change()
        self.async_write_ha_state()

    @callback
    def _cancel_timed_change(self) -> None:
        if self._unsub_timed_change is not None:
            self._unsub_timed_change()
            self._unsub_timed_change = None

    def _item(self) -> Camera | Site | Gateway | ArrowClient | Snapshot | AlertRule | None:
        raise NotImplementedError

    @property
    def available(self) -> bool:
        """Unavailable when polling fails or the vendor no longer lists the item."""
        return super().available and self._item() is not None


class CamHubCameraEntity(CamHubEntity):
    """An entity of one camera."""

    entity_description: CamHubCameraDescription
    device_kind = "camera"

    @property
    def camera(self) -> Camera | None:
        """The camera as last polled (None once the vendor no longer lists it)."""
        return self.coordinator.data.cameras.get(self.item_id)

    def _item(self) -> Camera | None:
        return self.camera

    @property
    def available(self) -> bool:
        """Also unavailable while the camera is offline, unless the entity reports that."""
        camera = self.camera
        if not super().available or camera is None:
            return False
        return camera.online is not False or self.entity_description.available_offline


class CamHubSiteEntity(CamHubEntity):
    """An entity of one location or site."""

    entity_description: CamHubSiteDescription
    device_kind = "site"

    @property
    def site(self) -> Site | None:
        """The location as last polled."""
        return self.coordinator.data.sites.get(self.item_id)

    def _item(self) -> Site | None:
        return self.site


class CamHubAccountEntity(CamHubEntity):
    """An entity of the account itself (its hub device, item id `account`)."""

    entity_description: CamHubAccountDescription
    device_kind = "hub"

    @property
    def snapshot(self) -> Snapshot | None:
        """The last poll, while the account still offers what this entity shows."""
        data = self.coordinator.data
        return data if self.entity_description.supported(self.connection, data) else None

    def _item(self) -> Snapshot | None:
        return self.snapshot


type HardwareKind = Literal["gateway", "arrow_client"]


class CamHubHardwareEntity(CamHubEntity):
    """An entity of a NovaVMS gateway or an Angelcam Arrow client (device_kind says which)."""

    device_kind: ClassVar[HardwareKind]

    def _item(self) -> Gateway | ArrowClient | None:
        data = self.coordinator.data
        items = data.gateways if self.device_kind == "gateway" else data.arrow_clients
        return items.get(self.item_id)


def _cameras(snapshot: Snapshot) -> Iterable[tuple[str, Camera]]:
    return snapshot.cameras.items()


def _sites(snapshot: Snapshot) -> Iterable[tuple[str, Site]]:
    return snapshot.sites.items()


@callback
def async_add_dynamic_entities[
    I: Camera | Site | Gateway | ArrowClient | Snapshot | AlertRule,
    D: EntityDescription,
](
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *,
    items: Callable[[Snapshot], Iterable[tuple[str, I]]],
    descriptions: Iterable[D],
    supported: Callable[[D, Connection, I], bool],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Add entities for the items present now, and for items that appear in later polls.

    `items` lists a kind of item of the snapshot by id; `supported` decides per description.
    """
    coordinator = entry.runtime_data.coordinator
    connection = entry.runtime_data.connection
    known: set[tuple[str, str]] = set()

    @callback
    def add_new() -> None:
        present = dict(items(coordinator.data))
        # Forget items the vendor dropped, so they come back if it lists them again.
        known.intersection_update({key for key in known if key[0] in present})
        new: list[Entity] = []
        for item_id, item in present.items():
            for description in descriptions:
                key = (item_id, description.key)
                if key not in known and supported(description, connection, item):
                    known.add(key)
                    new.append(factory(coordinator, item_id, description))
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


@callback
def async_add_camera_entities[D: CamHubCameraDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Per-camera entities, including cameras added on the vendor side later."""
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        items=_cameras,
        descriptions=descriptions,
        supported=lambda d, connection, item: d.supported(connection, item),
        factory=factory,
    )


@callback
def async_add_site_entities[D: CamHubSiteDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Per-location entities, including locations added later."""
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        items=_sites,
        descriptions=descriptions,
        supported=lambda d, connection, item: d.supported(connection, item),
        factory=factory,
    )


def _hardware(
    kind: HardwareKind,
) -> Callable[[Snapshot], Iterable[tuple[str, Gateway | ArrowClient]]]:
    def items(snapshot: Snapshot) -> Iterable[tuple[str, Gateway | ArrowClient]]:
        return (snapshot.gateways if kind == "gateway" else snapshot.arrow_clients).items()

    return items


@callback
def async_add_hardware_entities[D: EntityDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    kind: HardwareKind,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Per-gateway or per-Arrow-client entities (every one has them all)."""
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        items=_hardware(kind),
        descriptions=descriptions,
        supported=lambda _d, _connection, _item: True,
        factory=factory,
    )


def _account(snapshot: Snapshot) -> Iterable[tuple[str, Snapshot]]:
    return (("account", snapshot),)


@callback
def async_add_account_entities[D: CamHubAccountDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Account-level entities, each once its capability shows (some are read after setup)."""
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        items=_account,
        descriptions=descriptions,
        supported=lambda d, connection, snapshot: d.supported(connection, snapshot),
        factory=factory,
    )
