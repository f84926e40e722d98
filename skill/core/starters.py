"""The starter library: load once, index by cell, draw without repeats.

A household's memory of a moment is a heard-set (bit n for starter number n of that
moment, the digits of its id) and one walk per cell (see `skill.core.heard`). Ids are
stable and never reused, so the heard-sets stay valid as the library grows, their size is
bounded by the library rather than by how many turns a household takes, and merging two
devices' memories is a union.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from skill.core import compiled
from skill.core.heard import HeardSet, Walk
from skill.core.moments import Moment

__all__ = [
    "AUDIENCES",
    "DEPTHS",
    "THEMES",
    "Library",
    "Pool",
    "Starter",
    "cell_key",
    "draw",
    "load_library",
    "load_retired",
    "parse_retired",
]

DEPTHS = (1, 2, 3)
AUDIENCES = ("partners", "friends", "any")
THEMES = (
    "memories",
    "gratitude",
    "dreams",
    "needs",
    "play",
    "repair",
    "everyday",
    "attention",  # phones down: noticing, being noticed, undivided time
    "closeness",  # needs out of step: one wants closeness, the other space, and it changes
    "giving",  # give and take: what each gives, receives, asks for
    "guessing",  # reading the other: guess first, then ask
    "home-life",  # everyday life together, done warmly: chores, money, family, plans
    "activities",  # small shared things to do, in the starter's own words
)
STARTERS_DIR = compiled.CONTENT_DIR / "starters"
_SKIPS = 16  # heard starters a walk steps over before it counts what is left instead


class Starter(NamedTuple):
    """One starter. A named tuple rather than a frozen dataclass: the library makes 1,500
    of them at every cold start, and a tuple is made three times as fast."""

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
    """The starters one household may get in one (moment, depth, audience) cell.

    ``starters`` is in a fixed shuffled order that every process agrees on, the order
    walks step through. ``numbers`` (each starter's bit, in the same order) and
    ``by_number`` are indexes made once here, so a draw never parses an id or scans the pool.
    """

    moment: Moment
    depth: int
    audience: str
    starters: tuple[Starter, ...]
    mask: int
    numbers: tuple[int, ...] = field(default=(), compare=False, repr=False)
    by_number: Mapping[int, Starter] = field(default_factory=dict, compare=False, repr=False)
    key: str = field(default="", compare=False, repr=False)  # names the household's walk
    fingerprint: int = field(default=0, compare=False, repr=False)  # changes with its starters

    def __post_init__(self) -> None:
        if len(self.numbers) != len(self.starters):
            object.__setattr__(self, "numbers", tuple(s.number for s in self.starters))
        if len(self.by_number) != len(self.starters):
            object.__setattr__(
                self, "by_number", dict(zip(self.numbers, self.starters, strict=True))
            )
        object.__setattr__(self, "key", cell_key(self.moment, self.depth, self.audience))
        ids = ",".join(sorted(s.id for s in self.starters))
        object.__setattr__(self, "fingerprint", zlib.crc32(ids.encode("utf-8")))

    def unheard(self, heard: HeardSet) -> int:
        """This cell's unheard starters as a bitmap (linear in the moment's size)."""
        return heard.unheard(self.mask)


def cell_key(moment: Moment, depth: int, audience: str = "") -> str:
    """The name a household's walk through a cell is stored under; without an audience,
    the start every audience's key for that moment and depth shares."""
    return f"{moment.value}-{depth}-{audience}"


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

    def __init__(
        self,
        starters: Iterable[Starter],
        retired: Callable[[], Mapping[str, Starter]] | None = None,
    ) -> None:
        # Retired starters are never picked, but an id a household kept (a favourite, a
        # starter in progress across a release) must still say its words: read on first need.
        self._retired = retired
        self.by_id: dict[str, Starter] = {}
        for starter in starters:
            if starter.id in self.by_id:
                raise ValueError(f"duplicate starter id {starter.id}")
            self.by_id[starter.id] = starter
        # One pass: each starter joins every cell whose audience may hear it. A cell becomes
        # a Pool (shuffled, indexed) when first asked for: a request needs one or two of the
        # 45, so a cold start builds those and not the rest.
        self._cells: dict[tuple[Moment, int, str], list[Starter]] = {
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
                cell = self._cells.get((s.moment, s.depth, audience))
                if cell is not None:
                    cell.append(s)
        self._pools: dict[tuple[Moment, int, str], Pool] = {}
        # The cell each request falls back to, resolved once instead of on every turn.
        self._nearest: dict[tuple[Moment, int, str], tuple[Moment, int, str] | None] = {
            key: self._find_cell(*key) for key in self._cells
        }

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[Starter]:
        return iter(self.by_id.values())

    def get(self, starter_id: str | None) -> Starter | None:
        """The starter an id names, from the library or, once retired, from its record."""
        if not starter_id:
            return None
        starter = self.by_id.get(starter_id)
        if starter is None and self._retired is not None:
            starter = self._retired().get(starter_id)
        return starter

    def pool(self, moment: Moment, depth: int, audience: str) -> Pool:
        """The cell's pool, or the nearest non-empty one so a request is never unanswered."""
        audience = audience if audience in AUDIENCES else "any"
        key = (moment, depth, audience)
        cell = self._nearest[key] if key in self._nearest else self._find_cell(*key)
        if cell is None:
            raise LookupError("the starter library is empty")
        pool = self._pools.get(cell)
        if pool is None:
            pool = self._pools[cell] = self._make_pool(*cell)
        return pool

    def _make_pool(self, moment: Moment, depth: int, audience: str) -> Pool:
        # From id order, seeded by the cell and its size (a string seed hashes the same in
        # every process): every process, whatever the files' order, walks the same order.
        members = sorted(self._cells[moment, depth, audience], key=lambda s: s.id)
        random.Random(f"{moment.value}-{depth}-{audience}-{len(members)}").shuffle(members)
        numbers = tuple(s.number for s in members)
        mask = 0
        for number in numbers:
            mask |= 1 << number
        return Pool(
            moment,
            depth,
            audience,
            tuple(members),
            mask,
            numbers,
            dict(zip(numbers, members, strict=True)),
        )

    def _find_cell(
        self, moment: Moment, depth: int, audience: str
    ) -> tuple[Moment, int, str] | None:
        for m in (moment, Moment.ANYTIME, *Moment):
            for d in sorted(DEPTHS, key=lambda d: abs(d - depth)):
                if self._cells[m, d, audience]:
                    return (m, d, audience)
        return None


def draw(pool: Pool, heard: HeardSet, walk: Walk, rng: random.Random) -> Starter | None:
    """An unheard starter of the pool, marked heard; None once every one has been heard.

    The walk names the next one in a step. Starters heard some other way (another device,
    the same starter in a neighbouring cell, a content release) are stepped over; after
    ``_SKIPS`` of them, or at the walk's end, the unheard ones are counted and one taken
    by rank, each equally likely, so no starter is ever missed. `walk` must be this
    pool's (dealt for its size and fingerprint).
    """
    if walk.spent:
        return None
    numbers, size = pool.numbers, walk.size
    for _ in range(min(_SKIPS, size - walk.position)):
        index = (walk.start + walk.position * walk.stride) % size
        walk.position += 1
        number = numbers[index]
        if number not in heard:
            heard.add(number)
            return pool.starters[index]
    unheard = pool.unheard(heard)
    if not unheard:
        walk.spent = True
        return None
    number = _nth_bit(unheard, rng.randrange(unheard.bit_count()))
    heard.add(number)
    return pool.by_number[number]


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


def parse_starters(document: Mapping[str, Any], source: str) -> list[Starter]:
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


def parse_retired(document: Mapping[str, Any], source: str) -> list[Starter]:
    """Retired starters' records; each one's moment is its id's prefix."""
    result = []
    for entry in document.get("retired") or ():
        try:
            moment = Moment(str(entry["id"]).split("-", 1)[0])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{source}: bad retired starter {entry!r}: {error}") from error
        # (parse_starters names the file and the entry of anything else that is wrong)
        result.extend(parse_starters({"moment": moment.value, "starters": [entry]}, source))
    return result


@cache
def load_retired() -> dict[str, Starter]:
    """Every retired starter by id, read once per process and only when first needed."""
    starters: list[Starter] = []
    for name, data in sorted(compiled.load("retired").items()):
        starters.extend(parse_retired(data, name))
    return {s.id: s for s in starters}


@cache
def load_library(directory: Path = STARTERS_DIR) -> Library:
    """The library from its data files (compiled, see `skill.core.compiled`), read once
    per process; from a directory of YAML files when one is given (then without the
    retired starters' records)."""
    if directory == STARTERS_DIR:
        files = compiled.load("starters")
    else:
        files = {path.name: compiled.read_yaml(path) for path in directory.glob("*.yaml")}
    starters: list[Starter] = []
    for name, data in sorted(files.items()):
        starters.extend(parse_starters(data, name))
    return Library(starters, retired=load_retired if directory == STARTERS_DIR else None)
