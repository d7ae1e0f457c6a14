"""Webhook events generated from LINE's own webhook.yml: well-formed, then one field wrong."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from islandos import clock
from tests.support.webhook import line_user_id, new_event_id

SPEC = Path(__file__).resolve().parent.parent / "fakes" / "line_openapi" / "webhook.yml"
Schema = dict[str, Any]

# Values of the wrong type for each type the spec declares.
WRONG = {
    "object": ["x", 7, [], True],
    "string": [7, {}, [], False],
    "integer": ["1700000000000", 1.5, True, {}],
    "number": ["26.1", True, []],
    "boolean": ["true", 1, {}],
    "array": [{}, "x", 3],
}
# Values of the right type that only make sense in their place.
PLACES = {
    "userId": lambda: line_user_id(4242), "groupId": lambda: "C" + "a" * 32,
    "roomId": lambda: "R" + "b" * 32, "latitude": lambda: 26.16, "longitude": lambda: 127.82,
}


@cache
def schemas() -> dict[str, Schema]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return dict(spec["components"]["schemas"])


def _resolve(schema: Schema) -> Schema:
    """A schema with its $ref followed and its allOf parts merged into one object schema."""
    if "$ref" in schema:
        return _resolve(schemas()[schema["$ref"].rsplit("/", 1)[1]])
    if "allOf" not in schema:
        return schema
    merged: Schema = {"type": "object", "properties": {}, "required": []}
    for part in schema["allOf"]:
        part = _resolve(part)
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += part.get("required", [])
    return merged


def _subtypes(schema: Schema) -> dict[str, str]:
    """A discriminated base's subtypes: the value of its `type` field → schema name."""
    mapping = _resolve(schema).get("discriminator", {}).get("mapping", {})
    return {key: ref.rsplit("/", 1)[1] for key, ref in mapping.items()}


def example(schema: Schema, name: str = "", kind: str | None = None) -> Any:
    """A well-formed value of `schema` (a discriminated base becomes its subtype `kind`, or its
    first one); every property is filled, so every field can then be made wrong."""
    subtypes = _subtypes(schema)
    if subtypes:
        kind = kind if kind in subtypes else next(iter(subtypes))
        value = example(schemas()[subtypes[kind]], name)
        value["type"] = kind
        return value
    schema = _resolve(schema)
    if name in PLACES:
        return PLACES[name]()
    if "enum" in schema:
        return schema["enum"][0]
    kind_of = schema.get("type", "object")
    if kind_of == "object":
        properties = schema.get("properties", {})
        if not properties and "additionalProperties" in schema:
            return {"date": "2026-11-25"}
        return {key: example(sub, key) for key, sub in properties.items()}
    if kind_of == "array":
        return [example(schema.get("items", {}), name)]
    return {"string": "x", "integer": 1, "number": 1.5, "boolean": False}[kind_of]


def well_formed(event_type: str, reply_token: Callable[[], str],
                message_type: str | None = None) -> dict[str, Any]:
    """An event of `event_type` as LINE would send it to a one-to-one chat, now."""
    event = example(schemas()["Event"], kind=event_type)
    if message_type is not None:
        event["message"] = example(schemas()["MessageContent"], "message", message_type)
    event.update(timestamp=int(clock.now().timestamp() * 1000), mode="active",
                 webhookEventId=new_event_id(), deliveryContext={"isRedelivery": False},
                 source={"type": "user", "userId": line_user_id(4242)})
    if "replyToken" in event:
        event["replyToken"] = reply_token()
    return event


def _paths(schema: Schema, value: Any, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], str]]:
    """Every field of a well-formed value, with the type the spec declares for it."""
    subtypes = _subtypes(schema)
    if subtypes and isinstance(value, dict) and value.get("type") in subtypes:
        schema = schemas()[subtypes[value["type"]]]
    schema = _resolve(schema)
    kind_of = "object" if subtypes else schema.get("type", "object")
    if path:
        yield path, kind_of
    if kind_of == "object" and isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                yield from _paths(sub, value[key], (*path, key))
    elif kind_of == "array" and isinstance(value, list) and value:
        yield from _paths(schema.get("items", {}), value[0], (*path, "0"))


def _replaced(event: dict[str, Any], path: tuple[str, ...], wrong: Any) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    holder: Any = changed
    for step in path[:-1]:
        holder = holder[int(step)] if isinstance(holder, list) else holder[step]
    if isinstance(holder, list):
        holder[int(path[-1])] = wrong
    else:
        holder[path[-1]] = wrong
    changed["webhookEventId"] = new_event_id()
    return changed


def event_types() -> list[tuple[str, str | None]]:
    """Every event type of the spec, message events once per message type."""
    found: list[tuple[str, str | None]] = [
        (kind, None) for kind in _subtypes(schemas()["Event"]) if kind != "message"]
    return found + [("message", kind) for kind in _subtypes(schemas()["MessageContent"])]


def wrongly_typed_events(reply_token: Callable[[], str], variants: int = 4) -> Iterator[
        tuple[str, dict[str, Any]]]:
    """For every event type of the spec (and every message type), each field in turn given
    `variants` values of other types than the spec declares: (what was changed, the event).
    With fewer variants than there are, the wrong values taken turn from field to field."""
    turn = 0
    for event_type, message_type in event_types():
        event = well_formed(event_type, reply_token, message_type)
        for path, declared in _paths(schemas()["Event"], event):
            if path == ("webhookEventId",):
                continue  # each generated event needs its own id to be stored at all
            wrongs = WRONG.get(declared, [])
            for n in range(min(variants, len(wrongs))):
                wrong = wrongs[(turn + n) % len(wrongs)]
                label = f"{event_type}{'/' + message_type if message_type else ''} " \
                        f"{'.'.join(path)}={wrong!r}"
                yield label, _replaced(event, path, wrong)
            turn += 1
