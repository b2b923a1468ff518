"""Firmware of a device: the version it runs and an upgrade from a user's file."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.update import (  # type: ignore[attr-defined,unused-ignore]
    UpdateDeviceClass,  # in update.const, exported at runtime
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .exceptions import translated_error
from .firmware import UploadProgress, firmware_file
from .offered import offered
from .providers.errors import ProviderError, RequestRejectedError
from .providers.interface import Connection
from .providers.model import Camera, Capability

# One upload at a time per device; the platform lets actions of other devices run.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CamHubUpdateDescription(CamHubCameraDescription, UpdateEntityDescription):
    """The firmware entity of a device."""


def _has_firmware(connection: Connection, camera: Camera) -> bool:
    # FIRMWARE: the device reports its version (OpenCamera: it answers /system).
    return connection.firmware is not None and camera.supports(Capability.FIRMWARE)


UPDATES: tuple[CamHubUpdateDescription, ...] = (
    CamHubUpdateDescription(
        key="firmware",
        translation_key="firmware",
        device_class=UpdateDeviceClass.FIRMWARE,
        supported=_has_firmware,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the firmware entity of a device that reports its firmware."""
    async_add_camera_entities(entry, async_add_entities, UPDATES, CamHubFirmwareUpdate)


def _invalid(key: str) -> ServiceValidationError:
    return ServiceValidationError(translation_domain=DOMAIN, translation_key=key)


class CamHubFirmwareUpdate(CamHubCameraEntity, UpdateEntity):
    """The device's firmware; `camhub.upgrade_firmware` installs a file the user provides.

    The device has no endpoint naming a newer version, so the latest version known is the
    installed one and `update.install` has nothing to offer; the action is the way in.
    """

    entity_description: CamHubUpdateDescription
    _attr_supported_features = UpdateEntityFeature.PROGRESS

    @property
    def installed_version(self) -> str | None:
        """The version the device reports."""
        camera = self.camera
        return None if camera is None else camera.firmware

    @property
    def latest_version(self) -> str | None:
        """No newer version is known (see the class docstring)."""
        return self.installed_version

    @callback
    def _progress(self, percent: int) -> None:
        self._attr_update_percentage = percent
        self.async_write_ha_state()

    async def async_upgrade(self, path: str) -> None:
        """Upload the firmware file at `path` (inside the config directory), showing progress."""
        if self._attr_in_progress:
            raise _invalid("upgrade_in_progress")
        image, size = await self.hass.async_add_executor_job(
            firmware_file, self.hass.config.config_dir, path
        )
        self._attr_in_progress = True
        self._progress(0)
        try:
            # After a 501 the feature refuses without sending the file again.
            installer = offered(self.connection.firmware, "firmware upgrade")
            await installer.async_upgrade_firmware(image, UploadProgress(size, self._progress))
        except RequestRejectedError as err:
            raise _invalid("firmware_rejected") from err
        except ProviderError as err:
            raise translated_error(err, self.vendor_name) from err
        finally:
            self._attr_in_progress = False
            self._attr_update_percentage = None
            self.async_write_ha_state()
        # The device reboots into the new firmware: read its version now.
        await self.coordinator.async_refresh()
