"""Build the provider client for a config entry's data (one place for every vendor)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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

from .const import ANGELCAM_API_URL, CONF_SPACE_ID, CONF_VENDOR
from .providers import AngelcamClient, NovaVMSClient, OpenCameraClient, ProviderClient
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
        capabilities=frozenset({Capability.LIVE_WEBRTC}),
    )
    return Snapshot(account=account, sites={}, cameras={camera.id: camera}, fetched_at=now)


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
            )
        case Vendor.NOVAVMS:
            return NovaVMSClient(session, api_key=data[CONF_API_KEY], base_url=data[CONF_URL])
        case _:  # OpenCamera
            return OpenCameraClient(
                session,
                url=opencamera_url(data),
                username=data[CONF_USERNAME],
                password=data[CONF_PASSWORD],
            )
