"""Part 5: time per pick as the library grows and as a household's history grows.

Synthetic libraries of 1,000 to 100,000 starters (generated ``Starter`` records spread
over moments, depths and audiences like the real ones) and a household that has already
heard 0%, 50%, 90% or 99% of the cell it asks from. A pick is what a turn does: look up the
cell's pool, then ``pick`` from it. Every figure is time per pick over the 1,000-starter,
0%-heard case; flat (constant or logarithmic) stays within 2x.
"""

from __future__ import annotations

import random
import time

from benchmarks import Figure, Goal, median, ratio
from skill.core.moments import Moment
from skill.core.starters import AUDIENCES, DEPTHS, THEMES, Library, Starter, pick

__all__ = ["FRACTIONS", "SIZES", "build_library", "heard_bits", "measure", "run", "time_batch"]

SIZES = (1_000, 10_000, 100_000)
FRACTIONS = (0.0, 0.5, 0.9, 0.99)
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


def heard_bits(library: Library, fraction: float, seed: int = 2) -> int:
    """A heard-set for the cell's moment: `fraction` of the cell heard (at least one
    starter left), and the same share of the rest of the moment."""
    rng = random.Random(seed)
    moment, depth, audience = CELL
    pool = library.pool(moment, depth, audience)
    cell = [s.number for s in pool.starters]
    heard_in_cell = min(len(cell) - 1, round(fraction * len(cell)))
    numbers = rng.sample(cell, heard_in_cell)
    in_cell = set(cell)
    rest = [s.number for s in library if s.moment is moment and s.number not in in_cell]
    numbers += rng.sample(rest, round(fraction * len(rest)))
    bits = 0
    for number in numbers:
        bits |= 1 << number
    return bits


def time_batch(library: Library, heard: int, batch: int, rng: random.Random) -> float:
    """Seconds per pick over one batch of picks from the same heard-set."""
    moment, depth, audience = CELL
    started = time.perf_counter()
    for _ in range(batch):
        pick(library.pool(moment, depth, audience), heard, rng)
    return (time.perf_counter() - started) / batch


def measure(
    sizes: tuple[int, ...] = SIZES,
    fractions: tuple[float, ...] = FRACTIONS,
    rounds: int = 30,
    batch: int = 200,
) -> tuple[dict[tuple[int, float], float], dict[int, float], dict[int, int]]:
    """Seconds per pick by (size, fraction); seconds to build, and cell size, by size.

    Every case gets one batch per round, round after round, so a change in the machine's
    load mid-run touches all of them alike; each case's figure is its median batch.
    """
    builds: dict[int, float] = {}
    cells: dict[int, int] = {}
    cases: dict[tuple[int, float], tuple[Library, int]] = {}
    for size in sizes:
        started = time.perf_counter()
        library = build_library(size)
        builds[size] = time.perf_counter() - started
        cells[size] = len(library.pool(*CELL).starters)
        for fraction in fractions:
            cases[size, fraction] = (library, heard_bits(library, fraction))
    rng = random.Random(3)
    batches: dict[tuple[int, float], list[float]] = {case: [] for case in cases}
    for _ in range(rounds):
        for case, (library, heard) in cases.items():
            batches[case].append(time_batch(library, heard, batch, rng))
    return {case: median(times) for case, times in batches.items()}, builds, cells


def run(quick: bool = False, sizes: tuple[int, ...] = SIZES) -> list[Figure]:
    rounds, batch = (5, 100) if quick else (30, 200)
    per_pick, builds, cells = measure(sizes, FRACTIONS, rounds=rounds, batch=batch)
    base = per_pick[sizes[0], FRACTIONS[0]]
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
    figures.append(
        Figure(
            f"baseline: one pick, {sizes[0]:,} starters, nothing heard",
            (base * 1e6,),
            unit="us",
        )
    )
    figures.append(
        Figure(
            f"library build per starter, {sizes[-1]:,} / {sizes[0]:,} ({builds[sizes[-1]]:.2f} s)",
            (ratio(builds[sizes[-1]] / sizes[-1], builds[sizes[0]] / sizes[0]),),
            note="info, 1x = linear",
        )
    )
    return figures
