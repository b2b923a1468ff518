"""Provider fields as Home Assistant selectors, and the flow's steps for any registered provider."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import ClientSession
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.selector import SelectSelector, TextSelector
import pytest

from custom_components.camhub.config_flow import CamHubConfigFlow, schema_for, selector_for
from custom_components.camhub.const import DOMAIN
from custom_components.camhub.providers import RequestBudget, register
from custom_components.camhub.providers.fields import URL, Choice, Field, FieldKind
from custom_components.camhub.providers.interface import (
    Check,
    Connection,
    Provider,
    Refresh,
)
from custom_components.camhub.providers.model import Account, MediaFile, MediaStream
from custom_components.camhub.providers.motion import MotionTracker

CHOICES = (Choice(value="a", label="Alpha"), Choice(value="b", label="Beta"))


def test_text_kinds() -> None:
    text = selector_for(Field(key="x"))
    assert isinstance(text, TextSelector)
    assert "type" not in text.config
    assert selector_for(Field(key="x", kind=FieldKind.PASSWORD)).config["type"] == "password"
    assert selector_for(Field(key="x", kind=FieldKind.URL)).config["type"] == "url"
    listed = selector_for(Field(key="x", kind=FieldKind.TEXT_LIST))
    assert isinstance(listed, TextSelector)
    assert listed.config["multiple"] is True


def test_port_is_a_range() -> None:
    port = selector_for(Field(key="port", kind=FieldKind.PORT))
    assert port("8000") == 8000
    with pytest.raises(Exception, match="value must be at most 65535"):
        port(70000)


def test_selects() -> None:
    one = selector_for(Field(key="x", kind=FieldKind.SELECT, choices=CHOICES))
    assert isinstance(one, SelectSelector)
    assert one.config["options"] == [
        {"value": "a", "label": "Alpha"},
        {"value": "b", "label": "Beta"},
    ]
    assert one.config["multiple"] is False
    many = selector_for(
        Field(key="x", kind=FieldKind.MULTI_SELECT, choices=CHOICES, translation_key="x")
    )
    # Translated options are named by value; strings.json gives the labels.
    assert many.config["options"] == ["a", "b"]
    assert many.config["multiple"] is True
    assert many.config["translation_key"] == "x"


def test_schema_markers() -> None:
    schema = schema_for(
        [
            Field(key="needed"),
            Field(key="port", kind=FieldKind.PORT, default=8000),
            Field(key="maybe", required=False),
        ]
    )
    assert schema({"needed": "n"}) == {"needed": "n", "port": 8000}
    with pytest.raises(Exception, match="required key not provided"):
        schema({"maybe": "m"})


def test_only_registered_steps_exist() -> None:
    flow = CamHubConfigFlow()
    assert callable(flow.async_step_angelcam)
    assert not hasattr(flow, "async_step_nosuchvendor")
    assert not hasattr(flow, "nosuchattribute")


class _Silent(Connection):
    """Enough of a connection for the flow: it only checks the account."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.budget = RequestBudget.unlimited()

    async def async_fetch_account(self) -> Account:
        raise NotImplementedError

    async def async_refresh(
        self, motion: MotionTracker, now: datetime, *, sites: frozenset[str]
    ) -> Refresh:
        raise NotImplementedError

    async def async_fetch_media(self, url: str) -> MediaFile:
        raise NotImplementedError

    def async_open_media(self, url: str) -> AbstractAsyncContextManager[MediaStream]:
        raise NotImplementedError


class _Broken(Provider):
    """A provider whose check names no account: a choice without a step, or nothing."""

    key: ClassVar[str] = "broken"
    name: ClassVar[str] = "Broken"

    def __init__(self) -> None:
        self.checks = 0

    def connection_fields(self) -> tuple[Field, ...]:
        return (Field(key=URL, kind=FieldKind.URL),)

    def reauth_fields(self) -> tuple[Field, ...]:
        return ()

    def connect(
        self, session: ClientSession, data: Mapping[str, Any], budget: RequestBudget | None
    ) -> Connection:
        return _Silent(self)

    async def async_check(
        self, connection: Connection, data: Mapping[str, Any], *, reauth: bool
    ) -> Check:
        self.checks += 1
        if self.checks == 1:
            return Check(choose=Field(key="x", kind=FieldKind.SELECT, choices=CHOICES))
        return Check()


@pytest.fixture
def broken() -> Iterator[_Broken]:
    provider = _Broken()
    undo = register(provider)
    yield provider
    undo()


async def test_a_check_naming_nothing_is_an_unknown_error(
    hass: HomeAssistant, broken: _Broken
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["menu_options"][-1] == "broken"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "broken"}
    )
    assert result["step_id"] == "broken"
    for _ in range(2):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {URL: "http://127.0.0.1:1"}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "unknown"}
    assert broken.checks == 2
