"""FakeCam's provider, connection and push, written against providers/ alone (no HA import).

It follows docs/architecture.md's checklist: a Provider with fields and `connect`, a
Connection whose camera carries SNAPSHOT and whose `images` feature is itself, and a
PushSupport with an HMAC verifier. Tests `register()` it instead of adding it to PROVIDERS.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
import hmac
from http import HTTPStatus
from typing import Any, ClassVar, Final

from aiohttp import ClientSession

from custom_components.camhub.providers.budget import RequestBudget
from custom_components.camhub.providers.decode import Node, parse_body
from custom_components.camhub.providers.errors import RequestRejectedError, SignatureError
from custom_components.camhub.providers.fields import API_KEY, URL, Field, FieldKind
from custom_components.camhub.providers.http import HttpCore, Response
from custom_components.camhub.providers.interface import Clock, Connection, Provider, Refresh
from custom_components.camhub.providers.model import (
    Account,
    Camera,
    Capability,
    MediaFile,
    MediaStream,
    PushKind,
    PushMessage,
    Snapshot,
)
from custom_components.camhub.providers.motion import MotionTracker
from custom_components.camhub.providers.push import (
    PushContext,
    PushOutcome,
    PushTarget,
    online_outcome,
)

from .simulator import SIGNATURE_HEADER, signature

KEY: Final = "fakecam"


class FakeCamProvider(Provider):
    """FakeCam: an API address and a key; nothing is metered."""

    key: ClassVar[str] = KEY
    name: ClassVar[str] = "FakeCam"

    def connection_fields(self) -> tuple[Field, ...]:
        """The API's address and key."""
        return (Field(key=URL, kind=FieldKind.URL), Field(key=API_KEY, kind=FieldKind.PASSWORD))

    def reauth_fields(self) -> tuple[Field, ...]:
        """A new key."""
        return (Field(key=API_KEY, kind=FieldKind.PASSWORD),)

    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        """A connection on the key (no request sent yet)."""
        return FakeCamConnection(self, session, url=str(data[URL]), api_key=str(data[API_KEY]))


class FakeCamConnection(Connection):
    """One FakeCam account: its cameras' state and stills, and its webhook."""

    def __init__(
        self, provider: Provider, session: ClientSession, *, url: str, api_key: str
    ) -> None:
        """Nothing read yet."""
        self.provider = provider
        self.budget = RequestBudget.unlimited()
        self._key = api_key
        self._http = HttpCore(
            session, vendor=KEY, base_url=url, budget=self.budget, secrets=lambda: (api_key,)
        )
        self._account: Account | None = None
        self.images = self
        self.push = FakeCamPush(self)

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return self._http.base_url

    async def request(self, method: str, path: str, **kwargs: Any) -> Response:
        """One API call with the key (errors mapped by HttpCore)."""
        return await self._http.request(
            method, path, credentials={"X-Api-Key": self._key}, **kwargs
        )

    async def json(self, method: str, path: str, **kwargs: Any) -> Node:
        """One API call with the key, its answer decoded."""
        return (await self.request(method, path, **kwargs)).json()

    async def async_fetch_account(self) -> Account:
        """Whose the key is."""
        node = await self.json("GET", "account")
        return Account(vendor=KEY, account_id=node.ident("id"), name=node.text("name"))

    async def async_refresh(
        self, motion: MotionTracker, now: datetime, *, sites: frozenset[str]
    ) -> Refresh:
        """The cameras (the account is read once); FakeCam has no sites and no motion."""
        sent = self.budget.sent
        if self._account is None:
            self._account = await self.async_fetch_account()
        cameras = [_camera(node) for node in (await self.json("GET", "cameras")).items()]
        snapshot = Snapshot(
            account=self._account,
            sites={},
            cameras={camera.id: camera for camera in cameras},
            fetched_at=now,
        )
        return Refresh(snapshot=snapshot, cost=self.budget.sent - sent)

    async def async_camera_image(self, camera_id: str) -> bytes:
        """The camera's JPEG (the `images` feature)."""
        return (await self.request("GET", f"cameras/{camera_id}/image")).body

    async def async_fetch_media(self, url: str) -> MediaFile:
        """A media body the API named."""
        return await self._http.fetch_media(url, credentials={"X-Api-Key": self._key})

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        """A media body the API named, streamed."""
        return self._http.open_media(url, credentials={"X-Api-Key": self._key})


def _camera(node: Node) -> Camera:
    online = node.flag("online")
    return Camera(
        id=node.ident("id"),
        name=node.text("name"),
        online=online,
        status="online" if online else "offline",
        capabilities=frozenset({Capability.SNAPSHOT}),
    )


class FakeCamVerifier:
    """Checks a delivery's X-Fake-Signature: hex(HMAC-SHA256(secret, body))."""

    def __init__(self, secret: str) -> None:
        """Deliveries signed with `secret` pass."""
        self._secret = secret

    def verify(self, body: bytes, headers: Mapping[str, str]) -> PushMessage:
        """The status message (SignatureError; ProtocolError for a body that is not one)."""
        given = headers.get(SIGNATURE_HEADER)
        if not given or not hmac.compare_digest(given, signature(self._secret, body)):
            raise SignatureError("fakecam webhook: signature missing or wrong")
        node = parse_body(body, "fakecam webhook")
        return PushMessage(
            vendor=KEY,
            kind=PushKind.CAMERA_STATUS,
            sent_at=None,
            camera_id=node.ident("camera"),
            online=node.flag("online"),
        )


class FakeCamPush:
    """FakeCam's PushSupport: one webhook per account, camera status only, no event entity."""

    event_types: tuple[str, ...] = ()
    requires_https: bool = False

    def __init__(self, connection: FakeCamConnection) -> None:
        """Registers through the connection's API."""
        self._connection = connection

    def api_origin(self) -> str:
        """The API's URL (the simulator's is on loopback)."""
        return self._connection.api_url

    async def async_register(self, context: PushContext) -> PushTarget:
        """Create (or move) the webhook; the answer carries its secret."""
        node = await self._connection.json("POST", "webhooks", json={"url": context.url})
        return PushTarget(context.url, node.ident("id"), node.text("secret"))

    async def async_unregister(self, target_id: str) -> None:
        """Delete the webhook; one gone already is fine."""
        try:
            await self._connection.request("DELETE", f"webhooks/{target_id}")
        except RequestRejectedError as err:
            if err.status != HTTPStatus.NOT_FOUND:
                raise

    def verifier(self, secret: str, clock: Clock) -> FakeCamVerifier:
        """HMAC over the body; FakeCam sends no time or id, so there is no replay window."""
        return FakeCamVerifier(secret)

    def apply(
        self, message: PushMessage, snapshot: Snapshot, motion: MotionTracker, now: datetime
    ) -> PushOutcome:
        """The camera goes online or offline."""
        if message.camera_id is None:
            return PushOutcome()
        return online_outcome(snapshot, (message.camera_id,), message.online)
