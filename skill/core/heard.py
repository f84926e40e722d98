"""What a household has heard, kept so that one more starter costs the same at any size.

A heard-set is one bit per starter number of a moment (bit n for `<moment>-n`). It lives in
a bytearray rather than a Python int: asking about one starter or marking it heard then
touches one byte, where an int would be copied whole on every change. Whole-set work
(counting what is left, starting a cell over, merging two devices) stays linear, and runs
only when a cell runs out or two writes meet. The bytes are big-endian, as the stored
form has always been (schema 2), so a record reads the same in every release.

A walk is how a household goes through one cell: like a shuffled deck, a random stride
and start over the cell's fixed order, so the next starter is found in one step instead
of by searching the heard-set. A new stride and start each time the cell starts over keep
the order fresh for the next round.
"""

from __future__ import annotations

import base64
import binascii
import math
import random
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_ENCODED", "HeardSet", "Walk"]

MAX_ENCODED = 20_000  # characters: far above any real library, so a damaged field is refused
_MAX_CELL = 8 * MAX_ENCODED  # no cell can hold more starters than a heard-set has bits
_CELL_LIMIT = 1 << 32  # a cell's fingerprint is 32 bits
_SIX_INTS = [int] * 6


class HeardSet:
    """A set of starter numbers as a big-endian bitmap, never starting with a zero byte."""

    __slots__ = ("_bits",)

    def __init__(self, numbers: tuple[int, ...] | list[int] | set[int] = ()) -> None:
        self._bits = bytearray()
        for number in numbers:
            self.add(number)

    @classmethod
    def from_int(cls, bits: int) -> HeardSet:
        heard = cls()
        heard._replace(bits)
        return heard

    def __int__(self) -> int:
        return int.from_bytes(self._bits, "big")

    def __contains__(self, number: int) -> bool:
        index = len(self._bits) - 1 - (number >> 3)
        return index >= 0 and self._bits[index] >> (number & 7) & 1 == 1

    def add(self, number: int) -> None:
        short = (number >> 3) + 1 - len(self._bits)
        if short > 0:  # a new highest starter: room in front, once per new byte
            self._bits[0:0] = bytes(short)
        self._bits[len(self._bits) - 1 - (number >> 3)] |= 1 << (number & 7)

    def unheard(self, mask: int) -> int:
        """The members of `mask` (a bitmap of starter numbers) not in this set."""
        return mask ^ (mask & int(self))

    def forget(self, mask: int) -> None:
        """Drop every member of `mask`: one cell starting over, the rest kept."""
        self._replace(int(self) & ~mask)

    def update(self, other: HeardSet) -> None:
        """Add every member of `other` (two devices' memories merged)."""
        self._replace(int(self) | int(other))

    def copy(self) -> HeardSet:
        heard = HeardSet()
        heard._bits = bytearray(self._bits)
        return heard

    def _replace(self, bits: int) -> None:
        self._bits = bytearray(bits.to_bytes((bits.bit_length() + 7) // 8, "big"))

    def __bool__(self) -> bool:
        return bool(self._bits)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HeardSet) and self._bits == other._bits

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"HeardSet.from_int({int(self):#x})"

    def encode(self) -> str:
        """URL-safe base64 of the bitmap's bytes, unpadded: the stored form."""
        return base64.urlsafe_b64encode(self._bits).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, value: Any) -> HeardSet | None:
        """The set a stored string holds, or None if it is not one."""
        if not isinstance(value, str) or len(value) > MAX_ENCODED:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (ValueError, binascii.Error):
            return None
        heard = cls()
        heard._bits = bytearray(raw.lstrip(b"\0"))
        return heard


@dataclass(slots=True)
class Walk:
    """One household's way through one cell: position p is entry (start + p * stride) % size
    of the cell's order. A stride sharing no factor with the size visits every entry once.

    `cell` is the fingerprint of the cell's starters when the walk began, so a cell that has
    changed since (a content release added, retired or swapped starters) gets a new walk.
    `spent` records that every starter of the cell was found heard, so the cells after it
    are tried without counting this one again.
    """

    size: int
    stride: int
    start: int
    position: int = 0
    spent: bool = False
    cell: int = 0

    @classmethod
    def shuffled(cls, size: int, cell: int, rng: random.Random) -> Walk:
        stride = 1
        if size > 2:
            stride = rng.randrange(1, size)
            while math.gcd(stride, size) != 1:
                stride = rng.randrange(1, size)
        return cls(size, stride, rng.randrange(size) if size else 0, cell=cell)

    def to_list(self) -> list[int]:
        return [self.size, self.stride, self.start, self.position, int(self.spent), self.cell]

    @classmethod
    def from_list(cls, raw: Any) -> Walk | None:
        """A stored walk, or None if it is damaged (the household then just starts a new one)."""
        # Read on every turn for every walk kept: plain comparisons, no generators.
        if type(raw) is not list or len(raw) != 6 or list(map(type, raw)) != _SIX_INTS:
            return None
        size, stride, start, position, spent, cell = raw
        if (
            0 < size < _MAX_CELL
            and 0 < stride < max(size, 2)
            and 0 <= start < size
            and 0 <= position <= size
            and 0 <= spent <= 1
            and 0 <= cell < _CELL_LIMIT
            and math.gcd(stride, size) == 1
        ):
            return cls(size, stride, start, position, bool(spent), cell)
        return None

    def same_deal(self, other: Walk) -> bool:
        """Whether two walks go through the same cell in the same order (positions compare)."""
        return (self.size, self.stride, self.start, self.cell) == (
            other.size,
            other.stride,
            other.start,
            other.cell,
        )
