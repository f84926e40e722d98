"""The library's coverage, cell by cell: what a couple and what friends can get."""

from __future__ import annotations

import random

from skill.core.moments import Moment
from skill.core.starters import (
    AUDIENCES,
    DEPTHS,
    THEMES,
    Library,
    Starter,
    eligible_audiences,
    load_library,
)

__all__ = ["blind_sample", "cell_counts", "coverage_table", "sample_line", "theme_table"]


def cell_counts(library: Library) -> dict[tuple[Moment, int, str], int]:
    """Starters per (moment, depth, audience tag)."""
    counts = {(m, d, a): 0 for m in Moment for d in DEPTHS for a in AUDIENCES}
    for starter in library:
        counts[starter.moment, starter.depth, starter.audience] += 1
    return counts


def coverage_table(library: Library | None = None) -> str:
    library = library or load_library()
    counts = cell_counts(library)
    header = f"{'moment':<9} {'depth':>5} {'any':>5} {'partners':>9} {'friends':>8}"
    header += f" {'couple gets':>12} {'friends get':>12}"
    rows = [header, "-" * len(header)]
    for moment in Moment:
        for depth in DEPTHS:
            tagged = {a: counts[moment, depth, a] for a in AUDIENCES}
            couple = sum(tagged[a] for a in eligible_audiences("partners"))
            friends = sum(tagged[a] for a in eligible_audiences("friends"))
            rows.append(
                f"{moment.value:<9} {depth:>5} {tagged['any']:>5} {tagged['partners']:>9} "
                f"{tagged['friends']:>8} {couple:>12} {friends:>12}"
            )
    rows.append(f"total: {len(library)}")
    return "\n".join(rows)


def theme_table(library: Library | None = None) -> str:
    """Starters per theme and moment, with how many of them friends can get."""
    library = library or load_library()
    friendly = set(eligible_audiences("friends"))
    header = f"{'theme':<12}" + "".join(f" {m.value:>8}" for m in Moment)
    header += f" {'total':>6} {'friends':>8}"
    rows = [header, "-" * len(header)]
    for theme in THEMES:
        mine = [s for s in library if s.theme == theme]
        per_moment = "".join(f" {sum(s.moment is m for s in mine):>8}" for m in Moment)
        for_friends = sum(s.audience in friendly for s in mine)
        rows.append(f"{theme:<12}{per_moment} {len(mine):>6} {for_friends:>8}")
    return "\n".join(rows)


def blind_sample(library: Library, seed: int, count: int = 40) -> list[Starter]:
    """`count` starters at random for a blind review: the same seed gives the same sample
    whatever order the files were read in, so a review names its seed and can be redrawn."""
    everyone = sorted(library, key=lambda starter: starter.id)
    return random.Random(seed).sample(everyone, min(count, len(everyone)))


def sample_line(number: int, starter: Starter) -> str:
    """What the reader sees of one starter: its moment, depth and audience, never its id."""
    return (
        f"{number}. [{starter.moment.value}, depth {starter.depth}, for {starter.audience}]"
        f" {starter.text}"
    )
