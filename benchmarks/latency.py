"""Part 1: in-process latency per request type, against a hello-world ASK SDK skill.

Each request goes the Lambda handler's way (event dict -> JSON -> envelope -> skill ->
response dict). One household's evening (see ``workload.VISIT``) is replayed for many
households, each starting from a lived-in record; every envelope is answered by our skill
on an in-memory store, by our skill on a SQLite file and by the hello-world skill, one
right after the other, so all three share the machine's state of the moment.

Nothing in-process waits (one thread, no contention, no network), so a request's latency
is the CPU time its thread spends. The ratios use that clock, which other processes on a
busy machine cannot inflate; wall-clock ratios are reported beside them as a check.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from benchmarks import Figure, Goal, median, percentile, ratio
from benchmarks.workload import (
    EVENING,
    SECONDS_BETWEEN_TURNS,
    VISIT,
    Clock,
    Visit,
    hello_world_skill,
    households,
    invoke,
    our_skill,
    seed_record,
    stateful_hello_world_skill,
)
from skill.core.household import merge
from skill.storage import HouseholdStore, MemoryStore, SqliteStore

__all__ = ["KINDS", "measure", "run"]

KINDS = ("launch", "starter", "next", "deeper", "save", "checkin", "rating", "help")
KIND_LABELS = {
    "launch": "launch",
    "starter": "starter",
    "next": "next",
    "deeper": "deeper",
    "save": "save favourite",
    "checkin": "check-in: CheckInIntent",
    "rating": "check-in: RatingIntent",
    "help": "help",
    "skill_disabled": "SkillDisabled",
}
GOAL = Goal("<=", 2.0)
# Issue 14's goals for the "next" turn against a hello-world as fast at reading envelopes.
NEXT_GOALS = {"memory": Goal("<=", 1.5), "sqlite": Goal("<=", 2.0)}
SIDES = ("memory", "sqlite", "hello", "floor-memory", "floor-sqlite")
# The stateful hello-world on each store (`workload.stateful_hello_world_skill`): the
# least a turn that reads and writes a household's record can cost there.
FLOORS = {"memory": "floor-memory", "sqlite": "floor-sqlite"}


class _Complaints(logging.Handler):
    """Counts warnings and errors the skill logs: a fast apology is not a fast answer."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


Samples = dict[str, dict[str, list[float]]]


def _clock_cost(clock: Callable[[], float], reads: int = 2000) -> float:
    """What one back-to-back pair of readings of `clock` costs, to take off each sample."""
    pairs = []
    for _ in range(reads):
        started = clock()
        pairs.append(clock() - started)
    return median(pairs)


def measure(visits: int, directory: Path, warm_up: int = 20) -> tuple[Samples, Samples, int]:
    """Seconds per request by side and kind, in thread CPU time and in wall-clock time,
    and how many warnings the skill logged.

    The first `warm_up` visits are not timed (connections, caches, first imports).
    """
    clock = Clock()
    stores: dict[str, HouseholdStore] = {
        "memory": MemoryStore(merge=merge, clock=clock),
        "sqlite": SqliteStore(directory / "households.db", merge=merge, clock=clock),
        "floor-memory": MemoryStore(merge=merge, clock=clock),
        "floor-sqlite": SqliteStore(directory / "floor.db", merge=merge, clock=clock),
    }
    skills = {
        "memory": our_skill(stores["memory"], clock),
        "sqlite": our_skill(stores["sqlite"], clock),
        "hello": hello_world_skill(),
        "floor-memory": stateful_hello_world_skill(stores["floor-memory"]),
        "floor-sqlite": stateful_hello_world_skill(stores["floor-sqlite"]),
    }
    seed = seed_record(MemoryStore(merge=merge, clock=clock), clock)
    cpu: Samples = {side: defaultdict(list) for side in SIDES}
    wall: Samples = {side: defaultdict(list) for side in SIDES}
    cpu_cost, wall_cost = _clock_cost(time.thread_time), _clock_cost(time.perf_counter)
    complaints = _Complaints()
    logger = logging.getLogger("skill")
    users = households("latency")
    logger.addHandler(complaints)
    try:
        for number in range(warm_up + visits):
            user = next(users)
            for store in stores.values():
                store.put(user, dict(seed))
            visit = Visit(user)
            clock.now = EVENING
            for position, step in enumerate(VISIT):
                event = visit.event(step)
                turn = position % len(SIDES)
                order = SIDES[turn:] + SIDES[:turn]
                for side in order:
                    wall_started, cpu_started = time.perf_counter(), time.thread_time()
                    response = invoke(skills[side], event)
                    cpu_elapsed = time.thread_time() - cpu_started - cpu_cost
                    wall_elapsed = time.perf_counter() - wall_started - wall_cost
                    if number >= warm_up:
                        cpu[side][step.kind].append(cpu_elapsed)
                        wall[side][step.kind].append(wall_elapsed)
                    if side == "memory":
                        visit.heard(response)
                clock.now += SECONDS_BETWEEN_TURNS
    finally:
        logger.removeHandler(complaints)
    return cpu, wall, complaints.count


def _pooled(samples: Samples, side: str) -> list[float]:
    return [t for kind_samples in samples[side].values() for t in kind_samples]


def run(quick: bool = False, visits: int | None = None, warm_up: int = 20) -> list[Figure]:
    visits = visits or (150 if quick else 2000)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as directory:
        cpu, wall, complaints = measure(visits, Path(directory), warm_up)
    hello = cpu["hello"]
    figures = []
    for store in ("memory", "sqlite"):
        ours = cpu[store]
        for kind in (*KINDS, "skill_disabled"):
            values = (
                ratio(median(ours[kind]), median(hello[kind])),
                ratio(percentile(ours[kind], 99), percentile(hello[kind], 99)),
            )
            goals = (GOAL, GOAL) if store == "memory" else (None, None)
            if kind == "next":
                goals = (NEXT_GOALS[store], goals[1])
            figures.append(
                Figure(
                    f"latency {KIND_LABELS[kind]}, {store} store (n={len(ours[kind])})",
                    values,
                    goals=goals,
                    labels=("median", "p99"),
                    note="" if store == "memory" else "vs hello-world",
                )
            )
    for store, floor in FLOORS.items():
        # What any skill that keeps a record pays on this store, and ours against that.
        figures.append(
            Figure(
                f"floor: stateful hello-world on the {store} store, next",
                (
                    ratio(median(cpu[floor]["next"]), median(hello["next"])),
                    ratio(percentile(cpu[floor]["next"], 99), percentile(hello["next"], 99)),
                ),
                labels=("median", "p99"),
                note="vs hello-world, info",
            )
        )
        figures.append(
            Figure(
                f"latency next, {store} store, against that floor",
                (
                    ratio(median(cpu[store]["next"]), median(cpu[floor]["next"])),
                    ratio(percentile(cpu[store]["next"], 99), percentile(cpu[floor]["next"], 99)),
                ),
                labels=("median", "p99"),
                note="info",
            )
        )
        figures.append(
            Figure(
                f"all types, {store} store, against that floor",
                (
                    ratio(median(_pooled(cpu, store)), median(_pooled(cpu, floor))),
                    ratio(percentile(_pooled(cpu, store), 99), percentile(_pooled(cpu, floor), 99)),
                ),
                labels=("median", "p99"),
                note="info",
            )
        )
    for store in ("memory", "sqlite"):
        ours, base = _pooled(wall, store), _pooled(wall, "hello")
        figures.append(
            Figure(
                f"wall-clock check, all types, {store} store",
                (
                    ratio(median(ours), median(base)),
                    ratio(percentile(ours, 99), percentile(base, 99)),
                ),
                labels=("median", "p99"),
                note="info",
            )
        )
    everything = _pooled(cpu, "hello")
    figures.append(
        Figure(
            "baseline: hello-world, all types, CPU time",
            (median(everything) * 1000, percentile(everything, 99) * 1000),
            unit="ms",
            labels=("median", "p99"),
        )
    )
    figures.append(
        Figure(
            "warnings or errors the skill logged",
            (complaints,),
            unit="",
            goals=(Goal("==", 0),),
        )
    )
    return figures
