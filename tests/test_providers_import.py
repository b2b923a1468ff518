"""The provider layer imports nothing from homeassistant (checked on every module's AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROVIDERS = Path(__file__).parent.parent / "custom_components" / "camhub" / "providers"
FORBIDDEN = "homeassistant"


def forbidden_imports(source: str, filename: str) -> list[str]:
    """Every `import homeassistant...` / `from homeassistant... import` in the source.

    Relative imports climbing out of providers/ (`from .. import x`) count too: the
    package above is the integration, which is Home Assistant code.
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
            if node.level > 1 or (node.level == 0 and module.split(".")[0] == FORBIDDEN):
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


def test_every_provider_module_is_checked() -> None:
    modules = sorted(path.name for path in PROVIDERS.glob("*.py"))
    assert {"__init__.py", "angelcam.py", "novavms.py", "opencamera.py", "model.py"} <= set(modules)


@pytest.mark.parametrize("path", sorted(PROVIDERS.rglob("*.py")), ids=lambda p: p.name)
def test_provider_module_is_home_assistant_free(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), path.name) == []


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
