"""How a provider describes its form fields, and the entry data keys providers read (HA-free)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

# The same strings as Home Assistant's CONF_*, so stored entries keep working; providers
# import no homeassistant module.
ACCESS_TOKEN: Final = "access_token"  # noqa: S105 - a data key, not a secret
API_KEY: Final = "api_key"
URL: Final = "url"
HOST: Final = "host"
PORT: Final = "port"
USERNAME: Final = "username"
PASSWORD: Final = "password"  # noqa: S105 - a data key, not a secret


class FieldKind(StrEnum):
    """What a field holds; config_flow.selector_for turns each kind into a selector."""

    TEXT = "text"
    PASSWORD = "password"  # noqa: S105 - a field kind, not a secret
    URL = "url"
    PORT = "port"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    TEXT_LIST = "text_list"


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """One option of a SELECT or MULTI_SELECT field."""

    value: str
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One form field; the HA layer (config_flow.selector_for) turns it into a selector."""

    # Entry data / option key, also the strings.json data key.
    key: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    default: str | int | None = None
    # SELECT / MULTI_SELECT.
    choices: tuple[Choice, ...] = ()
    # SELECT options translated in strings.json `selector`.
    translation_key: str | None = None

    @property
    def secret(self) -> bool:
        """Whether the value is a secret, never shown back in a form."""
        return self.kind is FieldKind.PASSWORD
