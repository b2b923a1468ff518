"""OpenCamera live-session settings in the options flow: the ICE servers the device uses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant.helpers.selector import TextSelector, TextSelectorConfig

from .exceptions import flow_error_key
from .providers import OpenCameraClient
from .providers.errors import NotSupportedError, ProviderError

if TYPE_CHECKING:
    from .coordinator import CamHubCoordinator

CONF_ICE_SERVERS: Final = "ice_servers"
# The operation name the device answers 501 to (coordinator.unsupported).
LIVE_CONFIG_OPERATION: Final = "updateLiveConfig"
MAX_ICE_SERVERS: Final = 8
MAX_ICE_SERVER_LENGTH: Final = 255
# `host:port` as in the spec's example, optionally with a stun:/turn: scheme; no spaces.
_ICE_SERVER = re.compile(r"^(?:(?:stuns?|turns?):)?[A-Za-z0-9._~\-\[\]:@?=/%]+$")


def offered_ice_servers(coordinator: CamHubCoordinator | None) -> tuple[str, ...] | None:
    """The device's ICE servers, or None when they cannot be changed here.

    A device that answers /system with 501 shows none to start from, and one that answered
    PUT /media/live/config with 501 cannot take new ones.
    """
    if coordinator is None or not isinstance(coordinator.client, OpenCameraClient):
        return None
    system = coordinator.data.system
    if system is None or LIVE_CONFIG_OPERATION in coordinator.unsupported:
        return None
    return system.ice_servers


def ice_servers_field() -> Any:
    """One text box per server."""
    return TextSelector(TextSelectorConfig(multiple=True))


async def async_set_ice_servers(
    coordinator: CamHubCoordinator, current: tuple[str, ...], wanted: list[str]
) -> dict[str, str]:
    """Send changed ICE servers to the device; the form errors (empty: done)."""
    servers = [server.strip() for server in wanted if server.strip()]
    if len(servers) > MAX_ICE_SERVERS or not all(
        len(server) <= MAX_ICE_SERVER_LENGTH and _ICE_SERVER.match(server) for server in servers
    ):
        return {CONF_ICE_SERVERS: "invalid_ice_server"}
    if tuple(servers) == current:
        return {}
    # Only called with what offered_ice_servers accepted: an OpenCamera client.
    client = cast("OpenCameraClient", coordinator.client)
    try:
        await client.async_update_live_config(servers)
    except NotSupportedError:
        coordinator.unsupported.add(LIVE_CONFIG_OPERATION)
        return {"base": "ice_unsupported"}
    except ProviderError as err:
        return {"base": flow_error_key(err)}
    # Show the device's new settings without waiting for the next poll.
    await coordinator.async_request_refresh()
    return {}
