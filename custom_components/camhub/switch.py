"""Switches: a camera's public broadcasting, and the account's alert rules, where offered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import CamHubCoordinator
from .data import CamHubConfigEntry
from .devices import hub_identifier
from .entity import (
    CamHubCameraDescription,
    CamHubCameraEntity,
    CamHubEntity,
    async_add_camera_entities,
    async_add_dynamic_entities,
)
from .exceptions import raise_translated
from .providers.model import AlertRule, Capability, Snapshot

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


ALERT_RULE = SwitchEntityDescription(
    key="alert_rule", translation_key="alert_rule", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every camera and alert rule that offers them, now and later."""
    async_add_camera_entities(entry, async_add_entities, SWITCHES, CamHubSwitch)
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        items=lambda snapshot: snapshot.alert_rules.items(),
        descriptions=(ALERT_RULE,),
        supported=lambda _description, connection, _rule: connection.alert_rules is not None,
        factory=CamHubAlertRule,
    )


class _Toggle(SwitchEntity):
    """On and off both go through `_async_turn`."""

    async def _async_turn(self, *, on: bool) -> None:
        raise NotImplementedError

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_turn(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_turn(on=False)


class CamHubSwitch(CamHubCameraEntity, _Toggle):
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


class CamHubAlertRule(CamHubEntity, _Toggle):
    """One of the account's alert rules, enabled or disabled (on the account's device)."""

    device_kind = "alert_rule"

    def __init__(
        self, coordinator: CamHubCoordinator, item_id: str, description: SwitchEntityDescription
    ) -> None:
        """Named after the rule as it was first read (a rename shows after a reload)."""
        super().__init__(coordinator, item_id, description)
        self._attr_device_info = DeviceInfo(identifiers={hub_identifier(coordinator.config_entry)})
        rule = coordinator.data.alert_rules[item_id]
        self._attr_translation_placeholders = {"rule_name": rule.name}

    @property
    def rule(self) -> AlertRule | None:
        """The rule as last read or set (None once unreadable or deleted)."""
        return self.coordinator.data.alert_rules.get(self.item_id)

    def _item(self) -> AlertRule | None:
        return self.rule

    @property
    def is_on(self) -> bool | None:
        """Whether the rule fires alerts."""
        rule = self.rule
        return None if rule is None else rule.enabled

    @property
    def extra_state_attributes(self) -> dict[str, str] | None:
        """What fires the rule (motion, ai_person, ai_vehicle, camera_offline, ai_custom_tag)."""
        rule = self.rule
        return None if rule is None else {"trigger_type": rule.trigger_type}

    @callback
    def _handle_coordinator_update(self) -> None:
        data = self.coordinator.data
        deleted = data.supports(Capability.ALERT_RULES) and self.item_id not in data.alert_rules
        if self.coordinator.last_update_success and deleted:
            # Deleted in NovaVMS: the switch goes too (it comes back if the rule does).
            er.async_get(self.hass).async_remove(self.entity_id)
            return
        super()._handle_coordinator_update()

    @raise_translated
    async def _async_turn(self, *, on: bool) -> None:
        await self.coordinator.async_set_alert_rule(self.item_id, enabled=on)
