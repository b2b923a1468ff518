"""An OpenCamera entry's connection: one device on the network, and what it refused with 501."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..errors import NotSupportedError, ProviderError
from ..fields import HOST, PORT
from ..interface import Connection, Refresh
from ..model import Account, Camera, Capability, MediaFile, MediaStream, Snapshot
from ..motion import MotionTracker
from .client import OpenCameraClient
from .live_config import OpenCameraLiveConfig

if TYPE_CHECKING:
    from ..interface import Provider

_LOGGER = logging.getLogger(__name__)

KEY: Final = "opencamera"
# The operation the device may answer 501 to; the upgrade is not offered again after that.
UPGRADE_OPERATION: Final = "upgradeSystem"


def device_url(data: Mapping[str, Any]) -> str:
    """The device's API address from host and port."""
    return f"http://{data[HOST]}:{data[PORT]}"


def address_account(data: Mapping[str, Any]) -> Account:
    """The identity of a device without /device (like opencamd): its address."""
    address = f"{data[HOST]}:{data[PORT]}".lower()
    return Account(vendor=KEY, account_id=address, name=address)


def address_snapshot(data: Mapping[str, Any], now: datetime) -> Snapshot:
    """What is known of such a device: it answers, streams over WebRTC, keeps video."""
    account = address_account(data)
    camera = Camera(
        id=account.account_id,
        name=f"OpenCamera {account.account_id}",
        online=True,
        status="online",
        capabilities=frozenset({Capability.LIVE_WEBRTC, Capability.VOD, Capability.DEVICE_INFO}),
    )
    return Snapshot(account=account, sites={}, cameras={camera.id: camera}, fetched_at=now)


class OpenCameraWebRTC:
    """The device's one live session (it has one camera, so the id is not needed)."""

    def __init__(self, client: OpenCameraClient) -> None:
        """Offer through `client`."""
        self._client = client

    async def async_webrtc_offer(self, camera_id: str, sdp: str) -> str:
        """The device's answer to the browser's offer."""
        return await self._client.async_webrtc_offer(sdp)


class OpenCameraFirmware:
    """Firmware upgrades, not tried again once the device answered 501."""

    def __init__(self, client: OpenCameraClient, unsupported: set[str]) -> None:
        """`unsupported` is the connection's memory of operations answered with 501."""
        self._client = client
        self._unsupported = unsupported

    async def async_upgrade_firmware(self, image: Path, progress: Callable[[int], None]) -> None:
        """Upload `image`; NotSupportedError without a request after a 501."""
        if UPGRADE_OPERATION in self._unsupported:
            raise NotSupportedError("opencamera: the device does not take firmware upgrades")
        try:
            await self._client.async_upgrade_firmware(image, progress)
        except NotSupportedError:
            self._unsupported.add(UPGRADE_OPERATION)
            raise


class OpenCameraConnection(Connection):
    """One OpenCamera device."""

    def __init__(
        self, provider: Provider, client: OpenCameraClient, data: Mapping[str, Any]
    ) -> None:
        """Nothing read yet."""
        self.provider = provider
        self.client = client
        self.budget = client.budget
        self._data = dict(data)
        # Operations the device answered 501 to; they are not offered again.
        self.unsupported: set[str] = set()
        self.webrtc = OpenCameraWebRTC(client)
        self.vod = client
        self.firmware = OpenCameraFirmware(client, self.unsupported)
        self.live_config = OpenCameraLiveConfig(client, self.unsupported)

    async def async_fetch_account(self) -> Account:
        """The device's identity; one without /device is named by its address.

        Its login has to have worked first: that is what checked the credentials.
        """
        try:
            return await self.client.async_fetch_account()
        except NotSupportedError:
            if self.client.valid_until is None:
                raise
            return address_account(self._data)

    async def async_refresh(
        self, motion: MotionTracker, now: datetime, *, sites: frozenset[str]
    ) -> Refresh:
        """The device's reports (it has no sites and no motion events)."""
        sent = self.budget.sent
        try:
            snapshot = await self.client.async_fetch_snapshot_state()
        except NotSupportedError:
            if self.client.valid_until is None:
                raise
            # Like opencamd, only the live session exists; the login showed it is there.
            snapshot = address_snapshot(self._data, now)
        motion.forget(motion.cameras() - snapshot.cameras.keys())
        return Refresh(snapshot=snapshot, cost=self.budget.sent - sent)

    async def async_fetch_media(self, url: str) -> MediaFile:
        """A media body the device named."""
        return await self.client.async_fetch_media(url)

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """A media body the device named, streamed."""
        return self.client.async_open_media(url)

    async def async_close(self) -> None:
        """End our session: the device keeps one per login instead of letting it linger."""
        try:
            await self.client.async_logout()
        except ProviderError as err:
            _LOGGER.debug("OpenCamera logout failed: %s", err)
