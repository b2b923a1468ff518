"""Keep the device registry in step with the vendor: hub → site/location → gateway → camera."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import CONF_VENDOR, DOMAIN
from .data import CamHubConfigEntry
from .providers import provider_for
from .providers.interface import KnownDevice

# Arrow client devices are named by MAC (providers/angelcam/health.py reads it back).
from .providers.model import ARROW_DEVICE_PREFIX, Account, Snapshot

type Identifier = tuple[str, str]


def identifier(entry: CamHubConfigEntry, kind: str, item_id: str) -> Identifier:
    """The registry identifier of one item of an entry (kind: hub, site, gateway, camera)."""
    # Built from the entry's unique id (the vendor account), so removing and re-adding
    # the entry finds the same devices and entities again.
    return (DOMAIN, f"{entry.unique_id}:{kind}:{item_id}")


def hub_identifier(entry: CamHubConfigEntry) -> Identifier:
    """The account device (Angelcam space, NovaVMS organisation)."""
    return identifier(entry, "hub", "account")


def site_identifier(entry: CamHubConfigEntry, site_id: str) -> Identifier:
    """An Angelcam location or NovaVMS site."""
    return identifier(entry, "site", site_id)


def gateway_identifier(entry: CamHubConfigEntry, gateway_id: str) -> Identifier:
    """A NovaVMS gateway."""
    return identifier(entry, "gateway", gateway_id)


def arrow_client_identifier(entry: CamHubConfigEntry, uuid: str) -> Identifier:
    """An Angelcam Arrow client (AngelBox)."""
    return identifier(entry, "arrow_client", uuid)


def camera_identifier(entry: CamHubConfigEntry, camera_id: str) -> Identifier:
    """A camera (for OpenCamera: the device itself)."""
    return identifier(entry, "camera", camera_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceSpec:
    """One device the vendor data calls for."""

    identifier: Identifier
    name: str
    model: str | None = None
    sw_version: str | None = None
    via: Identifier | None = None


def account_title(account: Account) -> str:
    """What an entry and its hub device are called: the vendor, then whose it is."""
    vendor = provider_for(account.vendor).name
    name = account.space_name or account.name
    return name if name.startswith(vendor) else f"{vendor} {name}"


def known_devices(hass: HomeAssistant, entry: CamHubConfigEntry) -> list[KnownDevice]:
    """The entry's devices in the registry, named by kind and item id (see identifier)."""
    registry = dr.async_get(hass)
    prefix = f"{entry.unique_id}:"
    devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
    keys: dict[str, tuple[str, str]] = {
        device.id: (kind, item_id)
        for device in devices
        for domain, value in device.identifiers
        if domain == DOMAIN and value.startswith(prefix)
        for kind, _, item_id in [value[len(prefix) :].partition(":")]
    }
    return [
        KnownDevice(
            kind=keys[device.id][0],
            item_id=keys[device.id][1],
            name=device.name,
            parent=keys.get(device.via_device_id or ""),
        )
        for device in devices
        if device.id in keys
    ]


def configuration_url(entry: CamHubConfigEntry) -> str | None:
    """Where the user manages this account or device."""
    return provider_for(entry.data[CONF_VENDOR]).configuration_url(entry.data)


def device_specs(entry: CamHubConfigEntry, snapshot: Snapshot) -> Iterator[DeviceSpec]:
    """Every device, parents before children (via_device must exist first)."""
    provider = provider_for(snapshot.account.vendor)
    hub: Identifier | None = None
    if provider.hub:
        hub = hub_identifier(entry)
        yield DeviceSpec(identifier=hub, name=account_title(snapshot.account), model="Account")
    for site in snapshot.sites.values():
        kind = provider.site_label
        yield DeviceSpec(
            identifier=site_identifier(entry, site.id), name=site.name, model=kind, via=hub
        )
    for gateway in snapshot.gateways.values():
        parent = hub if gateway.site_id is None else site_identifier(entry, gateway.site_id)
        yield DeviceSpec(
            identifier=gateway_identifier(entry, gateway.id),
            name=gateway.name,
            model="Gateway",
            sw_version=gateway.version,
            via=parent,
        )
    behind: dict[str, Identifier] = {}
    for client in snapshot.arrow_clients.values():
        spec = DeviceSpec(
            identifier=arrow_client_identifier(entry, client.id),
            name=f"{ARROW_DEVICE_PREFIX}{client.mac or client.id[:8]}",
            model="Arrow client",
            via=hub,
        )
        behind.update((camera_id, spec.identifier) for camera_id in client.camera_ids)
        yield spec
    for camera in snapshot.cameras.values():
        parent = hub
        if camera.id in behind:
            # The camera reaches Angelcam only through this Arrow client.
            parent = behind[camera.id]
        elif camera.gateway_id is not None and camera.gateway_id in snapshot.gateways:
            parent = gateway_identifier(entry, camera.gateway_id)
        elif camera.site_id is not None and camera.site_id in snapshot.sites:
            parent = site_identifier(entry, camera.site_id)
        yield DeviceSpec(
            identifier=camera_identifier(entry, camera.id),
            name=camera.name,
            model=camera.model,
            sw_version=camera.firmware,
            via=parent,
        )


@callback
def async_sync_devices(hass: HomeAssistant, entry: CamHubConfigEntry, snapshot: Snapshot) -> None:
    """Create or update every device the snapshot names; drop the entry from the rest."""
    registry = dr.async_get(hass)
    provider = provider_for(snapshot.account.vendor)
    url = configuration_url(entry)
    device_ids: dict[Identifier, str] = {}
    for spec in device_specs(entry, snapshot):
        device = registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={spec.identifier},
            manufacturer=provider.name,
            name=spec.name,
            model=spec.model,
            sw_version=spec.sw_version,
            configuration_url=url,
        )
        device_ids[spec.identifier] = device.id
        # Linked by id: parents come first, and `via_device=` is deprecated in newer releases.
        via_id = None if spec.via is None else device_ids.get(spec.via)
        if device.via_device_id != via_id:
            registry.async_update_device(device.id, via_device_id=via_id)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & device_ids.keys():
            registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)


def device_is_current(entry: CamHubConfigEntry, snapshot: Snapshot, device: dr.DeviceEntry) -> bool:
    """Whether the vendor still lists what the device stands for."""
    return any(spec.identifier in device.identifiers for spec in device_specs(entry, snapshot))
