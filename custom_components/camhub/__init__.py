"""CamHub: Angelcam, NovaVMS and OpenCamera cameras in Home Assistant."""

from __future__ import annotations

from homeassistant.components import webhook
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .connection import create_connection
from .const import CONF_WEBHOOK_ID, DOMAIN
from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry, CamHubData
from .devices import async_sync_devices, device_is_current
from .firmware import async_setup_firmware_service
from .pictures import async_remove_pictures, async_setup_pictures, pictures
from .playback import async_setup_proxy
from .push import PushChannel
from .push_vendor import async_remove_push
from .services import async_setup_services
from .thumbnails import async_setup_thumbnails

PLATFORMS: list[Platform] = [
    Platform.ALARM_CONTROL_PANEL,
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.UPDATE,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and the playback proxy once, for every entry."""
    async_setup_proxy(hass)
    await async_setup_pictures(hass)
    async_setup_thumbnails(hass)
    async_setup_services(hass)
    async_setup_firmware_service(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CamHubConfigEntry) -> bool:
    """Connect to the vendor, poll once, create devices, the entities, then the push channel."""
    connection = create_connection(hass, entry.data)
    coordinator = CamHubCoordinator(hass, entry, connection)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = CamHubData(
        provider=connection.provider,
        connection=connection,
        coordinator=coordinator,
    )

    @callback
    def sync_devices() -> None:
        if coordinator.last_update_success:
            async_sync_devices(hass, entry, coordinator.data)

    # Devices first: entities added by platform listeners link to them via_device.
    sync_devices()
    entry.async_on_unload(coordinator.async_add_listener(sync_devices))
    if (support := connection.push) is not None:
        if CONF_WEBHOOK_ID not in entry.data:
            # Generated once: the vendor keeps delivering to it across restarts.
            hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_WEBHOOK_ID: webhook.async_generate_id()}
            )
        # Before the platforms: the event platform asks it for the vendor's event types.
        entry.runtime_data.push = PushChannel(hass, entry, coordinator, support)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if entry.runtime_data.push is not None:
        entry.runtime_data.push.async_start()
    # Added last, and for options only: the push channel writes its state into the data.
    options = dict(entry.options)

    async def options_updated(hass: HomeAssistant, entry: CamHubConfigEntry) -> None:
        """Options change which cameras exist and how often to poll: start over."""
        if dict(entry.options) != options:
            await hass.config_entries.async_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(options_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: CamHubConfigEntry) -> bool:
    """Unload the platforms; listeners and timers go with the entry's unload callbacks."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    pictures(hass).async_stop_captures(entry.entry_id)
    if unloaded:
        await entry.runtime_data.connection.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: CamHubConfigEntry) -> None:
    """Deleted: remove the cloudhook, the vendor's webhook where its API allows, the pictures."""
    await async_remove_push(hass, entry)
    await async_remove_pictures(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: CamHubConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only when the vendor no longer lists it."""
    return not device_is_current(entry, entry.runtime_data.coordinator.data, device)
