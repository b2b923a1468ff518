"""Decode vendor JSON (shape checks naming the bad field, tolerant lists) and timestamps."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta, timezone
import json
import logging
import math
import re
import time
from typing import Any, Final

from .errors import ProtocolError

_LOGGER = logging.getLogger(__name__)

# An enum value we do not know (or a missing one) reads as this, never as an error.
UNKNOWN: Final = "unknown"
# One warning per field and problem this often; the repeats go to the debug log.
SKIP_WARN_INTERVAL: Final = 3600.0
_SKIP_KEYS_MAX: Final = 256
_skip_warned: dict[str, float] = {}
_INDEX = re.compile(r"\[\d+\]")
_QUERY = re.compile(r"\?[^\s.]*")

# Vendors send `Z`, `+02:00`, milliseconds, nanoseconds and even unpadded seconds
# (Angelcam's own examples); fromisoformat rejects some of these, so parse leniently.
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


def utcnow() -> datetime:
    """The current time, UTC-aware (the default clock of every client)."""
    return datetime.now(UTC)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp (or date) as an aware UTC datetime."""
    match = _DATETIME.match(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 datetime: {text[:40]!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = UTC
    if zone and zone not in {"Z", "z"}:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        # timezone() raises ValueError itself for offsets of a day or more.
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
        return value.astimezone(UTC)
    except OverflowError as err:  # an offset pushing year 1 or 9999 out of range
        raise ValueError(f"datetime out of range: {text[:40]!r}") from err


def format_datetime(value: datetime) -> str:
    """Format a datetime the way vendors expect in queries: `YYYY-MM-DDTHH:MM:SSZ` in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def each[T](nodes: Iterable[Node], parse: Callable[[Node], T]) -> list[T]:
    """Parse every item of a list; an item that breaks the contract is skipped, not fatal."""
    parsed: list[T] = []
    for node in nodes:
        try:
            parsed.append(parse(node))
        except ProtocolError as err:
            warn_skipped(err)
    return parsed


def warn_skipped(err: ProtocolError, clock: Callable[[], float] = time.monotonic) -> None:
    """Warn that one list item was skipped: once per field and problem per interval."""
    # The field without item index or query names the problem once for every page.
    key = _QUERY.sub("", _INDEX.sub("[]", str(err)))
    now = clock()
    last = _skip_warned.get(key)
    if last is not None and now - last < SKIP_WARN_INTERVAL:
        _LOGGER.debug("Skipped another list item: %s", key)
        return
    if len(_skip_warned) >= _SKIP_KEYS_MAX:
        _skip_warned.clear()
    _skip_warned[key] = now
    _LOGGER.warning("Skipped a list item the vendor sent malformed: %s", key)


def parse_body(body: bytes | str, where: str) -> Node:
    """Decode a JSON body; anything that is not JSON becomes a ProtocolError naming `where`."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as err:
        # ValueError covers JSONDecodeError and undecodable UTF-8; no body text is
        # echoed because it may hold tokens.
        raise ProtocolError(f"{where}: response is not valid JSON") from err
    return Node(value, where)


class Node:
    """A position inside decoded JSON; every accessor checks the type and names the path."""

    __slots__ = ("_path", "_value")

    def __init__(self, value: Any, path: str) -> None:
        self._value = value
        self._path = path

    def __repr__(self) -> str:
        return f"Node({self._path})"

    @property
    def path(self) -> str:
        """Where this node sits, e.g. `GET cameras/.results[2].snapshot`."""
        return self._path

    @property
    def raw(self) -> Any:
        """The decoded value (for callers that keep vendor extras as-is)."""
        return self._value

    def fail(self, problem: str, name: str | None = None) -> ProtocolError:
        """Build the error for a bad value here (or at the named child)."""
        where = self._path if name is None else f"{self._path}.{name}"
        return ProtocolError(f"{where}: {problem}")

    def _mapping(self) -> dict[str, Any]:
        if not isinstance(self._value, dict):
            raise self.fail(f"expected an object, got {_kind(self._value)}")
        return self._value

    def as_dict(self) -> dict[str, Any]:
        """This object as a (shallow) dict copy."""
        return dict(self._mapping())

    def has(self, name: str) -> bool:
        """Whether this object has the field with a non-null value."""
        return self._mapping().get(name) is not None

    def field(self, name: str) -> Node:
        """The required child field (it may be null; the typed getters check that)."""
        mapping = self._mapping()
        if name not in mapping:
            raise self.fail("missing field", name)
        return Node(mapping[name], f"{self._path}.{name}")

    def opt(self, name: str) -> Node | None:
        """The child field, or None when it is missing or null."""
        mapping = self._mapping()
        if mapping.get(name) is None:
            return None
        return Node(mapping[name], f"{self._path}.{name}")

    def items(self) -> list[Node]:
        """This node as a list of nodes."""
        if not isinstance(self._value, list):
            raise self.fail(f"expected a list, got {_kind(self._value)}")
        return [Node(item, f"{self._path}[{index}]") for index, item in enumerate(self._value)]

    def as_str(self) -> str:
        """This node as a string."""
        if not isinstance(self._value, str):
            raise self.fail(f"expected a string, got {_kind(self._value)}")
        return self._value

    def as_int(self) -> int:
        """This node as an integer (booleans are not integers here)."""
        if isinstance(self._value, bool) or not isinstance(self._value, int):
            raise self.fail(f"expected an integer, got {_kind(self._value)}")
        return self._value

    def as_float(self) -> float:
        """This node as a finite number."""
        value = self._value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            raise self.fail("expected a finite number") from None
        if not math.isfinite(number):
            raise self.fail("expected a finite number")
        return number

    def as_bool(self) -> bool:
        """This node as a boolean."""
        if not isinstance(self._value, bool):
            raise self.fail(f"expected a boolean, got {_kind(self._value)}")
        return self._value

    def as_id(self) -> str:
        """An identifier that vendors send as integer or string, always as a string."""
        value = self._value
        if isinstance(value, str) and value:
            return value
        # The Angelcam spec types some ids as `number`; accept 7.0 but not 7.5.
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(self.as_int())

    def as_datetime(self) -> datetime:
        """This node as an aware UTC datetime."""
        try:
            return parse_datetime(self.as_str())
        except ValueError as err:
            raise self.fail("expected an ISO 8601 datetime") from err

    # Named-field shortcuts: required ones raise on missing/null, opt_* return None.
    def text(self, name: str) -> str:
        """Required string field."""
        return self.field(name).as_str()

    def integer(self, name: str) -> int:
        """Required integer field."""
        return self.field(name).as_int()

    def number(self, name: str) -> float:
        """Required number field."""
        return self.field(name).as_float()

    def flag(self, name: str) -> bool:
        """Required boolean field."""
        return self.field(name).as_bool()

    def ident(self, name: str) -> str:
        """Required identifier field (integer or string)."""
        return self.field(name).as_id()

    def when(self, name: str) -> datetime:
        """Required datetime field."""
        return self.field(name).as_datetime()

    def array(self, name: str) -> list[Node]:
        """Required list field."""
        return self.field(name).items()

    def choice(self, name: str, members: Collection[str]) -> str:
        """An enum field: its value when it is one of `members`, else UNKNOWN (never an error)."""
        value = self._mapping().get(name)
        return value if isinstance(value, str) and value in members else UNKNOWN

    def opt_text(self, name: str) -> str | None:
        """Optional string field."""
        node = self.opt(name)
        return None if node is None else node.as_str()

    def opt_integer(self, name: str) -> int | None:
        """Optional integer field."""
        node = self.opt(name)
        return None if node is None else node.as_int()

    def opt_number(self, name: str) -> float | None:
        """Optional number field."""
        node = self.opt(name)
        return None if node is None else node.as_float()

    def opt_flag(self, name: str) -> bool | None:
        """Optional boolean field."""
        node = self.opt(name)
        return None if node is None else node.as_bool()

    def opt_ident(self, name: str) -> str | None:
        """Optional identifier field."""
        node = self.opt(name)
        return None if node is None else node.as_id()

    def opt_when(self, name: str) -> datetime | None:
        """Optional datetime field."""
        node = self.opt(name)
        return None if node is None else node.as_datetime()

    def opt_array(self, name: str) -> list[Node]:
        """Optional list field; missing or null reads as empty."""
        node = self.opt(name)
        return [] if node is None else node.items()

    def text_list(self, name: str) -> tuple[str, ...]:
        """Optional list of strings; missing or null reads as empty."""
        return tuple(each(self.opt_array(name), Node.as_str))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list"}.get(
        type(value), "object"
    )
