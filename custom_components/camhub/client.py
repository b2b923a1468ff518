"""Build the provider client for a config entry's data (one place for every vendor)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import hashlib
from typing import Any

from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_URL,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import ANGELCAM_API_URL, CONF_SPACE_ID, CONF_VENDOR, DOMAIN
from .providers import AngelcamClient, NovaVMSClient, OpenCameraClient, ProviderClient
from .providers.budget import RequestBudget
from .providers.model import Account, Camera, Capability, Snapshot, Vendor


def opencamera_url(data: Mapping[str, Any]) -> str:
    """The device's API address from host and port."""
    return f"http://{data[CONF_HOST]}:{data[CONF_PORT]}"


def opencamera_address_account(data: Mapping[str, Any]) -> Account:
    """The identity of a device without /device (like opencamd): its address."""
    address = f"{data[CONF_HOST]}:{data[CONF_PORT]}".lower()
    return Account(vendor=Vendor.OPENCAMERA, account_id=address, name=address)


def opencamera_address_snapshot(data: Mapping[str, Any], now: datetime) -> Snapshot:
    """What is known of such a device: it answers, and it streams over WebRTC."""
    account = opencamera_address_account(data)
    camera = Camera(
        id=account.account_id,
        name=f"OpenCamera {account.account_id}",
        online=True,
        status="online",
        capabilities=frozenset({Capability.LIVE_WEBRTC, Capability.VOD, Capability.DEVICE_INFO}),
    )
    return Snapshot(account=account, sites={}, cameras={camera.id: camera}, fetched_at=now)


# Vendors meter requests per account (Angelcam per user token, NovaVMS per key), not per
# entry: every entry on one credential shares one budget.
BUDGETS: HassKey[dict[str, RequestBudget]] = HassKey(f"{DOMAIN}_budgets")


def account_key(data: Mapping[str, Any]) -> str | None:
    """A digest naming the metered account of an entry (None: the vendor meters nothing)."""
    match Vendor(data[CONF_VENDOR]):
        case Vendor.ANGELCAM:
            secret = f"angelcam:{data.get(CONF_URL, ANGELCAM_API_URL)}:{data[CONF_ACCESS_TOKEN]}"
        case Vendor.NOVAVMS:
            secret = f"novavms:{data[CONF_URL]}:{data[CONF_API_KEY]}"
        case _:
            return None
    return hashlib.sha256(secret.encode()).hexdigest()


def shared_budget(hass: HomeAssistant, data: Mapping[str, Any]) -> RequestBudget | None:
    """The one budget of the entry's account, created on first use."""
    key = account_key(data)
    if key is None:
        return None
    budgets = hass.data.setdefault(BUDGETS, {})
    if key not in budgets:
        clock = lambda: dt_util.utcnow().timestamp()  # noqa: E731 - follows HA's clock in tests
        budgets[key] = (
            RequestBudget.angelcam(clock=clock)
            if data[CONF_VENDOR] == Vendor.ANGELCAM
            else RequestBudget.novavms(clock=clock)
        )
    return budgets[key]


def entries_sharing_account(hass: HomeAssistant, data: Mapping[str, Any]) -> int:
    """How many CamHub entries spend the same account's budget (at least 1)."""
    key = account_key(data)
    if key is None:
        return 1
    entries = hass.config_entries.async_entries(DOMAIN)
    return max(1, sum(1 for e in entries if account_key(e.data) == key))


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> ProviderClient:
    """A client for the vendor named in `data`, on Home Assistant's shared session."""
    session = async_get_clientsession(hass)
    match Vendor(data[CONF_VENDOR]):
        case Vendor.ANGELCAM:
            return AngelcamClient(
                session,
                token=data[CONF_ACCESS_TOKEN],
                space_id=data.get(CONF_SPACE_ID),
                base_url=data.get(CONF_URL, ANGELCAM_API_URL),
                budget=shared_budget(hass, data),
            )
        case Vendor.NOVAVMS:
            return NovaVMSClient(
                session,
                api_key=data[CONF_API_KEY],
                base_url=data[CONF_URL],
                budget=shared_budget(hass, data),
            )
        case _:  # OpenCamera
            return OpenCameraClient(
                session,
                url=opencamera_url(data),
                username=data[CONF_USERNAME],
                password=data[CONF_PASSWORD],
            )
