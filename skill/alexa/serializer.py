"""Reading request envelopes into the ASK SDK's model objects, through its public API only.

The SDK's `DefaultSerializer` does the reading in name-mangled private methods, so it can
be changed only by overriding those. This serializer overrides only its public
`deserialize`: responses and anything but a request envelope go to the SDK unchanged;
envelopes are built here from the
models' own public description of themselves (`deserialized_types`, `attribute_map`,
`get_real_child_model`), the same walk the SDK makes, with three differences:

- timestamps are read with `datetime.fromisoformat` first (dateutil's general parser was
  the largest single cost of reading a request), dateutil only for other forms;
- a body the web front door has already parsed is not parsed again (`already_parsed`);
- a SkillDisabled event keeps its `body`, the one thing that says whether to delete the
  household's data, which ask_sdk_model's SkillDisabledRequest has no field for.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

__all__ = ["SkillSerializer", "already_parsed"]

DISABLED = "AlexaSkillEvent.SkillDisabled"
_PARSED: ContextVar[tuple[str, Any] | None] = ContextVar("parsed_envelope", default=None)
_NATIVE: dict[str, type] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "bytes": bytes,
    "object": object,
    "date": date,
    "datetime": datetime,
}
_LIST = re.compile(r"list\[(.*)\]")
_DICT = re.compile(r"dict\(([^,]*), (.*)\)")


@contextmanager
def already_parsed(text: str, data: Any) -> Iterator[None]:
    """While inside, an envelope whose text is `text` is read from `data` instead of being
    parsed again (the web front door parses each body to check it before the SDK reads it).
    """
    token = _PARSED.set((text, data))
    try:
        yield
    finally:
        _PARSED.reset(token)


class SkillSerializer(DefaultSerializer):
    """The SDK's serializer, with request envelopes read as the module docstring says."""

    def __init__(self) -> None:
        self._classes: dict[str, type] = {}

    def deserialize(self, payload: Any, obj_type: Any) -> Any:
        if obj_type is not RequestEnvelope or payload is None:
            return super().deserialize(payload, obj_type)
        parsed = _PARSED.get()
        if parsed is not None and parsed[0] == payload:
            data = parsed[1]
        else:
            try:
                data = json.loads(payload)
            except Exception as error:
                raise SerializationException(f"Couldn't parse request body: {payload}") from error
        return self.read_envelope(data)

    def read_envelope(self, data: Any) -> RequestEnvelope:
        """A request envelope from its parsed JSON: the Lambda event arrives parsed, so it
        need not be written out as text for `deserialize` to parse again."""
        try:
            envelope = self._build(data, RequestEnvelope)
        except SerializationException:
            raise
        except Exception as error:
            raise SerializationException(str(error)) from error
        request = data.get("request") if isinstance(data, dict) else None
        if isinstance(request, dict) and request.get("type") == DISABLED and envelope is not None:
            body = request.get("body")
            envelope.request.body = body if isinstance(body, dict) else {}
        return envelope

    def _build(self, data: Any, kind: Any) -> Any:
        """`data` (parsed JSON) as `kind`: a model class, or the SDK's name for a type."""
        if data is None:
            return None
        if isinstance(kind, str):
            if kind.startswith("list["):
                match = _LIST.match(kind)
                inner = match.group(1).strip() if match else "object"
                return [self._build(item, inner) for item in data]
            if kind.startswith("dict("):
                match = _DICT.match(kind)
                inner = match.group(2) if match else "object"
                return {key: self._build(value, inner) for key, value in data.items()}
            kind = _NATIVE.get(kind) or self._class(kind)
        if kind is object:
            return data
        if kind in (date, datetime):
            return _timestamp(data, kind)
        if kind in (str, int, float, bool, bytes):
            try:
                return kind(data)
            except TypeError:
                return data
            except ValueError as error:
                raise SerializationException(
                    f"Failed to parse {data} into {kind.__name__}"
                ) from error
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind(data)
        if not hasattr(kind, "deserialized_types"):
            return data
        return self._model(data, kind)

    def _model(self, data: dict[str, Any], kind: Any) -> Any:
        if hasattr(kind, "get_real_child_model"):
            name = kind.get_real_child_model(data)
            if not name:
                raise SerializationException(f"Couldn't resolve the type of a {kind.__name__}")
            kind = self._class(name)
        names = {**{name: name for name in kind.deserialized_types}, **kind.attribute_map}
        model = kind()
        for attribute, key in names.items():
            if key in data:
                setattr(
                    model, attribute, self._build(data[key], kind.deserialized_types[attribute])
                )
        known = set(names.values())
        for key, value in data.items():
            if key not in known:
                setattr(model, key, value)  # as the SDK does: unknown fields are kept
        return model

    def _class(self, name: str) -> type:
        found = self._classes.get(name)
        if found is None:
            module, _, attribute = name.rpartition(".")
            try:
                found = getattr(importlib.import_module(module), attribute)
            except Exception as error:
                raise SerializationException(f"Unable to resolve class {name}") from error
            self._classes[name] = found
        return found


def _timestamp(data: Any, kind: type) -> Any:
    """An ISO 8601 time (or any form dateutil reads); anything but text is refused."""
    if not isinstance(data, str):
        raise SerializationException(f"A time must be text, not {type(data).__name__}")
    try:
        parsed = datetime.fromisoformat(data)
    except ValueError:
        from dateutil.parser import parse  # a dependency of the SDK itself

        try:
            parsed = parse(data)
        except (ValueError, OverflowError) as error:
            raise SerializationException(f"Failed to parse {data} as a time") from error
    return parsed.date() if kind is date else parsed
