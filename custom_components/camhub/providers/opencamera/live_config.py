"""OpenCamera live-session settings: the ICE servers the device hands to viewers."""

from __future__ import annotations

import re
from typing import Final

from ..errors import NotSupportedError
from ..model import Snapshot
from .client import OpenCameraClient

# The option key (strings.json names the field so).
ICE_SERVERS: Final = "ice_servers"
# The operation the device may answer 501 to; it is not offered again after that.
LIVE_CONFIG_OPERATION: Final = "updateLiveConfig"
MAX_ICE_SERVERS: Final = 8
MAX_ICE_SERVER_LENGTH: Final = 255
# `host:port` as in the spec's example, optionally with a stun:/turn: scheme; no spaces.
_ICE_SERVER = re.compile(r"^(?:(?:stuns?|turns?):)?[A-Za-z0-9._~\-\[\]:@?=/%]+$")


class OpenCameraLiveConfig:
    """The device's ICE servers, as the options flow shows and changes them."""

    def __init__(self, client: OpenCameraClient, unsupported: set[str]) -> None:
        """`unsupported` is the connection's memory of operations answered with 501."""
        self._client = client
        self._unsupported = unsupported
        self._current: tuple[str, ...] | None = None

    def ice_servers(self, snapshot: Snapshot) -> tuple[str, ...] | None:
        """The device's ICE servers, or None when they cannot be changed here.

        A device that answers /system with 501 shows none to start from, and one that
        answered PUT /media/live/config with 501 cannot take new ones.
        """
        system = snapshot.system
        if system is None or LIVE_CONFIG_OPERATION in self._unsupported:
            self._current = None
            return None
        self._current = system.ice_servers
        return system.ice_servers

    async def async_set_ice_servers(self, servers: list[str]) -> dict[str, str]:
        """Send changed servers to the device; the form errors (empty: done or unchanged).

        Other ProviderErrors propagate for the caller to name.
        """
        cleaned = [server.strip() for server in servers if server.strip()]
        if len(cleaned) > MAX_ICE_SERVERS or not all(
            len(server) <= MAX_ICE_SERVER_LENGTH and _ICE_SERVER.match(server) for server in cleaned
        ):
            return {ICE_SERVERS: "invalid_ice_server"}
        if tuple(cleaned) == self._current:
            return {}
        try:
            await self._client.async_update_live_config(cleaned)
        except NotSupportedError:
            self._unsupported.add(LIVE_CONFIG_OPERATION)
            return {"base": "ice_unsupported"}
        self._current = tuple(cleaned)
        return {}
