"""Switches: a camera's public broadcasting, where the vendor offers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .entity import CamHubCameraDescription, CamHubCameraEntity, async_add_camera_entities
from .exceptions import raise_translated
from .providers.model import Capability, Snapshot

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CamHubSwitchDescription(CamHubCameraDescription, SwitchEntityDescription):
    """A camera setting that is on or off."""

    is_on_fn: Callable[[Snapshot, str], bool | None]
    turn_fn: Callable[[CamHubCoordinator, str, bool], Awaitable[None]]


def _broadcasting(snapshot: Snapshot, camera_id: str) -> bool | None:
    found = snapshot.broadcasting.get(camera_id)
    return None if found is None else found.enabled


SWITCHES: tuple[CamHubSwitchDescription, ...] = (
    CamHubSwitchDescription(
        key="broadcasting",
        translation_key="broadcasting",
        supported=lambda connection, camera: (
            connection.broadcasting is not None and camera.supports(Capability.BROADCASTING)
        ),
        # Broadcasting is a cloud service: it can be switched while the camera is offline.
        available_offline=True,
        is_on_fn=_broadcasting,
        turn_fn=lambda coordinator, camera_id, on: coordinator.async_set_broadcasting(
            camera_id, enabled=on
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every camera that offers them, now and as they appear."""
    async_add_camera_entities(entry, async_add_entities, SWITCHES, CamHubSwitch)


class CamHubSwitch(CamHubCameraEntity, SwitchEntity):
    """One camera setting."""

    entity_description: CamHubSwitchDescription

    @property
    def available(self) -> bool:
        """Also unavailable once the camera no longer offers the setting."""
        camera = self.camera
        return (
            super().available
            and camera is not None
            and self.entity_description.supported(self.connection, camera)
        )

    @property
    def is_on(self) -> bool | None:
        """The state last read or set."""
        return self.entity_description.is_on_fn(self.coordinator.data, self.item_id)

    @raise_translated
    async def _async_turn(self, *, on: bool) -> None:
        await self.entity_description.turn_fn(self.coordinator, self.item_id, on)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_turn(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_turn(on=False)
