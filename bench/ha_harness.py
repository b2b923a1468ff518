"""A real Home Assistant with CamHub loaded, for bench scripts (no pytest run needed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
import socket
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
    mock_storage,
)

# Imported first so Home Assistant's loader finds this checkout's custom_components.
from custom_components.camhub.const import CONF_SPACE_ID, CONF_VENDOR, DOMAIN
from simulator.populate import populate_angelcam, populate_novavms
from simulator.stack import SimulatorStack


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def running_hass() -> AsyncIterator[HomeAssistant]:
    """Home Assistant with custom integrations enabled, stopped on exit.

    Its HTTP server is set up first, on a free 127.0.0.1 port: the default (every
    interface, 8123) would listen beyond this machine and clash with a running demo.
    Storage is kept in memory, as in tests: each run starts from empty registries (and
    the http options come from the configuration given here, not from an earlier run).
    """
    # Plain DNS instead of Home Assistant's mDNS-aware resolver, which needs the network
    # integration set up (tests get the same through the pytest plugin).
    with (
        mock_storage(),
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            lambda _hass: aiohttp.ThreadedResolver(),
        ),
    ):
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            http = {"server_host": ["127.0.0.1"], "server_port": free_port()}
            if not await async_setup_component(hass, "http", {"http": http}):
                raise SystemExit("http did not set up")
            if hass.http.server_host != http["server_host"]:
                raise SystemExit(f"http listens on {hass.http.server_host}, not 127.0.0.1")
            yield hass


async def serve(hass: HomeAssistant) -> str:
    """Serve Home Assistant on its 127.0.0.1 port, make that the external URL; return it."""
    if hass.http.runner is None:
        # Home Assistant starts serving once the frontend is set up; benches load none.
        await hass.http.start()
    base = f"http://127.0.0.1:{hass.http.server_port}"
    await hass.config.async_update(external_url=base)
    return base


def angelcam_entry(
    stack: SimulatorStack, options: dict[str, Any] | None = None, *, unique_id: str | None = None
) -> MockConfigEntry:
    """An entry for the scenario's first Angelcam user and its default space.

    `unique_id` tells apart entries of several stacks in one Home Assistant (each
    scenario numbers its users and spaces from 1).
    """
    creds = stack.credentials()["angelcam"]
    space = str(creds["space_ids"][0])
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=unique_id or f"angelcam:space:{space}",
        title="Angelcam",
        data={
            CONF_VENDOR: "angelcam",
            "access_token": creds["personal_access_token"],
            "url": stack.angelcam.url,
            CONF_SPACE_ID: space,
        },
        options=options or {},
    )


def novavms_entry(stack: SimulatorStack, *, unique_id: str | None = None) -> MockConfigEntry:
    """An entry for the scenario's NovaVMS organisation (operator key).

    `unique_id` tells apart entries of several stacks of one scenario.
    """
    creds = stack.credentials()["novavms"]
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=unique_id or f"novavms:{creds['org_id']}",
        title="NovaVMS",
        data={
            CONF_VENDOR: "novavms",
            "url": stack.novavms.url,
            "api_key": creds["api_keys"]["operator"],
        },
    )


# Every state write, of every entity class on both lanes, passes this private method (the
# public one is overridden by some platforms, the camera's among them).
_WRITE = "_async_write_ha_state"


class WriteCounter:
    """Counts state writes per entity while installed (every write passes _async_write_ha_state)."""

    def __init__(self) -> None:
        """Count nothing yet; `install` starts counting."""
        self.written: Counter[str] = Counter()
        self._original: Callable[[Entity], None] = getattr(Entity, _WRITE)

    def install(self) -> None:
        """Count every write from now on."""
        original, written = self._original, self.written

        def counting(entity: Entity) -> None:
            written[entity.entity_id] += 1
            original(entity)

        setattr(Entity, _WRITE, counting)

    def remove(self) -> None:
        """Stop counting."""
        setattr(Entity, _WRITE, self._original)

    def of(self, entity_ids: set[str]) -> int:
        """Writes counted for `entity_ids`."""
        return sum(count for entity_id, count in self.written.items() if entity_id in entity_ids)


async def grown_entries(
    stacks: AsyncExitStack, sizes: tuple[int, ...]
) -> list[tuple[str, SimulatorStack, MockConfigEntry]]:
    """Per cloud vendor and size: a simulator stack grown to that many cameras, and its entry.

    Not added to Home Assistant yet; every stack stops with `stacks`.
    """
    made = []
    for vendor in ("novavms", "angelcam"):
        for size in sizes:
            stack = await stacks.enter_async_context(SimulatorStack(scenario="empty"))
            # Every scenario numbers its accounts alike: unique ids must differ.
            unique_id = f"{vendor}:bench:{size}"
            if vendor == "novavms":
                populate_novavms(stack, size)
                entry = novavms_entry(stack, unique_id=unique_id)
            else:
                populate_angelcam(stack, size)
                entry = angelcam_entry(stack, unique_id=unique_id)
            made.append((vendor, stack, entry))
    return made
