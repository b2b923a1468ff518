"""Base entities, description fields shared by every platform, and dynamic entity adding."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .devices import identifier
from .providers.model import ArrowClient, Camera, Gateway, Site, Snapshot, Vendor


@dataclass(frozen=True, kw_only=True)
class CamHubCameraDescription(EntityDescription):
    """Fields every per-camera description has: when it exists, whether offline hides it."""

    supported: Callable[[Vendor, Camera], bool] = lambda _vendor, _camera: True
    # The online sensor must stay available to report "offline"; the rest cannot work then.
    available_offline: bool = False


@dataclass(frozen=True, kw_only=True)
class CamHubSiteDescription(EntityDescription):
    """Fields every per-location/site description has."""

    supported: Callable[[Vendor, Site], bool] = lambda _vendor, _site: True


@dataclass(frozen=True, kw_only=True)
class CamHubAccountDescription(EntityDescription):
    """Fields every account-level description has: when the account offers it."""

    supported: Callable[[Snapshot], bool] = lambda _snapshot: True


class CamHubEntity(CoordinatorEntity[CamHubCoordinator]):
    """Something shown for one item (camera, location) of a CamHub entry."""

    _attr_has_entity_name = True
    # Which kind of device (devices.py) the subclass's items are.
    device_kind: ClassVar[str]

    def __init__(
        self, coordinator: CamHubCoordinator, item_id: str, description: EntityDescription
    ) -> None:
        """Attach the entity to its item's device; unique ids follow the vendor account."""
        super().__init__(coordinator)
        self.entity_description = description
        self.item_id = item_id
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}:{item_id}:{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={identifier(entry, self.device_kind, item_id)}
        )

    @property
    def vendor(self) -> Vendor:
        """The entry's vendor (for translated errors)."""
        return self.coordinator.vendor

    def _item(self) -> Camera | Site | Gateway | ArrowClient | Snapshot | None:
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
        return data if self.entity_description.supported(data) else None

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
def _async_add_dynamic[I: Camera | Site | Gateway | ArrowClient | Snapshot, D: EntityDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
    *,
    items: Callable[[Snapshot], Iterable[tuple[str, I]]],
    descriptions: Iterable[D],
    supported: Callable[[D, Vendor, I], bool],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Add entities for the items present now, and for items that appear in later polls."""
    coordinator = entry.runtime_data.coordinator
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
                if key not in known and supported(description, coordinator.vendor, item):
                    known.add(key)
                    new.append(factory(coordinator, item_id, description))
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


@callback
def async_add_camera_entities[D: CamHubCameraDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Per-camera entities, including cameras added on the vendor side later."""
    _async_add_dynamic(
        entry,
        async_add_entities,
        items=_cameras,
        descriptions=descriptions,
        supported=lambda d, vendor, item: d.supported(vendor, item),
        factory=factory,
    )


@callback
def async_add_site_entities[D: CamHubSiteDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Per-location entities, including locations added later."""
    _async_add_dynamic(
        entry,
        async_add_entities,
        items=_sites,
        descriptions=descriptions,
        supported=lambda d, vendor, item: d.supported(vendor, item),
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
    async_add_entities: AddEntitiesCallback,
    kind: HardwareKind,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Per-gateway or per-Arrow-client entities (every one has them all)."""
    _async_add_dynamic(
        entry,
        async_add_entities,
        items=_hardware(kind),
        descriptions=descriptions,
        supported=lambda _d, _vendor, _item: True,
        factory=factory,
    )


def _account(snapshot: Snapshot) -> Iterable[tuple[str, Snapshot]]:
    return (("account", snapshot),)


@callback
def async_add_account_entities[D: CamHubAccountDescription](
    entry: CamHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[CamHubCoordinator, str, D], Entity],
) -> None:
    """Account-level entities, each once its capability shows (some are read after setup)."""
    _async_add_dynamic(
        entry,
        async_add_entities,
        items=_account,
        descriptions=descriptions,
        supported=lambda d, _vendor, snapshot: d.supported(snapshot),
        factory=factory,
    )
