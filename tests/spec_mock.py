"""An Angelcam mock built only from the examples inside tests/specs/angelcam-openapi.yml.

It shares nothing with our simulator: for each operation of the spec it answers the example
of the operation's first 2xx response (the response's own example, else the schema's, else
one composed from its properties' examples, enum's first member or a typed placeholder).
List pages name a `next` on http://example.com, the host the spec's servers do not use:
what a client written against the examples, and not against our simulator, has to survive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
import functools
from pathlib import Path
import re
from typing import Any, Final

from aiohttp import web
import yaml

from tests.two_hosts import serve_app

SPEC: Final = Path(__file__).parent / "specs" / "angelcam-openapi.yml"
EXAMPLE_NEXT: Final = "http://example.com/v1/"
_PLACEHOLDERS: Final[dict[str, Any]] = {
    "string": "example",
    "integer": 1,
    "number": 1,
    "boolean": False,
}
_FORMATS: Final[dict[str, str]] = {
    "date-time": "2019-08-09T13:23:23Z",
    "uri": "https://example.com/resource",
    "email": "user@example.com",
    "uuid": "4f0e0b4c-9d4c-4b34-9a51-3b6b4d7a1e2f",
}


@functools.cache
def spec() -> dict[str, Any]:
    """The spec, loaded once."""
    with SPEC.open() as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def example_of(schema: Any, depth: int = 0) -> Any:
    """The schema's example (or one composed from its parts' examples)."""
    schema = _resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "example" in schema:
        return schema["example"]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            parts = [example_of(part, depth + 1) for part in schema[combined]]
            if combined != "allOf" or not all(isinstance(p, dict) for p in parts):
                return parts[0]
            merged: dict[str, Any] = {}
            for part in parts:
                merged.update(part)
            return merged
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "array":
        return [example_of(schema.get("items", {}), depth + 1)]
    if kind == "object":
        return {
            name: example_of(child, depth + 1)
            for name, child in (schema.get("properties") or {}).items()
        }
    if kind == "string" and schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    return _PLACEHOLDERS.get(kind or "", None)


def _answer(operation: dict[str, Any]) -> tuple[int, Any]:
    for code, declared in sorted(operation.get("responses", {}).items(), key=lambda i: str(i[0])):
        status = int(code) if str(code).isdigit() else 0
        if not 200 <= status < 300:
            continue
        content = (_resolve(declared).get("content") or {}).get("application/json")
        if content is None:
            return status, None
        if "example" in content:
            return status, content["example"]
        return status, example_of(content.get("schema", {}))
    return 204, None


@dataclass(slots=True)
class SpecMock:
    """The running mock: its base URL and the requests it answered."""

    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)


def _routes(mock: SpecMock) -> list[web.RouteDef]:
    routes = []
    for path, operations in spec()["paths"].items():
        pattern = "/v1" + re.sub(r"\{(\w+)\}", r"{\1}", path)
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            status, body = _answer(operation)

            async def handler(
                request: web.Request, status: int = status, body: Any = body
            ) -> web.Response:
                mock.requests.append((request.method, request.path))
                if status == 204 or body is None:
                    return web.Response(status=204)
                if isinstance(body, dict) and "results" in body and "next" in body:
                    # As the spec's examples have it: a next page on example.com.
                    body = {**body, "next": EXAMPLE_NEXT + request.path.removeprefix("/v1/")}
                return web.json_response(body, status=status)

            routes.append(web.route(method.upper(), pattern, handler))
    return routes


@asynccontextmanager
async def serve_spec_mock() -> AsyncIterator[SpecMock]:
    """Run the mock on 127.0.0.1 (any free port) until the block ends."""
    mock = SpecMock()
    app = web.Application()
    app.add_routes(_routes(mock))
    async with serve_app(app) as origin:
        mock.url = f"{origin}/v1/"
        yield mock
