"""Runtime data of a config entry and the typed ConfigEntry alias used in every signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .providers import ProviderClient

if TYPE_CHECKING:
    from .coordinator import CamHubCoordinator


@dataclass(slots=True)
class CamHubData:
    """What a loaded entry holds: its client and the coordinator fed by it."""

    client: ProviderClient
    coordinator: CamHubCoordinator


type CamHubConfigEntry = ConfigEntry[CamHubData]
