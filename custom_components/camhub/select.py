"""Selects: the account's incident TTL (how long an incident stays open after its last event)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubAccountDescription, CamHubAccountEntity, async_add_account_entities
from .exceptions import raise_translated
from .providers.model import Capability, Snapshot

PARALLEL_UPDATES = 1

# The TTLs `PUT /rts/` accepts, as option keys (strings.json translates them).
INCIDENT_TTL_OPTIONS: Final = {
    "1_minute": timedelta(minutes=1),
    "3_minutes": timedelta(minutes=3),
    "5_minutes": timedelta(minutes=5),
    "10_minutes": timedelta(minutes=10),
    "30_minutes": timedelta(minutes=30),
    "1_hour": timedelta(hours=1),
}


@dataclass(frozen=True, kw_only=True)
class CamHubSelectDescription(CamHubAccountDescription, SelectEntityDescription):
    """An account setting chosen from the vendor's list."""

    choices: dict[str, timedelta]
    value_fn: Callable[[Snapshot], timedelta | None]
    select_fn: Callable[[CamHubCoordinator, timedelta], Awaitable[None]]


SELECTS: tuple[CamHubSelectDescription, ...] = (
    CamHubSelectDescription(
        key="incident_ttl",
        translation_key="incident_ttl",
        entity_category=EntityCategory.CONFIG,
        options=list(INCIDENT_TTL_OPTIONS),
        choices=INCIDENT_TTL_OPTIONS,
        supported=lambda connection, snapshot: (
            connection.incident_ttl is not None and snapshot.supports(Capability.INCIDENT_TTL)
        ),
        value_fn=lambda snapshot: snapshot.incident_ttl,
        select_fn=lambda coordinator, ttl: coordinator.async_set_incident_ttl(ttl),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's selects its capabilities allow, now and as they appear."""
    async_add_account_entities(entry, async_add_entities, SELECTS, CamHubSelect)


class CamHubSelect(CamHubAccountEntity, SelectEntity):
    """One account setting."""

    entity_description: CamHubSelectDescription

    @property
    def current_option(self) -> str | None:
        """The option of the value last read (None for a value outside the list)."""
        snapshot = self.snapshot
        value = None if snapshot is None else self.entity_description.value_fn(snapshot)
        choices = self.entity_description.choices
        return next((key for key, choice in choices.items() if choice == value), None)

    @raise_translated
    async def async_select_option(self, option: str) -> None:
        """Send the choice to the vendor."""
        await self.entity_description.select_fn(
            self.coordinator, self.entity_description.choices[option]
        )
