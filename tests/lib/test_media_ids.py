"""The media identifier grammar: every level round-trips, malformed identifiers are refused."""

from __future__ import annotations

from datetime import date

from hypothesis import given, strategies as st
import pytest

from custom_components.camhub.lib.media_ids import EventPart, MediaId, Section, need, parse

TEXT = st.text(min_size=1, max_size=12)
DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
SECONDS = st.integers(min_value=0, max_value=4_000_000_000)


@st.composite
def media_ids(draw: st.DrawFn) -> MediaId:
    """Any identifier the tree can produce."""
    base = MediaId(entry_id=draw(TEXT))
    levels = [
        base,
        base.child(camera_id=draw(TEXT)),
    ]
    camera = levels[1]
    recording = camera.child(section=Section.RECORDING, item=draw(TEXT))
    levels += [
        recording,
        recording.child(day=draw(DAY)),
        recording.child(day=draw(DAY), start=draw(SECONDS)),
        recording.child(day=draw(DAY), start=draw(SECONDS), at=draw(SECONDS)),
        camera.child(section=Section.CLIPS),
        camera.child(section=Section.CLIPS, item=draw(TEXT)),
        camera.child(section=Section.EVENTS),
        camera.child(section=Section.EVENTS, item=draw(TEXT)),
        camera.child(
            section=Section.EVENTS, item=draw(TEXT), part=draw(st.sampled_from(EventPart))
        ),
        camera.child(section=Section.VOD),
        camera.child(section=Section.VOD, day=draw(DAY)),
        camera.child(section=Section.VOD, day=draw(DAY), hour=draw(st.integers(0, 23))),
    ]
    return draw(st.sampled_from(levels))


@given(media_ids())
def test_round_trip(media_id: MediaId) -> None:
    assert parse(str(media_id)) == media_id


def test_components_are_escaped() -> None:
    media_id = MediaId(entry_id="e", camera_id="a/b c")
    assert str(media_id) == "e/a%2Fb%20c"
    assert parse("e/a%2Fb%20c").camera_id == "a/b c"


@pytest.mark.parametrize(
    "identifier",
    [
        "",
        "e//",
        "e/c/unknown",
        "e/c/rec",
        "e/c/rec/r/2026-13-01",
        "e/c/rec/r/2026-01-01/x",
        "e/c/rec/r/2026-01-01/1/2/3",
        "e/c/clips/a/b",
        "e/c/events/a/video",
        "e/c/events/a/snapshot/x",
        "e/c/vod/2026-01-01/24",
        "e/c/vod/2026-01-01/-1",
        "e/c/vod/2026-01-01/1/2",
    ],
)
def test_malformed_identifiers_are_refused(identifier: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each level names its own problem
        parse(identifier)


def test_need() -> None:
    assert need("x") == "x"
    with pytest.raises(ValueError, match="missing"):
        need(None)
