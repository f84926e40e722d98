"""Reading stored fields tolerantly: a damaged value (a time that is not a number, NaN, a
wrong type) falls back to its default instead of locking the household out, and is
counted, so the edge that read the record can log it once."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "as_bool",
    "as_dict",
    "as_float",
    "as_int",
    "as_list",
    "choice",
    "note_damage",
    "noticing_damage",
]

_DAMAGE: ContextVar[list[str] | None] = ContextVar("damaged_fields", default=None)


@contextmanager
def noticing_damage() -> Iterator[list[str]]:
    """While inside, each damaged value read is noted as "<wanted> from <found type>"."""
    noted: list[str] = []
    token = _DAMAGE.set(noted)
    try:
        yield noted
    finally:
        _DAMAGE.reset(token)


def note_damage(wanted: str, value: Any) -> None:
    """Note a damaged value read some other way than these helpers (inside compact text)."""
    _damaged(wanted, value)


def _damaged(wanted: str, value: Any) -> None:
    noted = _DAMAGE.get()
    if noted is not None and value is not None:
        noted.append(f"{wanted} from {type(value).__name__}")


def choice(value: Any, allowed: tuple[str, ...], default: str) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    _damaged("choice", value)
    return default


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return list(value)
    _damaged("list", value)
    return []


def as_dict(value: Any) -> dict[Any, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    _damaged("mapping", value)
    return {}


def as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    _damaged("bool", value)
    return default


def as_int(value: Any, default: int) -> int:
    if type(value) is int:  # the usual case, straight from JSON
        return value
    if not isinstance(value, bool):
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError):
            pass
    _damaged("int", value)
    return default


def as_float(value: Any, default: float) -> float:
    """A finite number: NaN and infinity are damage too (they cannot be written back)."""
    if type(value) is float and math.isfinite(value):
        return value
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if math.isfinite(number):
            return number
    _damaged("number", value)
    return default
