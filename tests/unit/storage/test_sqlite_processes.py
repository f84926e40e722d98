"""Two processes sharing one SQLite file (e.g. two gunicorn workers) lose no update."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.storage import SqliteStore, ours_wins
from tests.unit.storage.helpers import append_ids, run_spawned

CYCLES = 200

# The race is real only when both processes get a core: never beside the CPU-heavy
# corpus measurement (tests/unit/test_coverage.py shares the group).
pytestmark = pytest.mark.xdist_group("writers")


def test_two_processes_appending_to_one_household_lose_nothing(tmp_path: Path) -> None:
    # GIVEN two freshly spawned processes and a database file neither has opened yet
    path = str(tmp_path / "shared" / "households.db")
    # WHEN each does its read-modify-save cycles on the same household at the same time
    merge_counts = run_spawned(
        append_ids, [(path, name, CYCLES) for name in ("a", "b")], timeout=30
    )
    # THEN both finished cleanly and every id from both is stored
    with SqliteStore(path, merge=ours_wins) as store:
        stored = store.get("household") or {}
    expected = {f"{name}-{number}" for name in ("a", "b") for number in range(CYCLES)}
    assert set(stored["ids"]) == expected
    assert len(stored["ids"]) == len(expected)
    # AND the processes really raced: some saves had to merge
    assert sum(merge_counts) > 0
