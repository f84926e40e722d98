"""The starter library: load once, index by cell, pick without repeats.

A household's "heard" memory is one bitset per moment, bit n standing for starter number n
of that moment (the digits of its id). Ids are stable and never reused, so the bitsets stay
valid as the library grows, their size is bounded by the library rather than by how many
turns a household takes, and merging two devices' memories is a bitwise OR.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
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
_FIRST_PROBES = 4  # before counting what is left: enough while most of the cell is unheard
_PROBES = 24
_DENSE = 8  # probe on while at least 1 in 8 of the cell is unheard; else pick by rank
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
    """The starters one household may get in one (moment, depth) cell.

    ``numbers`` (each starter's bit, in the same order) and ``by_number`` are indexes
    made once here, so a pick never parses an id or scans the pool.
    """

    moment: Moment
    depth: int
    starters: tuple[Starter, ...]
    mask: int
    numbers: tuple[int, ...] = field(default=(), compare=False, repr=False)
    by_number: Mapping[int, Starter] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.numbers) != len(self.starters):
            object.__setattr__(self, "numbers", tuple(s.number for s in self.starters))
        if len(self.by_number) != len(self.starters):
            object.__setattr__(
                self, "by_number", dict(zip(self.numbers, self.starters, strict=True))
            )

    def unheard(self, heard: int) -> int:
        return self.mask ^ (self.mask & heard)  # mask & ~heard, without a full-width ~


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
        # One pass: each starter joins every cell whose audience may hear it, in library
        # order (the order picks draw from).
        cells: dict[tuple[Moment, int, str], list[Starter]] = {
            (moment, depth, audience): []
            for moment in Moment
            for depth in DEPTHS
            for audience in AUDIENCES
        }
        hearers = {
            kind: [a for a in AUDIENCES if kind in eligible_audiences(a)] for kind in AUDIENCES
        }
        for s in self.by_id.values():
            for audience in hearers.get(s.audience, ()):
                cell = cells.get((s.moment, s.depth, audience))
                if cell is not None:
                    cell.append(s)
        self._pools: dict[tuple[Moment, int, str], Pool] = {}
        for (moment, depth, audience), members in cells.items():
            numbers = tuple(s.number for s in members)
            mask = 0
            for number in numbers:
                mask |= 1 << number
            self._pools[moment, depth, audience] = Pool(
                moment,
                depth,
                tuple(members),
                mask,
                numbers,
                dict(zip(numbers, members, strict=True)),
            )
        # The pool each request falls back to, resolved once instead of on every turn.
        self._nearest: dict[tuple[Moment, int, str], Pool | None] = {
            key: self._find_pool(*key) for key in self._pools
        }

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[Starter]:
        return iter(self.by_id.values())

    def get(self, starter_id: str | None) -> Starter | None:
        return self.by_id.get(starter_id) if starter_id else None

    def pool(self, moment: Moment, depth: int, audience: str) -> Pool:
        """The cell's pool, or the nearest non-empty one so a request is never unanswered."""
        audience = audience if audience in AUDIENCES else "any"
        key = (moment, depth, audience)
        pool = self._nearest[key] if key in self._nearest else self._find_pool(*key)
        if pool is None:
            raise LookupError("the starter library is empty")
        return pool

    def _find_pool(self, moment: Moment, depth: int, audience: str) -> Pool | None:
        for m in (moment, Moment.ANYTIME, *Moment):
            for d in sorted(DEPTHS, key=lambda d: abs(d - depth)):
                pool = self._pools[m, d, audience]
                if pool.starters:
                    return pool
        return None


def pick(pool: Pool, heard: int, rng: random.Random) -> tuple[Starter, int]:
    """A starter this household has not heard in this cell, and its updated heard-set.

    When every starter of the cell has been heard, the cell starts over silently. A few
    random probes find an unheard starter while most of the cell is unheard; when they
    miss, the unheard ones are counted, and either probing goes on (at least one in
    ``_DENSE`` unheard) or one is taken by rank, in steps that grow with the log of the
    library's size rather than with the pool. Every unheard starter is equally likely.
    """
    numbers = pool.numbers
    size = len(numbers)
    for _ in range(_FIRST_PROBES):
        number = numbers[rng.randrange(size)]
        if not heard >> number & 1:
            return pool.by_number[number], heard | (1 << number)
    unheard = pool.unheard(heard)
    if not unheard:
        heard &= ~pool.mask
        unheard = pool.mask
    left = unheard.bit_count()
    if left * _DENSE >= size:
        for _ in range(_PROBES):
            number = numbers[rng.randrange(size)]
            if unheard >> number & 1:
                return pool.by_number[number], heard | (1 << number)
    number = _nth_bit(unheard, rng.randrange(left))
    return pool.by_number[number], heard | (1 << number)


def _nth_bit(value: int, n: int) -> int:
    """The position of the n-th lowest set bit of value (n from 0, below its bit count).

    Halves the range while it is wide, keeping the half that holds the bit (log2 of the
    width in Python steps, each a few C-level big-int operations), then steps through
    the last word's set bits.
    """
    position, width = 0, value.bit_length()
    while width > 64:
        half = width >> 1
        low = value & ((1 << half) - 1)
        count = low.bit_count()
        if n < count:
            value, width = low, half
        else:
            n -= count
            value >>= half
            position += half
            width -= half
    for _ in range(n):
        value &= value - 1  # drop the lowest set bit
    return position + (value & -value).bit_length() - 1


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
