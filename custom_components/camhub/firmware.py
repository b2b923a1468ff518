"""Firmware files for device upgrades: where they may come from, upload progress, the action."""

from __future__ import annotations

from collections.abc import Callable
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_platform

if TYPE_CHECKING:
    # Home Assistant types schemas with probatio (from 2026.x); at run time voluptuous is
    # probatio there (homeassistant installs the shim) and itself on older releases.
    import probatio as vol
else:
    import voluptuous as vol

from .const import DOMAIN

SERVICE_UPGRADE_FIRMWARE: Final = "upgrade_firmware"
ATTR_PATH: Final = "path"
# The simulator's limit too; images of real cameras of this class are a few MB.
MAX_FIRMWARE_BYTES: Final = 64 * 1024 * 1024

UPGRADE_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_ENTITY_ID): cv.comp_entity_ids, vol.Required(ATTR_PATH): cv.string}
)


class FirmwareFileError(ServiceValidationError):
    """The firmware file the user named cannot be used (translated)."""

    def __init__(self, key: str, path: str) -> None:
        """A translated error naming the path as the user gave it."""
        super().__init__(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders={"path": path}
        )


def firmware_file(config_dir: str, raw: str) -> tuple[Path, int]:
    """The firmware file `raw` names, and its size; it must lie inside `config_dir`.

    Checked before touching the file (so nothing outside is even probed) and again after
    resolving symlinks (so a link cannot lead out). Blocking: run it in the executor.
    """
    base = Path(config_dir).resolve()
    candidate = Path(raw)
    if not candidate.is_absolute():
        candidate = base / candidate
    # Lexical first: `..` must not climb out, whether or not the file exists.
    if not Path(os.path.normpath(candidate)).is_relative_to(base):
        raise FirmwareFileError("firmware_outside_config", raw)
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise FirmwareFileError("firmware_not_found", raw) from None
    if not resolved.is_relative_to(base):
        raise FirmwareFileError("firmware_outside_config", raw)
    if not resolved.is_file():
        raise FirmwareFileError("firmware_not_found", raw)
    size = resolved.stat().st_size
    if size == 0:
        raise FirmwareFileError("firmware_empty", raw)
    if size > MAX_FIRMWARE_BYTES:
        raise FirmwareFileError("firmware_too_large", raw)
    return resolved, size


class UploadProgress:
    """Counts bytes sent and reports whole percentages when they change."""

    def __init__(self, total: int, report: Callable[[int], None]) -> None:
        """`report` hears 0..100."""
        self.total = total
        self.sent = 0
        self.percent = 0
        self._report = report

    def __call__(self, sent: int) -> None:
        """Another `sent` bytes went out."""
        self.sent += sent
        percent = min(100, self.sent * 100 // self.total)
        if percent != self.percent:
            self.percent = percent
            self._report(percent)


@runtime_checkable
class FirmwareUpgrader(Protocol):
    """An entity that installs a firmware file (update.py's firmware entity)."""

    entity_id: str

    async def async_upgrade(self, path: str) -> None:
        """Install the firmware file at `path` (inside the config directory)."""


def _upgraders(hass: HomeAssistant) -> dict[str, FirmwareUpgrader]:
    found: dict[str, FirmwareUpgrader] = {}
    for platform in entity_platform.async_get_platforms(hass, DOMAIN):
        if platform.domain != "update":
            continue
        found.update(
            (entity_id, entity)
            for entity_id, entity in platform.entities.items()
            if isinstance(entity, FirmwareUpgrader)
        )
    return found


@callback
def async_setup_firmware_service(hass: HomeAssistant) -> None:
    """Register `camhub.upgrade_firmware` (once, from async_setup)."""

    async def upgrade(call: ServiceCall) -> None:
        upgraders = _upgraders(hass)
        targets = []
        for entity_id in call.data[ATTR_ENTITY_ID]:
            if entity_id not in upgraders:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="not_camhub_firmware",
                    translation_placeholders={"entity_id": entity_id},
                )
            targets.append(upgraders[entity_id])
        for target in targets:
            await target.async_upgrade(call.data[ATTR_PATH])

    hass.services.async_register(DOMAIN, SERVICE_UPGRADE_FIRMWARE, upgrade, schema=UPGRADE_SCHEMA)
