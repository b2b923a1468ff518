"""The Home Assistant layer names no vendor (issue 15's grep), and imports without a cycle."""

from __future__ import annotations

from pathlib import Path
import re
import subprocess
import sys

PACKAGE = Path(__file__).parent.parent / "custom_components" / "camhub"
# The grep: a branch on the vendor outside providers/.
VENDOR_BRANCH = re.compile(
    r"isinstance\([^)]*(Angelcam|NovaVMS|Novavms|OpenCamera)"
    r"|Vendor\.(ANGELCAM|NOVAVMS|OPENCAMERA)|vendor =="
)
# The modules already on the Provider interface. Issue 15's other packages (push; entities,
# actions and media) bring theirs, and the integration step checks every module here.
VENDOR_FREE = (
    "config_flow.py",
    "const.py",
    "coordinator.py",
    "data.py",
    "devices.py",
    "diagnostics.py",
    "exceptions.py",
)


def vendor_branches(source: str, name: str) -> list[str]:
    """Every line of `source` the issue's grep prints."""
    return [
        f"{name}:{number}: {line.strip()}"
        for number, line in enumerate(source.splitlines(), 1)
        if VENDOR_BRANCH.search(line)
    ]


def test_the_grep_finds_a_branch() -> None:
    source = "if isinstance(client, AngelcamClient):\n    pass\nx = Vendor.NOVAVMS\n"
    assert vendor_branches(source, "m.py") == [
        "m.py:1: if isinstance(client, AngelcamClient):",
        "m.py:3: x = Vendor.NOVAVMS",
    ]
    assert vendor_branches("if vendor == key:\n", "m.py") == ["m.py:1: if vendor == key:"]
    assert vendor_branches("provider = provider_for(key)\n", "m.py") == []


def test_modules_on_the_interface_name_no_vendor() -> None:
    found = [
        branch
        for name in VENDOR_FREE
        for branch in vendor_branches((PACKAGE / name).read_text(encoding="utf-8"), name)
    ]
    assert found == []


def test_every_module_imports_first_without_a_cycle() -> None:
    """Each HA-layer module imported first, as if fresh (a cycle fails whichever goes first)."""
    names = sorted(
        f"custom_components.camhub.{path.stem}".removesuffix(".__init__")
        for path in PACKAGE.glob("*.py")
    )
    script = (
        "import importlib, sys\n"
        "import homeassistant.core\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('custom_components')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        f"print(len({names!r}))\n"
    )
    # Our own interpreter on a script built here from the package's file names.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=PACKAGE.parent.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(len(names))
