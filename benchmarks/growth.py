"""Part 5: time per pick as the library grows and as a household's history grows.

Synthetic libraries of 1,000 to 100,000 starters (generated ``Starter`` records spread
over moments, depths and audiences like the real ones) and a household that has already
heard 0%, 50%, 90% or 99% of the cell it asks from, through its own turns, and the same
share of the rest of that moment ("0%" is one starter: a household that has begun the
cell; the very first pick, which also deals its walk, has a row of its own). A pick is
what a turn does: ``fresh_starter`` (look up the cell, its walk and heard-set, take the
next unheard starter). Each timed pick starts
from its own copy of the household, so every one is taken at exactly that share. Every
figure is time per pick over the 1,000-starter, 0%-heard case; flat (constant or
logarithmic) stays within 2x.

Two rows are information, not goals: a cell 99% heard some other way than by the
household's own walk (another device's turns merged in, or a content release), where the
pick counts what is left (linear in the moment's size, at C speed); and reading plus
writing the record, whose heard-sets are one bit per starter of the library.
"""

from __future__ import annotations

import random
import time

from benchmarks import Figure, Goal, median, ratio
from skill.core.conversation import fresh_starter
from skill.core.heard import HeardSet
from skill.core.household import Household
from skill.core.moments import Moment
from skill.core.starters import AUDIENCES, DEPTHS, THEMES, Library, Starter

__all__ = [
    "FRACTIONS",
    "SIZES",
    "build_library",
    "household_after",
    "measure",
    "run",
    "time_batch",
]

SIZES = (1_000, 10_000, 100_000)
FRACTIONS = (0.0, 0.5, 0.9, 0.99)
ELSEWHERE = 0.99
CELL = (Moment.DINNER, 2, "partners")
GOAL = Goal("<=", 2.0)


def build_library(size: int, seed: int = 1) -> Library:
    """`size` starters with ids numbered per moment, like the content files."""
    rng = random.Random(seed)
    moments = list(Moment)
    numbers = dict.fromkeys(moments, 0)
    starters = []
    for _ in range(size):
        moment = rng.choice(moments)
        numbers[moment] += 1
        starters.append(
            Starter(
                id=f"{moment.value}-{numbers[moment]:04d}",
                text="What is one small thing the other did this week that you noticed?",
                moment=moment,
                depth=rng.choice(DEPTHS),
                audience=rng.choice(AUDIENCES),
                theme=rng.choice(THEMES),
            )
        )
    return Library(starters)


def household_after(
    library: Library, fraction: float, *, own_turns: bool = True, seed: int = 2
) -> Household:
    """A couple who heard `fraction` of the cell (at least one starter left) and the same
    share of the rest of its moment: by their own turns through the cell, or (own_turns
    False) all of it some other way, as when another device's record is merged in."""
    rng = random.Random(seed)
    moment, depth, audience = CELL
    pool = library.pool(moment, depth, audience)
    household = Household(audience=audience)
    heard_in_cell = min(len(pool.starters) - 1, round(fraction * len(pool.starters)))
    if own_turns:
        for _ in range(max(heard_in_cell, 1)):
            fresh_starter(household, library, moment, depth, rng)
    heard = household.heard.setdefault(moment.value, HeardSet())
    if not own_turns:
        for starter in rng.sample(pool.starters, heard_in_cell):
            heard.add(starter.number)
    in_cell = set(pool.numbers)
    rest = [s.number for s in library if s.moment is moment and s.number not in in_cell]
    for number in rng.sample(rest, round(fraction * len(rest))):
        heard.add(number)
    return household


def time_batch(library: Library, household: Household, batch: int, rng: random.Random) -> float:
    """Seconds per pick, each pick from its own copy of the household (copied untimed)."""
    moment, depth, _ = CELL
    copies = [Household.from_dict(household.to_dict()) for _ in range(batch)]
    started = time.perf_counter()
    for copy in copies:
        fresh_starter(copy, library, moment, depth, rng)
    return (time.perf_counter() - started) / batch


def time_record(household: Household, batch: int) -> float:
    """Seconds to read the household's record and write it back (decode and encode)."""
    record = household.to_dict()
    started = time.perf_counter()
    for _ in range(batch):
        Household.from_dict(record).to_dict()
    return (time.perf_counter() - started) / batch


Case = tuple[int, float | str]


def measure(
    sizes: tuple[int, ...] = SIZES,
    fractions: tuple[float, ...] = FRACTIONS,
    rounds: int = 30,
    batch: int = 200,
) -> tuple[dict[Case, float], dict[int, float], dict[int, int]]:
    """Seconds per pick by (size, fraction), plus (size, "first"), (size, "elsewhere") and
    (size, "record") cases; seconds to build, and cell size, by size.

    Every case gets one batch per round, round after round, so a change in the machine's
    load mid-run touches all of them alike; each case's figure is its median batch.
    """
    builds: dict[int, float] = {}
    cells: dict[int, int] = {}
    picks: dict[Case, tuple[Library, Household]] = {}
    for size in sizes:
        started = time.perf_counter()
        library = build_library(size)
        builds[size] = time.perf_counter() - started
        cells[size] = len(library.pool(*CELL).starters)
        for fraction in fractions:
            picks[size, fraction] = (library, household_after(library, fraction))
        picks[size, "elsewhere"] = (library, household_after(library, ELSEWHERE, own_turns=False))
        picks[size, "first"] = (library, Household(audience=CELL[2]))
    rng = random.Random(3)
    batches: dict[Case, list[float]] = {case: [] for case in picks}
    batches.update({(size, "record"): [] for size in sizes})
    for _ in range(rounds):
        for case, (library, household) in picks.items():
            batches[case].append(time_batch(library, household, batch, rng))
            if case[1] == "elsewhere":
                batches[case[0], "record"].append(time_record(household, batch))
    return {case: median(times) for case, times in batches.items()}, builds, cells


def run(quick: bool = False, sizes: tuple[int, ...] = SIZES) -> list[Figure]:
    rounds, batch = (5, 100) if quick else (30, 200)
    per_pick, builds, cells = measure(sizes, FRACTIONS, rounds=rounds, batch=batch)
    base = per_pick[sizes[0], FRACTIONS[0]]
    first, last = sizes[0], sizes[-1]
    figures = []
    for size in sizes:
        figures.append(
            Figure(
                f"pick, {size:,} starters (cell {cells[size]:,}), by share heard",
                tuple(ratio(per_pick[size, f], base) for f in FRACTIONS),
                goals=(GOAL,) * len(FRACTIONS),
                labels=tuple(f"{f:.0%}" for f in FRACTIONS),
            )
        )
    figures += [
        Figure(
            f"baseline: one pick, {first:,} starters, cell begun (0%)",
            (base * 1e6,),
            unit="us",
        ),
        Figure(
            "first pick of all (deals the walk), by library size",
            tuple(ratio(per_pick[size, "first"], base) for size in sizes),
            labels=tuple(f"{size // 1000}k" for size in sizes),
            note="info: once per cell and round",
        ),
        Figure(
            f"pick, {ELSEWHERE:.0%} of the cell heard another way, by library size",
            tuple(ratio(per_pick[size, "elsewhere"], base) for size in sizes),
            labels=tuple(f"{size // 1000}k" for size in sizes),
            note="info: counts what is left, linear at C speed",
        ),
        Figure(
            f"read + write the record, {ELSEWHERE:.0%} heard, by library size",
            tuple(ratio(per_pick[size, "record"], base) for size in sizes),
            labels=tuple(f"{size // 1000}k" for size in sizes),
            note="info: one bit per starter",
        ),
        Figure(
            f"library build per starter, {last:,} / {first:,} ({builds[last]:.2f} s)",
            (ratio(builds[last] / last, builds[first] / first),),
            note="info, 1x = linear",
        ),
    ]
    return figures
