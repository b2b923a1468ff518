"""The provider layer and lib/ import nothing from homeassistant (checked on every module's AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "camhub"
PROVIDERS = PACKAGE / "providers"
LIB = PACKAGE / "lib"
FORBIDDEN = "homeassistant"


def forbidden_imports(source: str, filename: str, depth: int = 0) -> list[str]:
    """Every `import homeassistant...` / `from homeassistant... import` in the source.

    Relative imports climbing out of providers/ (`from .. import x` in a module `depth`
    packages below it) count too: the package above is the integration, which is Home
    Assistant code.
    """
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [
                f"{filename}:{node.lineno} import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] == FORBIDDEN
            ]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level > depth + 1 or (node.level == 0 and module.split(".")[0] == FORBIDDEN):
                found.append(f"{filename}:{node.lineno} from {'.' * node.level}{module}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in {"__import__", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] == FORBIDDEN
        ):
            found.append(f"{filename}:{node.lineno} dynamic import of {node.args[0].value}")
    return found


def _modules() -> list[Path]:
    return sorted([*PROVIDERS.rglob("*.py"), *LIB.rglob("*.py")])


def test_every_provider_module_is_checked() -> None:
    modules = {path.relative_to(PACKAGE).as_posix() for path in _modules()}
    assert {
        "providers/__init__.py",
        "providers/angelcam/client.py",
        "providers/novavms/client.py",
        "providers/opencamera/client.py",
        "providers/model.py",
        "lib/sdp.py",
    } <= modules


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_provider_module_is_home_assistant_free(path: Path) -> None:
    top = PROVIDERS if path.is_relative_to(PROVIDERS) else LIB
    depth = len(path.relative_to(top).parts) - 1
    source = path.read_text(encoding="utf-8")
    assert forbidden_imports(source, path.name, depth) == []


def test_a_vendor_package_may_reach_its_siblings_only() -> None:
    assert forbidden_imports("from ..model import Camera", "client.py", depth=1) == []
    assert forbidden_imports("from ...const import DOMAIN", "client.py", depth=1)


@pytest.mark.parametrize(
    "source",
    [
        "import homeassistant",
        "import os, homeassistant.core as core",
        "from homeassistant.const import Platform",
        "def f():\n    from homeassistant.helpers import aiohttp_client\n",
        "from .. import const",
        "from ..coordinator import CamHubCoordinator",
        "import importlib\nimportlib.import_module('homeassistant.core')",
        "__import__('homeassistant')",
        "if TYPE_CHECKING:\n    from homeassistant.core import HomeAssistant\n",
    ],
)
def test_check_catches_a_synthetic_offender(source: str) -> None:
    assert forbidden_imports(source, "synthetic.py")


@pytest.mark.parametrize(
    "source",
    [
        "import aiohttp",
        "from .model import Camera",
        "from . import errors",
        "import homeassistantx",
    ],
)
def test_check_allows_clean_imports(source: str) -> None:
    assert forbidden_imports(source, "clean.py") == []
