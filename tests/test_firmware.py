"""Firmware file checks and upload progress (pure functions, no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.camhub.firmware import (
    MAX_FIRMWARE_BYTES,
    FirmwareFileError,
    UploadProgress,
    firmware_file,
)


def _refused(config_dir: Path, raw: str) -> str:
    with pytest.raises(FirmwareFileError) as caught:
        firmware_file(str(config_dir), raw)
    assert caught.value.translation_placeholders == {"path": raw}
    key = caught.value.translation_key
    assert key is not None
    return key


def test_a_file_inside_is_taken(tmp_path: Path) -> None:
    (tmp_path / "fw").mkdir()
    image = tmp_path / "fw" / "image.bin"
    image.write_bytes(b"12345")
    assert firmware_file(str(tmp_path), "fw/image.bin") == (image.resolve(), 5)
    assert firmware_file(str(tmp_path), str(image)) == (image.resolve(), 5)
    # Climbing out and back in is still inside.
    assert firmware_file(str(tmp_path), "fw/../fw/image.bin")[1] == 5


def test_paths_leading_out_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"x")
    (config / "link.bin").symlink_to(secret)
    (config / "dirlink").symlink_to(tmp_path)
    for raw in ("../secret.bin", str(secret), "link.bin", "dirlink/secret.bin", "/etc/passwd"):
        assert _refused(config, raw) == "firmware_outside_config"
    # Outside and missing: refused for being outside, so nothing outside is probed.
    assert _refused(config, "../missing.bin") == "firmware_outside_config"


def test_unusable_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    with (tmp_path / "huge.bin").open("wb") as handle:
        # Sparse: one byte past the limit without writing 64 MB.
        handle.truncate(MAX_FIRMWARE_BYTES + 1)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert _refused(tmp_path, "missing.bin") == "firmware_not_found"
    assert _refused(tmp_path, "folder") == "firmware_not_found"
    assert _refused(tmp_path, "loop") == "firmware_not_found"
    assert _refused(tmp_path, "empty.bin") == "firmware_empty"
    assert _refused(tmp_path, "huge.bin") == "firmware_too_large"


def test_progress_reports_whole_percentages_once() -> None:
    reported: list[int] = []
    progress = UploadProgress(1000, reported.append)
    for _ in range(4):
        progress(3)  # 1.2 % after four: one report, at 1 %
    progress(500)
    progress(500)
    progress(100)  # a resent chunk never pushes past 100
    assert reported == [1, 51, 100]
    assert progress.sent == 1112
