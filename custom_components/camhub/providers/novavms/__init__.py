"""NovaVMS: client, webhook, push."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
import hashlib
from typing import Any, ClassVar, Final

from aiohttp import ClientSession

from ..budget import RequestBudget
from ..fields import API_KEY, URL, Choice, Field, FieldKind
from ..interface import Connection, PollLoad, Provider
from ..model import Snapshot
from ..polling import NOVAVMS_INTERVAL, slowed
from .client import NovaVMSClient
from .connection import NovaVMSConnection

KEY: Final = "novavms"
# Options: the sites shown (none: all), and a webhook secret the user pasted for a key
# that may not read or create webhooks.
SITES: Final = "sites"
WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 - a key name, not a secret


class NovaVMSProvider(Provider):
    """NovaVMS cloud: the server's address and a service-account key."""

    key: ClassVar[str] = KEY
    name: ClassVar[str] = "NovaVMS"
    site_filter_key: ClassVar[str | None] = SITES

    def connection_fields(self) -> tuple[Field, ...]:
        """Server address and key."""
        return (Field(key=URL, kind=FieldKind.URL), Field(key=API_KEY, kind=FieldKind.PASSWORD))

    def reauth_fields(self) -> tuple[Field, ...]:
        """A new key."""
        return (Field(key=API_KEY, kind=FieldKind.PASSWORD),)

    def option_fields(self, snapshot: Snapshot | None) -> tuple[Field, ...]:
        """Which sites to show, and a pasted webhook secret."""
        sites = snapshot.sites.values() if snapshot is not None else ()
        return (
            Field(
                key=SITES,
                kind=FieldKind.MULTI_SELECT,
                required=False,
                choices=tuple(Choice(value=site.id, label=site.name) for site in sites),
            ),
            Field(key=WEBHOOK_SECRET, kind=FieldKind.PASSWORD, required=False),
        )

    def configuration_url(self, data: Mapping[str, Any]) -> str | None:
        """The organisation's own server."""
        return str(data[URL])

    def budget_key(self, data: Mapping[str, Any]) -> str | None:
        """NovaVMS meters each key."""
        return hashlib.sha256(f"novavms:{data[URL]}:{data[API_KEY]}".encode()).hexdigest()

    def new_budget(self, clock: Callable[[], float]) -> RequestBudget | None:
        """The key's rate limit."""
        return RequestBudget.novavms(clock=clock)

    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        """A client on the key."""
        client = NovaVMSClient(session, api_key=data[API_KEY], base_url=data[URL], budget=budget)
        return NovaVMSConnection(self, client)

    def interval(self, load: PollLoad) -> timedelta:
        """Every 30 s (slower while webhooks deliver)."""
        return slowed(NOVAVMS_INTERVAL, load.push_healthy)
