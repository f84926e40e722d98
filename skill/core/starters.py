"""The starter library: load once, index by cell, pick without repeats.

A household's "heard" memory is one bitset per moment, bit n standing for starter number n
of that moment (the digits of its id). Ids are stable and never reused, so the bitsets stay
valid as the library grows, their size is bounded by the library rather than by how many
turns a household takes, and merging two devices' memories is a bitwise OR.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from skill.core.moments import Moment

__all__ = [
    "AUDIENCES",
    "DEPTHS",
    "THEMES",
    "Library",
    "Pool",
    "Starter",
    "load_library",
    "pick",
]

DEPTHS = (1, 2, 3)
AUDIENCES = ("partners", "friends", "any")
THEMES = ("memories", "gratitude", "dreams", "needs", "play", "repair", "everyday")
STARTERS_DIR = Path(__file__).resolve().parent.parent / "content" / "starters"
_PROBES = 24
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Starter:
    id: str
    text: str
    moment: Moment
    depth: int
    audience: str
    theme: str

    @property
    def number(self) -> int:
        """The bit this starter owns in its moment's heard-set."""
        return int(self.id.rsplit("-", 1)[1])


@dataclass(frozen=True, slots=True)
class Pool:
    """The starters one household may get in one (moment, depth) cell."""

    moment: Moment
    depth: int
    starters: tuple[Starter, ...]
    mask: int

    def unheard(self, heard: int) -> int:
        return self.mask & ~heard


def eligible_audiences(audience: str) -> frozenset[str]:
    """A couple hears partner and general starters; friends, friend and general ones.

    A household that has not said which it is hears only general starters, so nobody
    gets a romantic question by accident.
    """
    if audience == "partners":
        return frozenset({"partners", "any"})
    if audience == "friends":
        return frozenset({"friends", "any"})
    return frozenset({"any"})


class Library:
    """All starters, with one precomputed pool per (moment, depth, audience) cell."""

    def __init__(self, starters: Iterable[Starter]) -> None:
        self.by_id: dict[str, Starter] = {}
        for starter in starters:
            if starter.id in self.by_id:
                raise ValueError(f"duplicate starter id {starter.id}")
            self.by_id[starter.id] = starter
        self._pools: dict[tuple[Moment, int, str], Pool] = {}
        for moment in Moment:
            for depth in DEPTHS:
                for audience in AUDIENCES:
                    allowed = eligible_audiences(audience)
                    members = tuple(
                        s
                        for s in self.by_id.values()
                        if s.moment is moment and s.depth == depth and s.audience in allowed
                    )
                    mask = 0
                    for s in members:
                        mask |= 1 << s.number
                    self._pools[moment, depth, audience] = Pool(moment, depth, members, mask)

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[Starter]:
        return iter(self.by_id.values())

    def get(self, starter_id: str | None) -> Starter | None:
        return self.by_id.get(starter_id) if starter_id else None

    def pool(self, moment: Moment, depth: int, audience: str) -> Pool:
        """The cell's pool, or the nearest non-empty one so a request is never unanswered."""
        audience = audience if audience in AUDIENCES else "any"
        for m in (moment, Moment.ANYTIME, *Moment):
            for d in sorted(DEPTHS, key=lambda d: abs(d - depth)):
                pool = self._pools[m, d, audience]
                if pool.starters:
                    return pool
        raise LookupError("the starter library is empty")


def pick(pool: Pool, heard: int, rng: random.Random) -> tuple[Starter, int]:
    """A starter this household has not heard in this cell, and its updated heard-set.

    When every starter of the cell has been heard, the cell starts over silently. Random
    probing keeps a pick O(1) on average while most of the pool is unheard; only near the
    end of a cycle, when few remain, does it list the unheard ones.
    """
    unheard = pool.unheard(heard)
    if not unheard:
        heard &= ~pool.mask
        unheard = pool.mask
    for _ in range(_PROBES):
        starter = rng.choice(pool.starters)
        if unheard >> starter.number & 1:
            return starter, heard | (1 << starter.number)
    by_number = {s.number: s for s in pool.starters}
    remaining = [by_number[n] for n in _bits(unheard)]
    starter = rng.choice(remaining)
    return starter, heard | (1 << starter.number)


def _bits(value: int) -> Iterator[int]:
    while value:
        low = value & -value
        yield low.bit_length() - 1
        value ^= low


def parse_starters(document: Mapping, source: str) -> list[Starter]:
    """Starters from one moment file; a malformed entry names its file and id."""
    moment = Moment(document["moment"])
    result = []
    for entry in document.get("starters") or ():
        try:
            result.append(
                Starter(
                    id=str(entry["id"]),
                    text=" ".join(str(entry["text"]).split()),
                    moment=moment,
                    depth=int(entry["depth"]),
                    audience=str(entry["audience"]),
                    theme=str(entry["theme"]),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{source}: bad starter {entry!r}: {error}") from error
    return result


@cache
def load_library(directory: Path = STARTERS_DIR) -> Library:
    """The library from its data files, read once per process."""
    starters: list[Starter] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "retired.yaml":
            continue
        with path.open(encoding="utf-8") as handle:
            starters.extend(parse_starters(yaml.load(handle, Loader=_Loader), path.name))
    return Library(starters)
