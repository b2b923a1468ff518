"""Turn a trickled WebRTC offer into a complete one (the OpenCamera device takes no trickle)."""

from __future__ import annotations

from collections.abc import Iterable

from webrtc_models import RTCIceCandidateInit

END_OF_CANDIDATES = "a=end-of-candidates"


def is_complete(sdp: str) -> bool:
    """Whether the offer already carries its ICE candidates."""
    return "\na=candidate:" in f"\n{sdp}" or END_OF_CANDIDATES in sdp


def _section_of(candidate: RTCIceCandidateInit, mids: list[str | None]) -> int:
    if candidate.sdp_mid is not None and candidate.sdp_mid in mids:
        return mids.index(candidate.sdp_mid)
    if candidate.sdp_m_line_index is not None and candidate.sdp_m_line_index < len(mids):
        return candidate.sdp_m_line_index
    return 0


def with_candidates(sdp: str, candidates: Iterable[RTCIceCandidateInit]) -> str:
    """The offer with each candidate in its media section, every section marked complete."""
    newline = "\r\n" if "\r\n" in sdp else "\n"
    lines = sdp.rstrip("\r\n").split(newline)
    # Section 0 is the session part; media section i+1 starts at its i-th "m=" line.
    sections: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    media = sections[1:]
    mids = [
        next((line[len("a=mid:") :] for line in section if line.startswith("a=mid:")), None)
        for section in media
    ]
    for candidate in candidates:
        if media and candidate.candidate:
            text = candidate.candidate.removeprefix("a=")
            media[_section_of(candidate, mids)].append(f"a={text}")
    for section in media:
        section.append(END_OF_CANDIDATES)
    return newline.join(line for section in sections for line in section) + newline
