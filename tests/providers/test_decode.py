"""JSON decoding names the bad field; datetimes parse leniently; bad bodies are ProtocolError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.camhub.providers.decode import (
    Node,
    format_datetime,
    parse_body,
    parse_datetime,
)
from custom_components.camhub.providers.errors import ProtocolError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-03-29T15:41:39.000Z", datetime(2017, 3, 29, 15, 41, 39, tzinfo=UTC)),
        ("2024-01-16T00:00:59.146606443+00:00", datetime(2024, 1, 16, 0, 0, 59, 146606, UTC)),
        ("2024-05-07T16:58:7.5400Z", datetime(2024, 5, 7, 16, 58, 7, 540000, UTC)),
        ("2025-06-28T23:03:00+02:00", datetime(2025, 6, 28, 21, 3, tzinfo=UTC)),
        ("2025-06-28T23:03:00-0130", datetime(2025, 6, 29, 0, 33, tzinfo=UTC)),
        ("2022-02-02", datetime(2022, 2, 2, tzinfo=UTC)),
        ("2022-02-02T10:11", datetime(2022, 2, 2, 10, 11, tzinfo=UTC)),
    ],
)
def test_parse_datetime_accepts_vendor_variants(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2017-06-09T010:39:31Z", "2022-13-01", "0001-01-01T00:00:00+01:00"],
)
def test_parse_datetime_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match=r"datetime|month|range|isoformat"):
        parse_datetime(text)


def test_format_datetime_is_utc_z() -> None:
    aware = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(aware) == "2026-01-01T10:00:00Z"
    assert format_datetime(datetime(2026, 1, 1, 12)) == "2026-01-01T12:00:00Z"  # noqa: DTZ001


def test_errors_name_the_field_path() -> None:
    node = parse_body(b'{"results": [{"id": 1}, {"id": "x", "snapshot": {"url": 5}}]}', "GET x")
    second = node.array("results")[1]
    with pytest.raises(
        ProtocolError, match=r"GET x\.results\[1\]\.snapshot\.url: expected a string"
    ):
        second.field("snapshot").text("url")
    with pytest.raises(ProtocolError, match=r"GET x\.results\[0\]\.name: missing field"):
        node.array("results")[0].text("name")
    with pytest.raises(ProtocolError, match=r"GET x\.results: expected an object, got list"):
        node.field("results").text("id")


def test_typed_getters() -> None:
    node = Node(
        {
            "s": "a",
            "i": 3,
            "f": 1.5,
            "b": True,
            "id_float": 7.0,
            "when": "2026-01-01T00:00:00Z",
            "tags": ["x", "y"],
            "null": None,
        },
        "$",
    )
    assert (node.text("s"), node.integer("i"), node.number("f"), node.flag("b")) == (
        "a",
        3,
        1.5,
        True,
    )
    assert node.ident("i") == "3"
    assert node.ident("id_float") == "7"
    assert node.when("when") == datetime(2026, 1, 1, tzinfo=UTC)
    assert node.text_list("tags") == ("x", "y")
    assert node.text_list("null") == ()
    assert node.opt_text("null") is None
    assert node.opt_integer("missing") is None
    assert node.opt_number("f") == 1.5
    assert node.opt_flag("b") is True
    assert node.opt_ident("s") == "a"
    assert node.opt_when("null") is None
    assert node.opt_array("missing") == []
    assert node.has("s")
    assert not node.has("null")
    assert node.as_dict()["i"] == 3
    assert repr(node) == "Node($)"
    assert node.path == "$"


@pytest.mark.parametrize(
    ("value", "getter", "message"),
    [
        (True, "integer", "expected an integer, got boolean"),
        (1.5, "ident", "expected an integer, got number"),
        ("", "ident", "expected an integer, got string"),
        ("nope", "when", "expected an ISO 8601 datetime"),
        (float("nan"), "number", "expected a finite number"),
        ("1", "number", "expected a number, got string"),
        (1, "flag", "expected a boolean, got integer"),
        (None, "text", "expected a string, got null"),
        ({}, "array", "expected a list, got object"),
    ],
)
def test_mistyped_fields(value: object, getter: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=f"\\$\\.v: {message}"):
        getattr(Node({"v": value}, "$"), getter)("v")


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"[" * 100000, b"<html>"])
def test_non_json_bodies(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="GET y: response is not valid JSON"):
        parse_body(body, "GET y")
