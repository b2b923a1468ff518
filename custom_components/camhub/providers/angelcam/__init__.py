"""Angelcam: client, mapping, webhook, poll plan, health."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
import hashlib
from typing import Any, ClassVar, Final

from aiohttp import ClientSession

from ..budget import RequestBudget
from ..errors import OtherAccountError, PermissionDeniedError, RequestRejectedError
from ..fields import ACCESS_TOKEN, URL, Choice, Field, FieldKind
from ..interface import Check, Connection, PollLoad, Provider
from ..model import Snapshot
from ..polling import angelcam_min_interval, angelcam_poll_cost, slowed
from .client import AngelcamClient
from .connection import AngelcamConnection
from .push import AngelcamPush

KEY: Final = "angelcam"
API_URL: Final = "https://api.angelcam.com/v1"
DASHBOARD: Final = "https://my.angelcam.com/"
# Entry data: the space the entry stands for.
SPACE_ID: Final = "space_id"
# Options: the preferred live format and the locations shown (none: all).
STREAM_FORMAT: Final = "stream_format"
LOCATIONS: Final = "locations"
STREAM_FORMATS: Final = ("auto", "hls", "mjpeg")


class AngelcamProvider(Provider):
    """Angelcam cloud: a personal access token, one entry per space, a metered API."""

    key: ClassVar[str] = KEY
    name: ClassVar[str] = "Angelcam"
    site_label: ClassVar[str] = "Location"
    site_filter_key: ClassVar[str | None] = LOCATIONS

    def connection_fields(self) -> tuple[Field, ...]:
        """The token, and the API address (only a proxy or Angelcam support changes it)."""
        return (
            Field(key=ACCESS_TOKEN, kind=FieldKind.PASSWORD),
            Field(key=URL, kind=FieldKind.URL, default=API_URL),
        )

    def reauth_fields(self) -> tuple[Field, ...]:
        """A new token."""
        return (Field(key=ACCESS_TOKEN, kind=FieldKind.PASSWORD),)

    def option_fields(self, snapshot: Snapshot | None) -> tuple[Field, ...]:
        """The live format, and which locations to show."""
        sites = snapshot.sites.values() if snapshot is not None else ()
        return (
            Field(
                key=STREAM_FORMAT,
                kind=FieldKind.SELECT,
                default=STREAM_FORMATS[0],
                choices=tuple(Choice(value=f, label=f) for f in STREAM_FORMATS),
                translation_key=STREAM_FORMAT,
            ),
            Field(
                key=LOCATIONS,
                kind=FieldKind.MULTI_SELECT,
                required=False,
                choices=tuple(Choice(value=site.id, label=site.name) for site in sites),
            ),
        )

    def configuration_url(self, data: Mapping[str, Any]) -> str | None:
        """Angelcam's own dashboard."""
        return DASHBOARD

    def budget_key(self, data: Mapping[str, Any]) -> str | None:
        """Angelcam meters each user token."""
        secret = f"angelcam:{data.get(URL, API_URL)}:{data[ACCESS_TOKEN]}"
        return hashlib.sha256(secret.encode()).hexdigest()

    def new_budget(self, clock: Callable[[], float]) -> RequestBudget | None:
        """1000 requests a day, 20 a minute."""
        return RequestBudget.angelcam(clock=clock)

    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        """A client on the token, in the entry's space."""
        client = AngelcamClient(
            session,
            token=data[ACCESS_TOKEN],
            space_id=data.get(SPACE_ID),
            base_url=data.get(URL, API_URL),
            budget=budget,
        )
        connection = AngelcamConnection(self, client)
        connection.push = AngelcamPush(client, connection.health, api_url=data.get(URL, API_URL))
        return connection

    async def async_check(
        self, connection: Connection, data: Mapping[str, Any], *, reauth: bool
    ) -> Check:
        """The account; a user in several spaces chooses one (one entry per space).

        With the entry's space, Angelcam refuses a user who is no member of it: on reauth
        or reconfigure, the credentials belong to another account.
        """
        if not isinstance(connection, AngelcamConnection):
            raise TypeError("angelcam: not an Angelcam connection")
        try:
            account = await connection.async_fetch_account()
            spaces = await connection.client.async_fetch_spaces() if SPACE_ID not in data else []
        except (PermissionDeniedError, RequestRejectedError) as err:
            if reauth:
                raise OtherAccountError("angelcam: the space refused this user") from err
            raise
        if len(spaces) <= 1:
            return Check(account=account)
        default = next((s.id for s in spaces if s.is_default), spaces[0].id)
        choose = Field(
            key=SPACE_ID,
            kind=FieldKind.SELECT,
            default=default,
            choices=tuple(Choice(value=space.id, label=space.name) for space in spaces),
        )
        return Check(account=account, choose=choose, step_id="angelcam_space")

    def interval(self, load: PollLoad) -> timedelta:
        """The budget's floor, shared by the entries on one token."""
        return slowed(self.minimum_interval(load), load.push_healthy)

    def minimum_interval(self, load: PollLoad) -> timedelta:
        """Polling stays within its share of the token's daily requests.

        Each entry on the token pays its own reads beyond the poll out of the whole share.
        """
        extra = load.extra_per_day * load.sharing
        return angelcam_min_interval(load.cost, load.sites, extra) * load.sharing

    def steady_cost(self, snapshot: Snapshot, measured: float) -> float:
        """The first refresh also paid for the account and every location's membership."""
        return angelcam_poll_cost(snapshot)
