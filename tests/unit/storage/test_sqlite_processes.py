"""Two processes sharing one SQLite file (e.g. two gunicorn workers) lose no update."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from skill.storage import SqliteStore
from tests.unit.storage.helpers import append_ids

CYCLES = 200


def test_two_processes_appending_to_one_household_lose_nothing(tmp_path: Path) -> None:
    # GIVEN two freshly spawned processes and a database file neither has opened yet
    path = str(tmp_path / "shared" / "households.db")
    context = multiprocessing.get_context("spawn")
    start, merges = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=append_ids, args=(path, name, CYCLES, start, merges))
        for name in ("a", "b")
    ]
    # WHEN each does its read-modify-save cycles on the same household at the same time
    for worker in workers:
        worker.start()
    try:
        merge_counts = [merges.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=10)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    # THEN both finished cleanly and every id from both is stored
    assert [worker.exitcode for worker in workers] == [0, 0], merge_counts
    with SqliteStore(path) as store:
        stored = store.get("household") or {}
    expected = {f"{name}-{number}" for name in ("a", "b") for number in range(CYCLES)}
    assert set(stored["ids"]) == expected
    assert len(stored["ids"]) == len(expected)
    # AND the processes really raced: some saves had to merge
    assert sum(merge_counts) > 0
