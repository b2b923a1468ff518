"""The next-release smoke test's judgement: what in a log or a run fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.smoke import SmokeResult, judge, log_problems, pinned_release

ROOT = Path(__file__).resolve().parents[1]
FFMPEG = (("haffmpeg.core", "FileNotFoundError: [Errno 2]"),)
TRACEBACK = """Traceback (most recent call last):
  File "x.py", line 1, in <module>
    boom()
{exception}"""


@pytest.mark.parametrize("stamp", ["2026-11-05 10:00:00.123", "2026-11-05 10:00:00.123+00:00"])
def test_errors_from_camhub_fail_in_both_log_formats(stamp: str) -> None:
    log = (
        f"{stamp} ERROR (MainThread) [custom_components.camhub.coordinator] Poll failed\n"
        f"{stamp} ERROR (MainThread) [homeassistant.components.met] Not reachable\n"
        f"{stamp} WARNING (MainThread) [custom_components.camhub] Slow\n"
    )
    (problem,) = log_problems(log)
    assert problem.startswith("error from CamHub: ")
    assert "Poll failed" in problem


def test_a_traceback_fails_with_its_exception_and_record() -> None:
    log = "2026-11-05 10:00:00.123+00:00 ERROR (MainThread) [homeassistant.setup] Setup failed\n"
    log += TRACEBACK.format(exception="ModuleNotFoundError: No module named 'x'")
    (problem,) = log_problems(log)
    assert problem.startswith("traceback: ModuleNotFoundError: No module named 'x' (after: ")
    assert "[homeassistant.setup] Setup failed" in problem


def test_missing_ffmpeg_binary_is_the_machine_not_camhub() -> None:
    log = "2026-11-05 10:00:00.1 ERROR (MainThread) [haffmpeg.core] FFmpeg fails\n"
    log += TRACEBACK.format(exception="FileNotFoundError: [Errno 2] No such file: 'ffmpeg'")
    assert log_problems(log, FFMPEG) == []
    # Only where no ffmpeg is installed, and only for that logger and exception.
    assert len(log_problems(log, ())) == 1
    other = log.replace("haffmpeg.core", "custom_components.camhub")
    assert len(log_problems(other, FFMPEG)) == 2  # the error line and its traceback


def test_deprecation_reports_about_camhub_fail() -> None:
    log = (
        "2026-11-05 10:00:00.1 WARNING (MainThread) [homeassistant.helpers.frame] Detected that"
        " custom integration 'camhub' calls a deprecated function\n"
    )
    (problem,) = log_problems(log)
    assert problem.startswith("deprecation: ")


def _result(**entries: str) -> SmokeResult:
    result = SmokeResult(version="2026.11.0", entries=dict(entries))
    for title in entries:
        result.entities[title] = 3
        result.available[title] = 2
    return result


def test_a_good_run_passes_and_each_failure_is_named() -> None:
    vendors = {"Angelcam", "NovaVMS"}
    good = _result(**{"Angelcam Home": "loaded", "NovaVMS Org": "loaded"})
    assert judge(good, "2026.11.0", vendors) == []
    bad = _result(**{"Angelcam Home": "setup_retry", "OpenCamera x": "loaded"})
    bad.available["OpenCamera x"] = 0
    assert judge(bad, "2026.12.0", vendors) == [
        "Home Assistant is 2026.11.0, expected 2026.12.0",
        "no NovaVMS entry",
        "Angelcam Home: entry is setup_retry",
        "OpenCamera x: no available entity (3 in all)",
    ]


def test_the_next_lane_pins_a_release(tmp_path: Path) -> None:
    assert pinned_release(ROOT / "requirements" / "next.txt").count(".") == 2
    empty = tmp_path / "none.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(ValueError, match="pins no homeassistant"):
        pinned_release(empty)
