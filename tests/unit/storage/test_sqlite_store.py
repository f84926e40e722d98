"""What only the SQLite store does: files, WAL, purging, threads, and staying light."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from skill.storage import SqliteStore, ours_wins
from tests.unit.storage.helpers import DAY, FakeClock, union_merge

HOUSEHOLD = "amzn1.ask.account.ASQLITEHOUSEHOLD"
LIFETIME = 400 * DAY


def _row_count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM households").fetchone()
    connection.close()
    return int(count)


def test_file_and_directories_appear_on_first_use(tmp_path: Path) -> None:
    # GIVEN a store on a path whose directories do not exist yet
    path = tmp_path / "deep" / "er" / "households.db"
    store = SqliteStore(path, merge=ours_wins)
    # WHEN it is only constructed THEN nothing is on disk
    assert not path.parent.exists()
    # WHEN it is first used THEN the directories, file and table are there
    assert store.get(HOUSEHOLD) is None
    assert path.is_file()
    assert _row_count(path) == 0
    store.close()


def test_database_uses_write_ahead_logging(tmp_path: Path) -> None:
    # GIVEN a store that has been used
    path = tmp_path / "households.db"
    with SqliteStore(path, merge=ours_wins) as store:
        store.put(HOUSEHOLD, {"heard": []})
    # WHEN another program opens the file THEN it is in WAL mode (readers never block writers)
    with sqlite3.connect(path) as connection:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    connection.close()
    assert mode == "wal"


def test_expired_rows_are_purged_when_the_store_opens(tmp_path: Path) -> None:
    # GIVEN a file holding one household that expired while the skill was down
    path = tmp_path / "households.db"
    clock = FakeClock()
    with SqliteStore(path, clock=clock, merge=ours_wins) as store:
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        store.put("someone-active", {"heard": ["s-002"]})
    clock.advance(LIFETIME)
    with SqliteStore(path, clock=clock, merge=ours_wins) as store:
        store.put("someone-active", store.get("someone-active") or {})
    # WHEN a new store opens the file 10 days later
    clock.advance(10 * DAY)
    with SqliteStore(path, clock=clock, merge=ours_wins) as reopened:
        assert reopened.get("someone-active") is not None
    # THEN the expired row is gone from the file, the active one stays
    assert _row_count(path) == 1


def test_expired_rows_are_purged_at_most_hourly_during_use(tmp_path: Path) -> None:
    # GIVEN a running store with one household about to expire
    path = tmp_path / "households.db"
    clock = FakeClock()
    store = SqliteStore(path, clock=clock, merge=ours_wins)
    store.put(HOUSEHOLD, {"heard": ["s-001"]})
    clock.advance(LIFETIME - 60)
    store.put("someone-active", {"heard": []})
    # WHEN it expires but less than an hour of use has passed since the last purge
    clock.advance(60)
    assert store.get(HOUSEHOLD) is None
    # THEN it is hidden but still in the file
    assert _row_count(path) == 2
    # WHEN the hour has passed
    clock.advance(60 * 60)
    store.get("someone-active")
    # THEN it is purged
    assert _row_count(path) == 1
    store.close()


def test_threads_saving_one_household_lose_nothing(tmp_path: Path) -> None:
    # GIVEN eight threads sharing one store, each appending its own ids to one household
    store = SqliteStore(tmp_path / "households.db", merge=union_merge)
    errors: list[BaseException] = []

    def append_ids(worker: int) -> None:
        try:
            for number in range(25):
                attributes = store.get(HOUSEHOLD) or {}
                attributes.setdefault("ids", []).append(f"{worker}-{number}")
                store.put(HOUSEHOLD, attributes)
        except BaseException as error:  # surfaced below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=append_ids, args=(worker,)) for worker in range(8)]
    # WHEN they all run at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every id from every thread was kept
    assert errors == []
    stored = store.get(HOUSEHOLD) or {}
    assert sorted(stored["ids"]) == sorted(f"{w}-{n}" for w in range(8) for n in range(25))
    store.close()


def test_closed_store_reopens_on_next_use(tmp_path: Path) -> None:
    # GIVEN a store that saved and was closed
    store = SqliteStore(tmp_path / "households.db", merge=ours_wins)
    store.put(HOUSEHOLD, {"heard": ["s-001"]})
    store.close()
    # WHEN it is used again THEN it works on the same data
    assert store.get(HOUSEHOLD) == {"heard": ["s-001"], "_version": 1}
    store.close()


def test_sqlite_store_does_not_import_boto3(tmp_path: Path) -> None:
    # GIVEN a fresh interpreter WHEN it opens and uses a SQLite store
    script = (
        "import sys\n"
        "from skill.storage import open_store, ours_wins\n"
        f"store = open_store('sqlite:///{tmp_path}/households.db', merge=ours_wins)\n"
        "store.put('household', {'heard': []})\n"
        "print('boto3' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    # THEN boto3 was never imported (a local run does not pay for it)
    assert result.stdout.strip() == "False"
