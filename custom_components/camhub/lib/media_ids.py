"""The grammar of CamHub media-source identifiers: parse and format, nothing else.

An identifier is the part after ``media-source://camhub/``; components are separated by
``/`` and each is percent-encoded, so vendor ids may contain any character::

    <entry>                                          one config entry: its cameras
    <entry>/<camera>                                 one camera: what it has recorded
    <entry>/<camera>/rec/<recording>                 an Angelcam recording: its days
    <entry>/<camera>/rec/<recording>/<day>           that day's segments and gaps
                                                     (one timeline call)
    <entry>/<camera>/rec/<recording>/<day>/<start>   a segment, played from its start;
                                                     expands to points inside it
    <entry>/<camera>/rec/<recording>/<day>/<start>/<at>   play the segment from <at> (seeking)
    <entry>/<camera>/clips                           Angelcam clips of the camera
    <entry>/<camera>/clips/<clip>                    one clip
    <entry>/<camera>/events                          the camera's events
    <entry>/<camera>/events/<event>                  one event (Angelcam: played from the
                                                     recording; NovaVMS: snapshot and clip)
    <entry>/<camera>/events/<event>/snapshot|clip    a NovaVMS event's snapshot or clip
    <entry>/<camera>/vod                             OpenCamera recorded video: days
    <entry>/<camera>/vod/<day>                       the hours of that day
    <entry>/<camera>/vod/<day>/<hour>                one hour of recorded video

``<day>`` is ``YYYY-MM-DD`` in Home Assistant's time zone; ``<start>`` and ``<at>`` are Unix
seconds (UTC); ``<hour>`` is 0-23. Angelcam events carry no id, so their ``<event>`` is the
Unix second they occurred.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any, Final
from urllib.parse import quote, unquote

SEPARATOR: Final = "/"


class Section(StrEnum):
    """What part of a camera's media an identifier points into."""

    RECORDING = "rec"
    CLIPS = "clips"
    EVENTS = "events"
    VOD = "vod"


class EventPart(StrEnum):
    """The two media of a NovaVMS event."""

    SNAPSHOT = "snapshot"
    CLIP = "clip"


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaId:
    """A parsed identifier; fields deeper than the level it names are None."""

    entry_id: str
    camera_id: str | None = None
    section: Section | None = None
    # Recording id (rec), clip id (clips) or event id (events).
    item: str | None = None
    day: date | None = None
    start: int | None = None
    at: int | None = None
    hour: int | None = None
    part: EventPart | None = None

    def __str__(self) -> str:
        """The identifier text (what `parse` reads back)."""
        parts: list[str] = [self.entry_id]
        if self.camera_id is not None:
            parts.append(self.camera_id)
        if self.section is not None:
            parts.append(self.section.value)
        parts.extend(self._section_parts())
        return SEPARATOR.join(quote(part, safe="") for part in parts)

    def _section_parts(self) -> list[str]:
        values: list[object | None] = [self.item]
        match self.section:
            case Section.RECORDING:
                values += [self.day, self.start, self.at]
            case Section.EVENTS:
                values += [self.part]
            case Section.VOD:
                values = [self.day, self.hour]
        text: list[str] = []
        for value in values:
            if value is None:
                break
            text.append(value.isoformat() if isinstance(value, date) else str(value))
        return text

    def child(self, **changes: Any) -> MediaId:
        """This identifier one or more levels deeper."""
        return replace(self, **changes)


def need[T](value: T | None) -> T:
    """A component the identifier's level guarantees (ValueError if it is missing)."""
    if value is None:
        raise ValueError("identifier is missing a component")
    return value


def _int(text: str, low: int | None = None, high: int | None = None) -> int:
    if not text.isdigit():
        raise ValueError("expected a number")
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError("number out of range")
    return value


def parse(identifier: str) -> MediaId:
    """Read an identifier; ValueError names what is wrong with it."""
    parts = [unquote(part) for part in identifier.split(SEPARATOR)]
    if not parts[0] or any(not part for part in parts):
        raise ValueError("empty identifier component")
    entry_id, rest = parts[0], parts[1:]
    if not rest:
        return MediaId(entry_id=entry_id)
    camera_id, rest = rest[0], rest[1:]
    if not rest:
        return MediaId(entry_id=entry_id, camera_id=camera_id)
    section = Section(rest[0])
    base = MediaId(entry_id=entry_id, camera_id=camera_id, section=section)
    return _parse_section(base, rest[1:])


def _parse_section(base: MediaId, rest: list[str]) -> MediaId:
    match base.section, rest:
        case Section.RECORDING, [recording, *more] if len(more) <= 3:
            day = date.fromisoformat(more[0]) if more else None
            start = _int(more[1]) if len(more) > 1 else None
            at = _int(more[2]) if len(more) > 2 else None
            return base.child(item=recording, day=day, start=start, at=at)
        case Section.CLIPS | Section.EVENTS, [] | [_]:
            return base.child(item=rest[0] if rest else None)
        case Section.EVENTS, [event, part]:
            return base.child(item=event, part=EventPart(part))
        case Section.VOD, [] | [_] | [_, _]:
            day = date.fromisoformat(rest[0]) if rest else None
            hour = _int(rest[1], 0, 23) if len(rest) > 1 else None
            return base.child(day=day, hour=hour)
    raise ValueError(f"unexpected components after {base.section}")
