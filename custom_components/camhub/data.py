"""Runtime data of a config entry and the typed ConfigEntry alias used in every signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .providers import Connection, Provider

if TYPE_CHECKING:
    from .coordinator import CamHubCoordinator
    from .push import PushChannel


@dataclass(slots=True)
class CamHubData:
    """What a loaded entry holds: its vendor, connection, coordinator and push channel."""

    provider: Provider
    connection: Connection
    coordinator: CamHubCoordinator
    # Angelcam and NovaVMS push over a webhook; OpenCamera devices do not.
    push: PushChannel | None = None


type CamHubConfigEntry = ConfigEntry[CamHubData]
