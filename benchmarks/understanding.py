"""Part 6: understanding a line, as the console (and the Home Assistant door) does it.

The whole grammar is matched with hassil (``skill.language.nlu``), so a line costs far more than a
lookup. Shown as information against one in-process hello-world ASK SDK turn, the unit of
part 1: what understanding adds to a console turn. Every corpus line of en-US, timed
after one warm-up pass.
"""

from __future__ import annotations

import time

from benchmarks import Figure, median, percentile, ratio
from benchmarks.workload import hello_world_skill, invoke
from skill.language.coverage import load_corpus
from skill.language.nlu import Resolver
from skill.tools.envelopes import envelope, launch_request, new_session

__all__ = ["run"]


def run(quick: bool = False) -> list[Figure]:
    resolver = Resolver.for_locale("en-US")
    lines = [line.says for line in load_corpus() if line.locale in (None, "en-US")]
    if quick:
        lines = lines[:40]
    for says in lines:
        resolver.resolve(says)
    timings = []
    for says in lines:
        started = time.perf_counter()
        resolver.resolve(says)
        timings.append(time.perf_counter() - started)
    turn = _hello_world_turn(200 if quick else 2000)
    return [
        Figure(
            f"understand one line ({len(lines)} corpus lines), median and p99",
            (median(timings) * 1000, percentile(timings, 99) * 1000),
            unit="ms",
            labels=("median", "p99"),
        ),
        Figure(
            "the same, against one hello-world skill turn",
            (ratio(median(timings), turn), ratio(percentile(timings, 99), turn)),
            labels=("median", "p99"),
            note="info",
        ),
    ]


def _hello_world_turn(turns: int) -> float:
    """The median time of one LaunchRequest through the hello-world skill, in seconds."""
    skill = hello_world_skill()
    body = envelope(launch_request(), session=new_session())
    timings = []
    for _ in range(turns):
        started = time.perf_counter()
        invoke(skill, body)
        timings.append(time.perf_counter() - started)
    return median(timings)
