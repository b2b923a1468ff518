"""Angelcam RTS endpoints: settings, arming, incidents, events, messages, methods and rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
import uuid

from aiohttp import web

from simulator.angelcam_api import visible_camera
from simulator.angelcam_http import (
    PAGE_SIZE,
    ApiError,
    by_id,
    context,
    invalid,
    json_object,
    no_content,
    page,
    path_int,
    query_int,
    query_time,
    stamp,
    world,
)
from simulator.angelcam_live import stored_snapshot_url
from simulator.angelcam_rts import (
    INCIDENT_TTLS,
    MESSAGE_TYPES,
    RTS_KEY,
    Event,
    Incident,
    Message,
    NotificationMethod,
    Rts,
    Rule,
    random_key,
)


def rts(request: web.Request) -> Rts:
    """Return the RTS state of this app."""
    return request.app[RTS_KEY]


# Settings and arming ----------------------------------------------------------------------


def _settings(request: web.Request) -> web.Response:
    space_id = context(request).membership.space_id
    locations = world(request).locations_in(space_id)
    pending = [loc.pending for loc in locations if loc.pending is not None]
    arming = min((p.due for p in pending if p.armed), default=None)
    disarming = min((p.due for p in pending if not p.armed), default=None)
    return web.json_response(
        {
            "incident_ttl": rts(request).ttl(space_id),
            # Deprecated account-wide fields: armed when any location is.
            "is_armed": any(loc.is_armed for loc in locations),
            "next_arming": stamp(arming),
            "next_disarming": stamp(disarming),
        }
    )


async def get_settings(request: web.Request) -> web.Response:
    """GET /rts/."""
    return _settings(request)


async def put_settings(request: web.Request) -> web.Response:
    """PUT /rts/ with ``{incident_ttl}``."""
    body = await json_object(request)
    ttl = body.get("incident_ttl")
    if ttl is not None:
        if ttl not in INCIDENT_TTLS:
            raise invalid("incident_ttl", f'"{ttl}" is not a valid choice.')
        rts(request).incident_ttl[context(request).membership.space_id] = ttl
    return _settings(request)


def _arming(armed: bool) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        ctx = context(request)
        location_id = query_int(request, "location_id", minimum=1)
        delay = query_int(request, "delay", minimum=0) or 0
        space_locations = world(request).locations_in(ctx.membership.space_id)
        if location_id is None:
            # [inferred] Without a location the call covers every location the user may arm.
            targets = [
                loc for loc in space_locations if ctx.membership.allows("location.arming", loc.id)
            ]
        else:
            targets = [loc for loc in space_locations if loc.id == location_id]
            for target in targets:
                ctx.require("location.arming", target.id)
        if not targets:
            raise ApiError(403)
        for target in targets:
            rts(request).request_arming(target, armed=armed, delay=delay, invoker=ctx.user.name)
        return no_content()

    return handler


# Incidents and events ---------------------------------------------------------------------


def incident_json(request: web.Request, incident: Incident) -> dict[str, Any]:
    """Render an IncidentObject."""
    now = world(request).now()
    return {
        "id": incident.id,
        "created_at": stamp(incident.created_at),
        "verified_at": stamp(incident.verified_at),
        "closed_at": stamp(incident.closed_at(now)),
        "first_event_occurred_at": stamp(incident.first_event_occurred_at),
        "last_event_occurred_at": stamp(incident.last_event_occurred_at),
        "event_count": incident.event_count,
        "incident_sharing_url": None,
        "snapshot": {
            "url": stored_snapshot_url(
                request, incident.camera_id, incident.first_event_occurred_at
            ),
            "created_at": stamp(incident.first_event_occurred_at),
        },
    }


async def incidents(request: web.Request) -> web.Response:
    """GET /rts/incidents/ with start/end filters and ordering."""
    found = rts(request).visible_incidents(context(request).membership)
    start, end = query_time(request, "start"), query_time(request, "end")
    ordering = request.query.get("ordering", "desc")
    if ordering not in {"asc", "desc"}:
        raise invalid("ordering", f'"{ordering}" is not a valid choice.')
    found = [
        i
        for i in found
        if (start is None or i.created_at >= start) and (end is None or i.created_at <= end)
    ]
    found.sort(key=lambda i: (i.created_at, i.id), reverse=ordering == "desc")
    return page(request, found, lambda i: incident_json(request, i))


async def incident(request: web.Request) -> web.Response:
    """GET /rts/incidents/{incident_id}/."""
    visible = rts(request).visible_incidents(context(request).membership)
    found = by_id(visible, path_int(request, "incident_id"))
    return web.json_response(incident_json(request, found))


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "camera": event.camera_id,
        "site": None,
        "title": event.title,
        "category": event.category,
        "source": event.source,
        "occurred_at": stamp(event.occurred_at),
        "received_at": stamp(event.received_at),
    }


async def camera_events(request: web.Request) -> web.Response:
    """GET /cameras/{camera_id}/events/: newest first, forward-only ``next`` cursor."""
    camera = visible_camera(request)
    start, end = query_time(request, "start"), query_time(request, "end")
    limit = min(query_int(request, "limit", minimum=1) or PAGE_SIZE, PAGE_SIZE)
    found = [
        e
        for e in rts(request).camera_events(camera.id)
        if (start is None or e.occurred_at >= start) and (end is None or e.occurred_at <= end)
    ]
    cursor = query_int(request, "cursor", minimum=0)
    position = 0
    if cursor is not None:
        position = next((n + 1 for n, e in enumerate(found) if e.id == cursor), len(found))
    chunk = found[position : position + limit]
    following = None
    if position + limit < len(found):
        following = str(request.url.update_query(limit=limit, cursor=chunk[-1].id))
    return web.json_response(
        {
            "count": len(found),
            "next": following,
            "previous": None,
            "results": [_event_json(e) for e in chunk],
        }
    )


# Messages ---------------------------------------------------------------------------------


def message_json(request: web.Request, message: Message) -> dict[str, Any]:
    """Render a MessageObject (optional string fields are left out rather than null)."""
    body: dict[str, Any] = {
        "id": message.id,
        "created_at": stamp(message.created_at),
        "title": message.title,
        "type": message.type,
        "short_message": message.short_message,
        "long_message": message.long_message,
        "is_read": message.is_read,
        "show_detail": message.type.endswith("incident"),
    }
    if message.read_at is not None:
        body["read_at"] = stamp(message.read_at)
    if message.camera_id is not None:
        body["action_url"] = f"https://my.angelcam.com/camera/{message.camera_id}/"
        body["action_label"] = "Show camera"
        if message.image_at is not None:
            body["image"] = stored_snapshot_url(request, message.camera_id, message.image_at)
    return body


def _message(request: web.Request) -> Message:
    message_id = path_int(request, "message_id")
    found = rts(request).messages.get(message_id)
    if found is None or found.user_id != context(request).user.id:
        raise ApiError(404)
    return found


async def messages(request: web.Request) -> web.Response:
    """GET /rts/messages/?limit=&next=: newest first with an opaque ``next`` cursor."""
    inbox = rts(request).inbox(context(request).user.id)
    limit = min(query_int(request, "limit", minimum=1) or PAGE_SIZE, PAGE_SIZE)
    cursor = request.query.get("next")
    if cursor:
        try:
            before = int(cursor)
        except ValueError:
            raise invalid("next", "Invalid cursor.") from None
        remaining = [m for m in inbox if m.id < before]
    else:
        remaining = inbox
    chunk = remaining[:limit]
    following = None
    if len(remaining) > limit:
        following = str(request.url.update_query(limit=limit, next=str(chunk[-1].id)))
    return web.json_response(
        {
            "count": len(inbox),
            "next": following,
            "previous": None,
            "results": [message_json(request, m) for m in chunk],
        }
    )


async def message(request: web.Request) -> web.Response:
    """GET /rts/messages/{message_id}/."""
    return web.json_response(message_json(request, _message(request)))


def _mark(request: web.Request, message: Message, *, is_read: bool) -> None:
    message.is_read = is_read
    message.read_at = world(request).now() if is_read else None


async def update_message(request: web.Request) -> web.Response:
    """PUT /rts/messages/{message_id}/ with ``{is_read}``."""
    found = _message(request)
    body = await json_object(request)
    is_read = body.get("is_read", found.is_read)
    if not isinstance(is_read, bool):
        raise invalid("is_read", "Must be a valid boolean.")
    _mark(request, found, is_read=is_read)
    return web.json_response(message_json(request, found))


async def set_all_read(request: web.Request) -> web.Response:
    """POST /rts/messages/set-all-read/."""
    unread = [m for m in rts(request).inbox(context(request).user.id) if not m.is_read]
    for found in unread:
        _mark(request, found, is_read=True)
    return web.json_response({"set_as_read_count": len(unread)})


async def unread_count(request: web.Request) -> web.Response:
    """GET /rts/messages/unread-count/."""
    inbox = rts(request).inbox(context(request).user.id)
    return web.json_response({"unread_count": sum(1 for m in inbox if not m.is_read)})


# Notification methods and rules -------------------------------------------------------------


def method_json(method: NotificationMethod) -> dict[str, Any]:
    """Render an Http/EmailNotificationMethodObject (the key is part of the answer)."""
    if method.type == "email":
        return {"id": method.id, "name": method.name, "type": "email", "email": method.email}
    return {
        "id": method.id,
        "name": method.name,
        "type": "http",
        "http_method": method.http_method,
        "url": method.url,
        "arrow_client": method.arrow_client,
        "signature_private_key": method.signature_private_key,
    }


def _method_fields(body: dict[str, Any], current: NotificationMethod | None) -> dict[str, Any]:
    kind = body.get("type")
    if kind not in {"http", "email"}:
        raise invalid("type", f'"{kind}" is not a valid choice.')
    name = body.get("name", current.name if current else "")
    if not isinstance(name, str):
        raise invalid("name", "Not a valid string.")
    if kind == "email":
        email = body.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise invalid("email", "Enter a valid email address.")
        return {"type": "email", "name": name, "email": email, "url": None}
    url = body.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise invalid("url", "Enter a valid URL.")
    http_method = body.get("http_method", current.http_method if current else "POST")
    if http_method not in {"GET", "POST", "PUT"}:
        raise invalid("http_method", f'"{http_method}" is not a valid choice.')
    arrow = body.get("arrow_client")
    if arrow is not None:
        try:
            arrow = str(uuid.UUID(str(arrow)))
        except ValueError:
            raise invalid("arrow_client", "Must be a valid UUID.") from None
    key = body.get("signature_private_key") or (
        current.signature_private_key if current else random_key()
    )
    if not isinstance(key, str):
        raise invalid("signature_private_key", "Not a valid string.")
    return {
        "type": "http",
        "name": name,
        "url": url,
        "http_method": http_method,
        "arrow_client": arrow,
        "signature_private_key": key,
        "email": None,
    }


def _owned[T: (NotificationMethod, Rule)](
    request: web.Request, table: dict[int, T], name: str
) -> T:
    found = table.get(path_int(request, name))
    if found is None or found.user_id != context(request).user.id:
        raise ApiError(404)
    return found


def _mine[T: (NotificationMethod, Rule)](request: web.Request, table: dict[int, T]) -> list[T]:
    user_id = context(request).user.id
    return sorted((v for v in table.values() if v.user_id == user_id), key=lambda v: v.id)


async def list_methods(request: web.Request) -> web.Response:
    """GET /rts/notifications/methods/."""
    return page(request, _mine(request, rts(request).methods), method_json)


async def create_method(request: web.Request) -> web.Response:
    """POST /rts/notifications/methods/ (answers 200, as the spec says)."""
    fields = _method_fields(await json_object(request), None)
    state = rts(request)
    method = NotificationMethod(
        id=world(request).next_id("method"), user_id=context(request).user.id, **fields
    )
    state.methods[method.id] = method
    return web.json_response(method_json(method))


async def get_method(request: web.Request) -> web.Response:
    """GET /rts/notifications/methods/{method_id}/."""
    return web.json_response(method_json(_owned(request, rts(request).methods, "method_id")))


async def update_method(request: web.Request) -> web.Response:
    """PUT /rts/notifications/methods/{method_id}/."""
    method = _owned(request, rts(request).methods, "method_id")
    for name, value in _method_fields(await json_object(request), method).items():
        setattr(method, name, value)
    return web.json_response(method_json(method))


def rule_json(rule: Rule) -> dict[str, Any]:
    """Render a NotificationRuleObject."""
    return {
        "id": rule.id,
        "notification_method": rule.notification_method,
        "message_type": rule.message_type,
        "allowed_cameras": list(rule.allowed_cameras),
        "allowed_arrow_clients": list(rule.allowed_arrow_clients),
    }


def _rule_fields(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    method_id = body.get("notification_method")
    method = rts(request).methods.get(method_id) if isinstance(method_id, int) else None
    if method is None or method.user_id != context(request).user.id:
        raise invalid("notification_method", f'Invalid pk "{method_id}" - object does not exist.')
    message_type = body.get("message_type")
    if message_type not in MESSAGE_TYPES:
        raise invalid("message_type", f'"{message_type}" is not a valid choice.')
    cameras = body.get("allowed_cameras", [])
    if not isinstance(cameras, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in cameras
    ):
        raise invalid("allowed_cameras", "Expected a list of camera ids.")
    arrows = body.get("allowed_arrow_clients", [])
    if not isinstance(arrows, list) or not all(isinstance(a, str) for a in arrows):
        raise invalid("allowed_arrow_clients", "Expected a list of UUIDs.")
    return {
        "notification_method": method_id,
        "message_type": message_type,
        "allowed_cameras": cameras,
        "allowed_arrow_clients": arrows,
    }


async def list_rules(request: web.Request) -> web.Response:
    """GET /rts/notifications/rules/."""
    return page(request, _mine(request, rts(request).rules), rule_json)


async def create_rule(request: web.Request) -> web.Response:
    """POST /rts/notifications/rules/ (answers 200)."""
    fields = _rule_fields(request, await json_object(request))
    rule = Rule(id=world(request).next_id("rule"), user_id=context(request).user.id, **fields)
    rts(request).rules[rule.id] = rule
    return web.json_response(rule_json(rule))


async def get_rule(request: web.Request) -> web.Response:
    """GET /rts/notifications/rules/{rule_id}/."""
    return web.json_response(rule_json(_owned(request, rts(request).rules, "rule_id")))


async def update_rule(request: web.Request) -> web.Response:
    """PUT /rts/notifications/rules/{rule_id}/."""
    rule = _owned(request, rts(request).rules, "rule_id")
    for name, value in _rule_fields(request, await json_object(request)).items():
        setattr(rule, name, value)
    return web.json_response(rule_json(rule))


def routes() -> list[web.RouteDef]:
    """Return the RTS and camera-event routes (under /v1)."""
    return [
        web.get("/v1/rts/", get_settings),
        web.put("/v1/rts/", put_settings),
        web.post("/v1/rts/arm/", _arming(armed=True)),
        web.post("/v1/rts/disarm/", _arming(armed=False)),
        web.get("/v1/rts/incidents/", incidents),
        web.get("/v1/rts/incidents/{incident_id}/", incident),
        web.get("/v1/rts/messages/", messages),
        web.post("/v1/rts/messages/set-all-read/", set_all_read),
        web.get("/v1/rts/messages/unread-count/", unread_count),
        web.get("/v1/rts/messages/{message_id}/", message),
        web.put("/v1/rts/messages/{message_id}/", update_message),
        web.get("/v1/rts/notifications/methods/", list_methods),
        web.post("/v1/rts/notifications/methods/", create_method),
        web.get("/v1/rts/notifications/methods/{method_id}/", get_method),
        web.put("/v1/rts/notifications/methods/{method_id}/", update_method),
        web.get("/v1/rts/notifications/rules/", list_rules),
        web.post("/v1/rts/notifications/rules/", create_rule),
        web.get("/v1/rts/notifications/rules/{rule_id}/", get_rule),
        web.put("/v1/rts/notifications/rules/{rule_id}/", update_rule),
        web.get("/v1/cameras/{camera_id}/events/", camera_events),
    ]
