"""The benchmark harness runs: every part with tiny counts. No timing is asserted, only
that each part measures something and reports it in the table's shape."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest

from benchmarks import Figure, Goal, age, cold_start, growth, latency, percentile, store_calls
from benchmarks.__main__ import header, main, table
from skill.storage import MemoryStore


def check(figures: list[Figure]) -> None:
    assert figures
    for figure in figures:
        assert figure.values and figure.verdict in ("PASS", "MISS", "info")
        assert all(isinstance(v, int | float) for v in figure.values)
        assert figure.value_text() and figure.goal_text()


def test_figures_render_as_one_table():
    rows = [
        Figure("a ratio", (1.5, 2.5), goals=(Goal("<=", 2),) * 2, labels=("median", "p99")),
        Figure("a count", (0,), unit="", goals=(Goal("==", 0),)),
        Figure("a time", (12.0,), unit="ms"),
    ]
    assert [f.verdict for f in rows] == ["MISS", "PASS", "info"]
    lines = table([("section", rows)])
    assert lines[0].split() == ["figure", "value", "goal", "verdict"]
    assert any("median 1.50x / p99 2.50x" in line for line in lines)
    assert any(line.startswith("machine:") for line in header(["--quick"]))
    assert percentile([3, 1, 2], 50) == 2 and math.isnan(percentile([], 99))


def test_latency_part_runs():
    check(latency.run(visits=2, warm_up=1))


def test_latency_visits_start_from_a_lived_in_record(monkeypatch):
    """Each timed visit reads the three-week record it was seeded with, not an empty one
    (the harness once put the seed nowhere, and timed only first evenings)."""
    first_reads: dict[tuple[int, str], bool] = {}

    class CountingStore(MemoryStore):
        def read(self, key):
            attributes = super().read(key)
            if "latency-" in key:  # a timed household, not the one the seed is lived by
                first_reads.setdefault((id(self), key), bool(attributes.get("heard")))
            return attributes

    monkeypatch.setattr(latency, "MemoryStore", CountingStore)
    with tempfile.TemporaryDirectory() as directory:
        latency.measure(visits=3, directory=Path(directory), warm_up=1)
    # Ours and the stateful floor on the memory store, four households each.
    assert len(first_reads) == 2 * 4 and all(first_reads.values())


def test_store_calls_part_runs():
    figures = store_calls.run(visits=1)
    check(figures)
    assert figures[-1].values == (1,), "one Settings API call in six days"


def test_cold_start_part_runs():
    check(cold_start.run(runs=1))


def test_age_part_runs():
    figures = age.run(turns=2, nights=3)
    check(figures)
    assert "record" in figures[0].name


def test_growth_part_runs():
    per_pick, _, cells = growth.measure((200, 400), (0.0, 0.99), rounds=1, batch=3)
    assert len(per_pick) == 4 + 3 * 2 and all(cells.values())
    check(growth.run(quick=True, sizes=(200, 400)))


def test_the_command_runs_a_part(capsys):
    assert main(["--quick", "--only", "growth"]) == 0
    out = capsys.readouterr().out
    assert "figure" in out and "5. growth" in out


@pytest.mark.slow
@pytest.mark.xdist_group("serve")
def test_web_part_runs():
    from benchmarks import web

    figures = web.run(seconds=0.5, rounds=1, warm_up=0.2)
    check(figures)
    assert figures[2].values == (200, 400), "verification is on for both servers"
