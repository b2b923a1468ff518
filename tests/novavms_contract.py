"""The NovaVMS contract (tests/specs/novavms-openapi.yaml): openapi-core checks of answers and
requests, and a second mock served from the file alone (its examples, else its schemas)."""

from __future__ import annotations

from collections.abc import Callable
import functools
import json
from pathlib import Path
import re
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS31Validator
import yaml

SPEC = Path(__file__).parent / "specs" / "novavms-openapi.yaml"
HOST = "https://novavms.novalien.com"
METHODS = ("get", "post", "patch", "put", "delete")
type Json = dict[str, Any]


@functools.cache
def document() -> Json:
    """The contract as plain data."""
    loaded: Json = yaml.safe_load(SPEC.read_text())
    return loaded


@functools.cache
def contract() -> OpenAPI:
    """The contract as an openapi-core validator."""
    return OpenAPI.from_dict(document())


def validate_error(body: Any) -> None:
    """Validate an answer for a path the contract does not list against its error envelope."""
    root = {"components": document()["components"], "$ref": "#/components/schemas/Error"}
    OAS31Validator(root).validate(body)


def validate_delivery(headers: dict[str, str], raw: bytes) -> None:
    """Check a webhook delivery's headers and envelope against the contract's `webhooks`."""
    delivery = document()["webhooks"]["delivery"]["post"]
    components = document()["components"]
    for parameter in delivery["parameters"]:
        root = {"components": components, **parameter["schema"]}
        OAS31Validator(root, format_checker=OAS31Validator.FORMAT_CHECKER).validate(
            headers[parameter["name"]]
        )
    schema = delivery["requestBody"]["content"]["application/json"]["schema"]
    root = {"components": components, **schema}
    OAS31Validator(root, format_checker=OAS31Validator.FORMAT_CHECKER).validate(json.loads(raw))


def _mock_request(request: web.Request, body: bytes | None) -> MockRequest:
    return MockRequest(
        HOST,
        request.method.lower(),
        request.path,
        args=dict(request.query),
        headers=dict(request.headers),
        data=body,
        content_type=request.content_type if body else "application/json",
    )


def check_answer(request: web.Request, response: web.Response) -> str:
    """Validate one simulator answer; the operation ("METHOD /path status") it matched."""
    raw = response.body if isinstance(response.body, bytes) else b""
    mock = MockResponse(
        raw, response.status, headers=dict(response.headers), content_type=response.content_type
    )
    try:
        contract().validate_response(_mock_request(request, None), mock)
    except (PathNotFound, OperationNotFound):
        # A path or method the vendor does not have: still answered in the vendor's envelope.
        validate_error(json.loads(raw))
        return f"{request.method} (unlisted) {response.status}"
    return f"{request.method} {request.match_info.route.resource.canonical} {response.status}"


def validating_middleware(seen: list[str], problems: list[str]) -> Middleware:
    """Check every API answer the app gives (faults injected by tests sit outside it)."""

    @web.middleware
    async def validate(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        api = request.path.startswith("/api/") or request.path == "/healthz"
        if api and isinstance(response, web.Response):
            try:
                seen.append(check_answer(request, response))
            except Exception as err:  # noqa: BLE001 - every contract breach is reported
                problems.append(f"{request.method} {request.path} {response.status}: {err}")
        return response

    return validate


# -- a mock made from the contract alone -----------------------------------------------------

_FORMATS: dict[str, Any] = {
    "uuid": "00000000-0000-4000-8000-000000000001",
    "date-time": "2026-04-21T14:00:00Z",
    "uri": "https://example.com/generated",
}


def _resolve(schema: Json) -> Json:
    while "$ref" in schema:
        node: Any = document()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def generate(schema: Json) -> Any:
    """A value for `schema`: its example or default, else one built from its type."""
    schema = _resolve(schema)
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if "allOf" in schema:
        merged: Json = {}
        for part in schema["allOf"]:
            merged |= generate(part) or {}
        return merged
    if "oneOf" in schema or "anyOf" in schema:
        return generate((schema.get("oneOf") or schema["anyOf"])[0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        return {name: generate(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [generate(schema["items"])] if "items" in schema else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if "format" in schema:
        return _FORMATS[schema["format"]]
    prefix = re.fullmatch(r"\^([\w-]+)", schema.get("pattern", "^"))
    return (prefix.group(1) if prefix else "") + "generated"


def example_answer(operation: Json) -> tuple[int, Json | None, Json]:
    """The first 2xx answer of an operation: status, JSON body (None if empty) and headers."""
    status, response = next((int(s), r) for s, r in operation["responses"].items() if s[0] == "2")
    response = _resolve(response)
    headers = {
        name: str(generate(_resolve(header)["schema"]))
        for name, header in response.get("headers", {}).items()
    }
    media = response.get("content", {}).get("application/json")
    if media is None:
        return status, None, headers
    body = media.get("example")
    return status, body if body is not None else generate(media["schema"]), headers


def mock_app(hits: list[str], problems: list[str]) -> web.Application:
    """Every operation of the contract answering its example; requests checked against it."""
    app = web.Application()

    def answer(op_id: str, operation: Json) -> Callable[[web.Request], Any]:
        status, body, headers = example_answer(operation)

        async def handle(request: web.Request) -> web.Response:
            raw = await request.read()
            try:
                contract().validate_request(_mock_request(request, raw or None))
            except Exception as err:  # noqa: BLE001 - every contract breach is reported
                problems.append(f"{op_id}: {err}")
            hits.append(op_id)
            if body is None:
                return web.Response(status=status, headers=headers)
            return web.json_response(body, status=status, headers=headers)

        return handle

    for path, item in document()["paths"].items():
        for method in METHODS:
            if (operation := item.get(method)) is not None:
                app.router.add_route(
                    method.upper(), path, answer(operation["operationId"], operation)
                )
    return app
