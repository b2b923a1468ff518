"""Completing a trickled offer (pure, no server)."""

from __future__ import annotations

from webrtc_models import RTCIceCandidateInit

from custom_components.camhub.lib.sdp import is_complete, with_candidates

OFFER = "v=0\r\ns=-\r\nm=audio 9 RTP 0\r\na=mid:a\r\nm=video 9 RTP 96\r\na=mid:v\r\n"


def test_candidates_land_in_their_sections() -> None:
    assert not is_complete(OFFER)
    done = with_candidates(
        OFFER,
        [
            RTCIceCandidateInit("candidate:1 1 udp 1 10.0.0.1 5000 typ host", sdp_mid="v"),
            RTCIceCandidateInit("a=candidate:2 1 udp 1 10.0.0.2 5001 typ host", sdp_m_line_index=0),
            RTCIceCandidateInit("candidate:3 1 udp 1 10.0.0.3 5002 typ host", sdp_mid="zz"),
            RTCIceCandidateInit(""),
        ],
    )
    assert is_complete(done)
    audio, video = done.split("m=video")
    assert "10.0.0.2" in audio
    assert "10.0.0.3" in audio  # unknown section: the first one
    assert "10.0.0.1" in video
    assert done.count("a=end-of-candidates") == 2
    assert done.endswith("\r\n")
    assert "\r\n\r\n" not in done


def test_plain_newlines_and_no_media() -> None:
    done = with_candidates("v=0\ns=-\n", [RTCIceCandidateInit("candidate:1 1 udp 1 h 1 typ host")])
    assert done == "v=0\ns=-\n"
    assert is_complete("v=0\na=candidate:1 1 udp 1 h 1 typ host\n")
