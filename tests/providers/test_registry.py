"""The provider registry: order, lookup, and registering one more provider (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import ClientSession
import pytest

from custom_components.camhub.providers import (
    PROVIDERS,
    provider_for,
    register,
    registered,
)
from custom_components.camhub.providers.budget import RequestBudget
from custom_components.camhub.providers.fields import Field
from custom_components.camhub.providers.interface import Connection, Provider


class Spare(Provider):
    """A provider that is never connected."""

    key = "spare"
    name = "Spare"

    def connection_fields(self) -> tuple[Field, ...]:
        return ()

    def reauth_fields(self) -> tuple[Field, ...]:
        return ()

    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        raise NotImplementedError


def test_menu_order_and_keys() -> None:
    assert [p.key for p in registered()] == ["angelcam", "novavms", "opencamera"]
    assert registered() == PROVIDERS
    assert [p.name for p in PROVIDERS] == ["Angelcam", "NovaVMS", "OpenCamera"]


def test_provider_for() -> None:
    assert provider_for("novavms") is PROVIDERS[1]
    with pytest.raises(KeyError):
        provider_for("nonesuch")


def test_register_and_undo() -> None:
    spare = Spare()
    undo = register(spare)
    try:
        assert registered()[-1] is spare
        assert provider_for("spare") is spare
    finally:
        undo()
    assert "spare" not in [p.key for p in registered()]
    # Undoing twice leaves the registry alone.
    undo()
    assert registered() == PROVIDERS


def test_a_taken_key_is_refused() -> None:
    class Clash(Spare):
        key = "angelcam"

    with pytest.raises(ValueError, match="angelcam"):
        register(Clash())
    assert provider_for("angelcam") is PROVIDERS[0]
