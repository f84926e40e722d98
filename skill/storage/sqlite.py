"""Households in one local SQLite file: for `serve` and `chat` on a laptop or a small host.

WAL mode and a busy timeout let several threads and processes (e.g. gunicorn workers) share
the file; a write compares versions inside ``BEGIN IMMEDIATE`` so no update is lost.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skill.storage.base import (
    KEY_ATTRIBUTE,
    TTL_ATTRIBUTE,
    Clock,
    HouseholdStore,
    Merge,
    Sleep,
    StoredRecord,
)

__all__ = ["PURGE_INTERVAL_SECONDS", "TABLE", "SqliteStore"]

TABLE = "households"
PURGE_INTERVAL_SECONDS = 60 * 60
_SCHEMA_VERSION = 1
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    f" {KEY_ATTRIBUTE} TEXT PRIMARY KEY,"
    " attributes TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    f" {TTL_ATTRIBUTE} INTEGER NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_{TTL_ATTRIBUTE} ON {TABLE} ({TTL_ATTRIBUTE})",
    f"PRAGMA user_version = {_SCHEMA_VERSION}",
)

logger = logging.getLogger(__name__)


class SqliteStore(HouseholdStore):
    """A HouseholdStore in a SQLite file, created with its directories on first use.

    Connections come from a small pool, so each thread works on its own connection and a
    thread-per-request server does not leak one per request. Expired rows are purged on
    first use and then at most once an hour.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        merge: Merge,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        busy_timeout: float = 5.0,
    ) -> None:
        super().__init__(merge=merge, clock=clock, sleep=sleep)
        self.path = Path(path).absolute()
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._schema_ready = False
        self._next_purge = float("-inf")

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def close(self) -> None:
        """Close idle connections; the store reopens on its next use."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- HouseholdStore I/O -------------------------------------------------------------

    def _read(self, key: str) -> StoredRecord | None:
        with self._connection() as connection:
            row = connection.execute(
                f"SELECT attributes, version, {TTL_ATTRIBUTE} FROM {TABLE}"
                f" WHERE {KEY_ATTRIBUTE} = ?",
                (key,),
            ).fetchone()
        return None if row is None else StoredRecord(row[0], int(row[1]), int(row[2]))

    def _write(self, key: str, record: StoredRecord, expected_version: int, now: float) -> bool:
        """One statement, atomic on its own: written only if the live version is the one
        expected (an expired row counts as version 0, as if it were not there)."""
        values = (record.attributes_json, record.version, record.expires_at, key)
        with self._connection() as connection:
            if expected_version:
                cursor = connection.execute(
                    f"UPDATE {TABLE} SET attributes = ?, version = ?, {TTL_ATTRIBUTE} = ?"
                    f" WHERE {KEY_ATTRIBUTE} = ? AND version = ? AND {TTL_ATTRIBUTE} > ?",
                    (*values, expected_version, now),
                )
            else:
                cursor = connection.execute(
                    f"INSERT INTO {TABLE} (attributes, version, {TTL_ATTRIBUTE}, {KEY_ATTRIBUTE})"
                    " VALUES (?, ?, ?, ?)"
                    f" ON CONFLICT ({KEY_ATTRIBUTE}) DO UPDATE"
                    f" SET attributes = excluded.attributes, version = excluded.version,"
                    f" {TTL_ATTRIBUTE} = excluded.{TTL_ATTRIBUTE}"
                    f" WHERE {TABLE}.{TTL_ATTRIBUTE} <= ?",
                    (*values, now),
                )
            return cursor.rowcount == 1

    def _stored_keys(self, now: float) -> Iterator[str]:
        with self._connection() as connection:
            rows = connection.execute(
                f"SELECT {KEY_ATTRIBUTE} FROM {TABLE} WHERE {TTL_ATTRIBUTE} > ?"
                f" ORDER BY {KEY_ATTRIBUTE}",
                (now,),
            ).fetchall()
        return iter([row[0] for row in rows])

    # --- connections, schema and purging --------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for one operation, purging expired rows when one is due."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = self._connect()
        try:
            self._purge_if_due(connection)
            yield connection
        finally:
            if connection.in_transaction:
                connection.rollback()
            with self._lock:
                self._idle.append(connection)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout,
            isolation_level=None,  # autocommit; transactions are explicit
            check_same_thread=False,  # pooled: used by one thread at a time
        )
        try:
            connection.execute("PRAGMA synchronous = NORMAL")  # survives crashes in WAL mode
            with self._lock:
                if not self._schema_ready:
                    self._enable_wal(connection)
                    self._create_schema(connection)
                    self._schema_ready = True
        except BaseException:
            connection.close()
            raise
        return connection

    def _enable_wal(self, connection: sqlite3.Connection) -> None:
        """Switch the file to WAL, waiting out another process doing the same.

        Changing the journal mode does not wait on the busy timeout by itself: two processes
        opening a new file at once would see "database is locked" straight away.
        """
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
                if mode != "wal":
                    connection.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    @staticmethod
    def _create_schema(connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _purge_if_due(self, connection: sqlite3.Connection) -> None:
        now = self._clock()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_INTERVAL_SECONDS
        try:
            deleted = connection.execute(
                f"DELETE FROM {TABLE} WHERE {TTL_ATTRIBUTE} <= ?", (now,)
            ).rowcount
        except sqlite3.OperationalError as error:  # busy for too long: try again next hour
            logger.warning("Could not purge expired households from %s: %s", self.path, error)
            return
        if deleted:
            logger.info("Purged %d expired households from %s", deleted, self.path)
