"""OpenCamera: client, live config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from aiohttp import ClientSession

from ..budget import RequestBudget
from ..fields import HOST, PASSWORD, PORT, USERNAME, Field, FieldKind
from ..interface import Connection, Provider
from .client import OpenCameraClient
from .connection import KEY, OpenCameraConnection, device_url

DEFAULT_PORT: Final = 8000


class OpenCameraProvider(Provider):
    """An OpenCamera device on the network: the entry is the device, there is no hub."""

    key: ClassVar[str] = KEY
    name: ClassVar[str] = "OpenCamera"
    hub: ClassVar[bool] = False

    def connection_fields(self) -> tuple[Field, ...]:
        """The device's address and its account."""
        return (
            Field(key=HOST),
            Field(key=PORT, kind=FieldKind.PORT, default=DEFAULT_PORT),
            Field(key=USERNAME),
            Field(key=PASSWORD, kind=FieldKind.PASSWORD),
        )

    def reauth_fields(self) -> tuple[Field, ...]:
        """The device's account."""
        return (Field(key=USERNAME), Field(key=PASSWORD, kind=FieldKind.PASSWORD))

    def configuration_url(self, data: Mapping[str, Any]) -> str | None:
        """The device's own address."""
        return device_url(data)

    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        """A client on the device (nothing is metered)."""
        client = OpenCameraClient(
            session, url=device_url(data), username=data[USERNAME], password=data[PASSWORD]
        )
        return OpenCameraConnection(self, client, data)
