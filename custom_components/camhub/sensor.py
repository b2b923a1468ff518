"""Sensors: device storage, boot and media; recording, camera, gateway status; unread."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components.sensor import (  # type: ignore[attr-defined,unused-ignore]
    SensorDeviceClass,  # in sensor.const, exported at runtime
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import (
    CamHubAccountDescription,
    CamHubAccountEntity,
    CamHubCameraDescription,
    CamHubCameraEntity,
    CamHubHardwareEntity,
    CamHubSiteDescription,
    CamHubSiteEntity,
    async_add_account_entities,
    async_add_camera_entities,
    async_add_hardware_entities,
    async_add_site_entities,
)
from .providers.interface import Connection
from .providers.model import (
    Camera,
    Capability,
    DeviceInfo,
    Gateway,
    Site,
    Snapshot,
    SystemInfo,
    primary_recording,
)

PARALLEL_UPDATES = 0

# Detailed camera statuses (STATUS_DETAIL) and cloud recording statuses (lower case:
# translation keys).
CAMERA_STATUSES: Final = ["online", "offline", "pending", "error", "disabled"]
RECORDING_STATUSES: Final = ["ready", "connecting", "recording", "stopping", "error"]
# The boot time is derived from uptime at each poll; jitter below this is not a reboot.
BOOT_JITTER: Final = timedelta(seconds=10)

type Value = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class CamHubSensorDescription[T](SensorEntityDescription):
    """How a sensor reads its value (and attributes) from the polled item."""

    value_fn: Callable[[CamHubCoordinator, T], Value]
    attributes_fn: Callable[[CamHubCoordinator, T], Mapping[str, Any]] | None = None
    # A timestamp that moves by less than this keeps its previous value.
    jitter: timedelta | None = None


@dataclass(frozen=True, kw_only=True)
class CamHubCameraSensorDescription(CamHubCameraDescription, CamHubSensorDescription[Camera]):
    """A per-camera sensor."""


@dataclass(frozen=True, kw_only=True)
class CamHubAccountSensorDescription(CamHubAccountDescription, CamHubSensorDescription[Snapshot]):
    """An account-level sensor."""


@dataclass(frozen=True, kw_only=True)
class CamHubSiteSensorDescription(CamHubSiteDescription, CamHubSensorDescription[Site]):
    """A per-location sensor."""


def _system(coordinator: CamHubCoordinator) -> SystemInfo | None:
    return coordinator.data.system


def _device(coordinator: CamHubCoordinator) -> DeviceInfo | None:
    return coordinator.data.device


def _sd_free(coordinator: CamHubCoordinator, _camera: Camera) -> Value:
    system = _system(coordinator)
    return None if system is None else system.sdcard_free_gb


def _sd_total(coordinator: CamHubCoordinator, _camera: Camera) -> Value:
    system = _system(coordinator)
    return None if system is None else system.sdcard_total_gb


def _sd_free_share(coordinator: CamHubCoordinator, _camera: Camera) -> Value:
    system = _system(coordinator)
    if system is None or system.sdcard_free_gb is None or not system.sdcard_total_gb:
        return None
    return round(100 * system.sdcard_free_gb / system.sdcard_total_gb, 1)


def _last_boot(coordinator: CamHubCoordinator, _camera: Camera) -> Value:
    device = _device(coordinator)
    uptime = None if device is None else device.uptime
    return None if uptime is None else coordinator.data.fetched_at - timedelta(seconds=uptime)


def _resolution(coordinator: CamHubCoordinator, _camera: Camera) -> Value:
    device = _device(coordinator)
    resolution = None if device is None else device.resolution
    return None if resolution is None else "{}x{}".format(*resolution)


def _device_field(name: str) -> Callable[[CamHubCoordinator, Camera], Value]:
    def value(coordinator: CamHubCoordinator, _camera: Camera) -> Value:
        device = _device(coordinator)
        found: StateType = None if device is None else getattr(device, name)
        return found

    return value


def _camera_status(_coordinator: CamHubCoordinator, camera: Camera) -> Value:
    return camera.status if camera.status in CAMERA_STATUSES else None


def _recording(coordinator: CamHubCoordinator, camera: Camera) -> Value:
    recording = primary_recording(coordinator.data.recordings.get(camera.id, ()))
    status = None if recording is None else recording.status.lower()
    return status if status in RECORDING_STATUSES else None


def _recording_attributes(coordinator: CamHubCoordinator, camera: Camera) -> Mapping[str, Any]:
    recordings = coordinator.data.recordings.get(camera.id)
    recording = primary_recording(recordings or ())
    return {
        "retention": None if recording is None else recording.retention,
        "recordings": None if recordings is None else len(recordings),
    }


def _capable(capability: Capability) -> Callable[[Connection, Camera], bool]:
    def supported(_connection: Connection, camera: Camera) -> bool:
        return camera.supports(capability)

    return supported


# The device reports itself (OpenCamera /device), even when it answers no /system.
_device_info = _capable(Capability.DEVICE_INFO)
# FIRMWARE means the device answered /system (opencamd answers it 501).
_system_info = _capable(Capability.FIRMWARE)


def _diagnostic(
    key: str,
    value_fn: Callable[[CamHubCoordinator, Camera], Value],
    supported: Callable[[Connection, Camera], bool] = _system_info,
    **kw: Any,
) -> CamHubCameraSensorDescription:
    """A diagnostic sensor of a device reporting itself (by default one read from /system)."""
    return CamHubCameraSensorDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        supported=supported,
        value_fn=value_fn,
        **kw,
    )


# Media settings rarely matter: their sensors start disabled.
_MEDIA: Final[dict[str, Any]] = {
    "supported": _device_info,
    "entity_registry_enabled_default": False,
}
_GB: Final[dict[str, Any]] = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.GIGABYTES,
}

CAMERA_SENSORS: tuple[CamHubCameraSensorDescription, ...] = (
    _diagnostic("sd_card_free", _sd_free, state_class=SensorStateClass.MEASUREMENT, **_GB),
    _diagnostic("sd_card_total", _sd_total, **_GB),
    _diagnostic(
        "sd_card_free_share",
        _sd_free_share,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    _diagnostic(
        "last_boot",
        _last_boot,
        _device_info,
        device_class=SensorDeviceClass.TIMESTAMP,
        jitter=BOOT_JITTER,
    ),
    _diagnostic("resolution", _resolution, **_MEDIA),
    _diagnostic("frame_rate", _device_field("fps"), native_unit_of_measurement="fps", **_MEDIA),
    _diagnostic("video_codec", _device_field("video_codec"), **_MEDIA),
    _diagnostic("audio_codec", _device_field("audio_codec"), **_MEDIA),
    CamHubCameraSensorDescription(
        key="camera_status",
        translation_key="camera_status",
        device_class=SensorDeviceClass.ENUM,
        options=CAMERA_STATUSES,
        entity_category=EntityCategory.DIAGNOSTIC,
        available_offline=True,
        supported=_capable(Capability.STATUS_DETAIL),
        value_fn=_camera_status,
        attributes_fn=lambda _coordinator, camera: {"active_tier": camera.active_tier},
    ),
    CamHubCameraSensorDescription(
        key="recording_status",
        translation_key="recording_status",
        device_class=SensorDeviceClass.ENUM,
        options=RECORDING_STATUSES,
        available_offline=True,
        supported=lambda connection, camera: (
            connection.recordings is not None and camera.supports(Capability.RECORDINGS)
        ),
        value_fn=_recording,
        attributes_fn=_recording_attributes,
    ),
)

SITE_SENSORS: tuple[CamHubSiteSensorDescription, ...] = tuple(
    CamHubSiteSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.TIMESTAMP,
        supported=lambda _connection, site: site.supports(Capability.ARMING_SCHEDULE),
        value_fn=value_fn,
    )
    for key, value_fn in (
        ("next_arming", lambda _coordinator, site: site.next_arming),
        ("next_disarming", lambda _coordinator, site: site.next_disarming),
    )
)

ACCOUNT_SENSORS: tuple[CamHubAccountSensorDescription, ...] = (
    CamHubAccountSensorDescription(
        key="unread_messages",
        translation_key="unread_messages",
        state_class=SensorStateClass.MEASUREMENT,
        supported=lambda _connection, snapshot: snapshot.supports(Capability.UNREAD_MESSAGES),
        value_fn=lambda _coordinator, snapshot: snapshot.unread_messages,
    ),
)

GATEWAY_SENSORS: tuple[CamHubSensorDescription[Gateway], ...] = (
    CamHubSensorDescription[Gateway](
        key="last_heartbeat",
        translation_key="last_heartbeat",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _coordinator, gateway: gateway.last_heartbeat_at,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every camera, location and gateway, now and as they appear."""
    async_add_camera_entities(entry, async_add_entities, CAMERA_SENSORS, CamHubCameraSensor)
    async_add_site_entities(entry, async_add_entities, SITE_SENSORS, CamHubSiteSensor)
    async_add_account_entities(entry, async_add_entities, ACCOUNT_SENSORS, CamHubAccountSensor)
    async_add_hardware_entities(
        entry, async_add_entities, "gateway", GATEWAY_SENSORS, CamHubGatewaySensor
    )


class _ValueSensor[T](SensorEntity):
    """Reads value and attributes through the description from the item as last polled."""

    coordinator: CamHubCoordinator
    entity_description: CamHubSensorDescription[T]
    _settled: datetime | None = None

    def _source(self) -> T | None:
        raise NotImplementedError

    @property
    def native_value(self) -> Value:
        """The value; a timestamp within its jitter of the previous one keeps that."""
        item = self._source()
        # No item means unavailable; Home Assistant does not ask then.
        value = None if item is None else self.entity_description.value_fn(self.coordinator, item)
        jitter = self.entity_description.jitter
        if jitter is not None and isinstance(value, datetime):
            if self._settled is not None and abs(value - self._settled) < jitter:
                return self._settled
            self._settled = value
        return value

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Attributes, where the description has some."""
        item = self._source()
        attributes_fn = self.entity_description.attributes_fn
        if item is None or attributes_fn is None:
            return None
        return attributes_fn(self.coordinator, item)


class CamHubCameraSensor(CamHubCameraEntity, _ValueSensor[Camera]):
    """A sensor of one camera."""

    entity_description: CamHubCameraSensorDescription

    def _source(self) -> Camera | None:
        return self.camera


class CamHubSiteSensor(CamHubSiteEntity, _ValueSensor[Site]):
    """A sensor of one location."""

    entity_description: CamHubSiteSensorDescription

    def _source(self) -> Site | None:
        return self.site


class CamHubAccountSensor(CamHubAccountEntity, _ValueSensor[Snapshot]):
    """A sensor of the account."""

    entity_description: CamHubAccountSensorDescription

    def _source(self) -> Snapshot | None:
        return self.snapshot


class CamHubGatewaySensor(CamHubHardwareEntity, _ValueSensor[Gateway]):
    """A sensor of one gateway."""

    entity_description: CamHubSensorDescription[Gateway]
    device_kind = "gateway"

    def _source(self) -> Gateway | None:
        item = self._item()
        return item if isinstance(item, Gateway) else None
