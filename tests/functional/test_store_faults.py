"""When the household store fails, the household still hears a starter.

Issue 5: data that is never lost. Each fault is injected under the skill object
(`Device(build_skill(store, services))`), and what is checked is the ANSWER: a starter from
the library (possibly one they heard before, since a failed read starts from a fresh
household), shouldEndSession true, never the apology for an error and never a trace; in the
log a warning, and never the raw user id. A failed read must not be followed by a write
over the stored household, and a "save that one" whose write failed is written on the
household's next request.

DynamoDB faults go into the store's own botocore client through its event hooks, under
moto's in-process `mock_aws`:

- service errors (throttling, 500, conditional-check storms) answer at ``before-call``, the
  way ``botocore.stub.Stubber`` does: the call fails as it would once botocore's own retries
  gave up, and moto never sees the request;
- network errors (read and connect timeouts) are raised at ``before-send``, registered
  ahead of moto's hook, so botocore's real retry loop runs around them and the request
  again never reaches moto.

SQLite faults are real: another connection holding the file's locks, a read-only file, a
file that is not a database.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from moto import mock_aws

from skill.alexa import build_skill
from skill.core.household import merge
from skill.core.starters import load_library
from skill.service import SkillServices
from skill.storage import DynamoDbStore, HouseholdStore, SqliteStore, key_digest, ours_wins
from skill.storage.base import MAX_SAVE_ATTEMPTS
from tests.conftest import Clock, Device, custom_slot, favourites_of, lines_of, speech
from tests.unit.storage.helpers import use_fake_aws

USER = "amzn1.ask.account.store-faults-household"
TABLE = "households"
BY_TEXT = {starter.text: starter.id for starter in load_library()}
SORRY = "Sorry, something went wrong"
SAVED_LINES = lines_of("favourite_saved", "favourite_saved_first")
NOT_SAVED = lines_of("not_saved")
# botocore's "max_attempts" in a client's retry config counts retries, so the store's
# {"max_attempts": 3} makes at most four HTTP attempts per call.
MAX_HTTP_ATTEMPTS = 4
ALEXA_WAITS_SECONDS = 8
READ_FAILED = "household store unavailable on read"
WRITE_FAILED = "household store unavailable on write"
# What a leaked exception would look like: a traceback, an exception class, a module name.
TRACE = re.compile(r"Traceback|File \"|\w+(Error|Exception)\b|botocore|sqlite3")
DINNER = {**custom_slot("moment", "dinner", "dinner"), **custom_slot("depth", "1", "1")}


def hears_a_starter(out: dict[str, Any]) -> str:
    """The id of the starter the answer carried, after checking it is a proper answer."""
    said = speech(out)
    response = out["response"]
    text = (response.get("card") or {}).get("content", "")
    assert text in BY_TEXT, f"not a starter: {said!r}"
    assert text in said, "the starter is spoken, not only shown"
    assert response.get("shouldEndSession") is True
    assert SORRY not in said
    assert not TRACE.search(said), f"a trace in the answer: {said!r}"
    return BY_TEXT[text]


def assert_warned_without_user(caplog: pytest.LogCaptureFixture, *messages: str) -> None:
    """The log says what failed, at warning level, and never who it failed for."""
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for message in messages:
        assert any(message in warning for warning in warnings), (message, warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no error answer"
    assert USER not in caplog.text
    assert "store-faults-household" not in caplog.text


@pytest.fixture
def caplog_info(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


# --- DynamoDB -----------------------------------------------------------------------


class DynamoDbFaults:
    """Faults injected into one store's DynamoDB client, counted per operation.

    `calls` counts client calls (one per store operation), `sends` HTTP attempts (botocore
    retries included).
    """

    def __init__(self, store: DynamoDbStore) -> None:
        self.calls: Counter[str] = Counter()
        self.sends: Counter[str] = Counter()
        self._service: dict[str, tuple[str, int]] = {}
        self._network: dict[str, type[Exception]] = {}
        events = store.client.meta.events
        events.register_first("before-call.dynamodb", self._before_call)
        events.register_first("before-send.dynamodb", self._before_send)

    def service_error(self, operation: str, code: str, status: int = 400) -> None:
        self._service[operation] = (code, status)

    def network_error(self, operation: str, error: type[Exception]) -> None:
        self._network[operation] = error

    def clear(self) -> None:
        self._service.clear()
        self._network.clear()
        self.calls.clear()
        self.sends.clear()

    def _before_call(self, model: Any, **kwargs: Any) -> tuple[AWSResponse, dict] | None:
        self.calls[model.name] += 1
        if model.name not in self._service:
            return None
        code, status = self._service[model.name]
        parsed = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "injected-fault"},
        }
        return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", status, {}, None), parsed

    def _before_send(self, request: Any, event_name: str, **kwargs: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.sends[operation] += 1
        error = self._network.get(operation)
        if error is not None:
            raise error(endpoint_url=request.url)


@pytest.fixture
def dynamodb_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoDbStore]:
    """The households table in moto's in-process DynamoDB, fake credentials."""
    use_fake_aws(monkeypatch)
    with mock_aws():
        store = DynamoDbStore(TABLE, region="us-east-1", merge=merge)
        store.create_table()
        yield store


@pytest.fixture
def faults(dynamodb_store: DynamoDbStore) -> DynamoDbFaults:
    return DynamoDbFaults(dynamodb_store)


@pytest.fixture
def dynamodb_device(dynamodb_store: DynamoDbStore, services: SkillServices) -> Device:
    return Device(build_skill(dynamodb_store, services), USER)


def settled_household(device: Device, clock: Clock, store: HouseholdStore) -> dict[str, Any]:
    """A household with something to lose: a starter heard and saved as a favourite."""
    favourite = hears_a_starter(device.intent("StarterIntent", DINNER, new_session_=True))
    clock.advance(60)
    assert speech(device.intent("SaveFavoriteIntent", new_session_=True)) in SAVED_LINES
    clock.advance(60)
    stored = store.get(USER)
    assert stored is not None and favourites_of(stored) == [favourite]
    return stored


@dataclass(frozen=True)
class Fault:
    operation: str
    code: str | None = None
    status: int = 400
    network: type[Exception] | None = None

    def inject(self, faults: DynamoDbFaults) -> None:
        if self.network is not None:
            faults.network_error(self.operation, self.network)
        else:
            assert self.code is not None
            faults.service_error(self.operation, self.code, self.status)


DYNAMODB_FAULTS = {
    "throughput-exceeded-on-read": Fault("GetItem", "ProvisionedThroughputExceededException"),
    "throttling-on-read": Fault("GetItem", "ThrottlingException"),
    "throughput-exceeded-on-write": Fault("PutItem", "ProvisionedThroughputExceededException"),
    "throttling-on-write": Fault("PutItem", "ThrottlingException"),
    "read-timeout-on-read": Fault("GetItem", network=ReadTimeoutError),
    "connect-timeout-on-read": Fault("GetItem", network=ConnectTimeoutError),
    "read-timeout-on-write": Fault("PutItem", network=ReadTimeoutError),
    "connect-timeout-on-write": Fault("PutItem", network=ConnectTimeoutError),
    "internal-server-error-on-read": Fault("GetItem", "InternalServerError", status=500),
    "internal-server-error-on-write": Fault("PutItem", "InternalServerError", status=500),
}


@pytest.mark.parametrize("fault", DYNAMODB_FAULTS.values(), ids=DYNAMODB_FAULTS.keys())
def test_a_dynamodb_fault_still_gives_a_starter(
    fault: Fault,
    dynamodb_store: DynamoDbStore,
    dynamodb_device: Device,
    faults: DynamoDbFaults,
    clock: Clock,
    caplog_info: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a household with a favourite stored, and a fault on every read or every write
    before = settled_household(dynamodb_device, clock, dynamodb_store)
    caplog_info.clear()
    faults.clear()
    fault.inject(faults)
    # WHEN they ask for a starter
    started = time.monotonic()
    out = dynamodb_device.intent("StarterIntent", new_session_=True)
    elapsed = time.monotonic() - started
    # THEN they hear one, in time, and the log warns without naming them
    hears_a_starter(out)
    assert elapsed < ALEXA_WAITS_SECONDS
    reading = fault.operation == "GetItem"
    assert_warned_without_user(caplog_info, READ_FAILED if reading else WRITE_FAILED)
    # AND the store was tried a bounded number of times, and never written after a failed read
    if fault.network is not None:  # botocore retried it, a bounded number of times
        assert 1 < faults.sends[fault.operation] <= MAX_HTTP_ATTEMPTS
    assert faults.calls[fault.operation] == 1
    assert faults.calls["PutItem"] == (0 if reading else 1)
    # AND once the fault clears, nothing stored was lost and the next turn is saved
    faults.clear()
    assert dynamodb_store.get(USER) == before
    clock.advance(60)
    hears_a_starter(dynamodb_device.intent("AMAZON.NextIntent", new_session_=True))
    after = dynamodb_store.get(USER)
    assert after is not None and after["_version"] == before["_version"] + 1
    assert favourites_of(after) == favourites_of(before)


def test_a_storm_of_conflicts_gives_up_after_bounded_tries_and_still_answers(
    dynamodb_store: DynamoDbStore,
    dynamodb_device: Device,
    faults: DynamoDbFaults,
    clock: Clock,
    caplog_info: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a stored household whose every conditional write now fails its condition
    before = settled_household(dynamodb_device, clock, dynamodb_store)
    faults.clear()
    faults.service_error("PutItem", "ConditionalCheckFailedException")
    for intent in ("StarterIntent", "AMAZON.NextIntent"):
        caplog_info.clear()
        faults.calls.clear()
        clock.advance(60)
        # WHEN they ask for a starter
        out = dynamodb_device.intent(intent, new_session_=True)
        # THEN they hear one
        hears_a_starter(out)
        # AND the store tried a bounded number of writes, re-reading to merge before each retry
        assert faults.calls["PutItem"] == MAX_SAVE_ATTEMPTS <= 10
        assert faults.calls["GetItem"] == MAX_SAVE_ATTEMPTS
        # AND gave up with a warning that names the household only by its digest
        assert_warned_without_user(
            caplog_info, f"Giving up saving household {key_digest(USER)}", WRITE_FAILED
        )
    faults.clear()
    assert dynamodb_store.get(USER) == before


def test_a_missing_table_still_gives_a_starter(
    monkeypatch: pytest.MonkeyPatch,
    services: SkillServices,
    caplog_info: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a store whose table does not exist (a deployment that forgot it)
    use_fake_aws(monkeypatch)
    with mock_aws():
        store = DynamoDbStore("no-such-table", region="us-east-1", merge=merge)
        faults = DynamoDbFaults(store)
        device = Device(build_skill(store, services), USER)
        # WHEN the household asks for a starter
        out = device.intent("StarterIntent", DINNER, new_session_=True)
        # THEN it hears one, and the log warns (ResourceNotFoundException) without naming it
        hears_a_starter(out)
        assert_warned_without_user(caplog_info, READ_FAILED)
        assert "ResourceNotFoundException" in caplog_info.text
        # AND after the failed read nothing tried to write
        assert faults.calls == Counter({"GetItem": 1})


@pytest.mark.parametrize("also_failing_reads", [0, 1], ids=["next-request-ok", "one-more-outage"])
def test_a_favourite_whose_write_failed_is_not_confirmed_and_written_on_the_next_request(
    also_failing_reads: int,
    dynamodb_store: DynamoDbStore,
    dynamodb_device: Device,
    faults: DynamoDbFaults,
    clock: Clock,
    caplog_info: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a household that just heard a starter
    starter = hears_a_starter(dynamodb_device.intent("StarterIntent", DINNER, new_session_=True))
    clock.advance(30)
    # WHEN it says "save that one" while every write is throttled
    faults.service_error("PutItem", "ProvisionedThroughputExceededException")
    saved = dynamodb_device.intent("SaveFavoriteIntent", new_session_=True)
    # THEN the skill says it could not save, since nothing is stored (the turn is held)
    assert speech(saved) in NOT_SAVED
    assert saved["response"]["shouldEndSession"] is True
    assert_warned_without_user(caplog_info, WRITE_FAILED)
    faults.clear()
    assert favourites_of(dynamodb_store.get(USER)) == []
    # AND (in one case) its next request meets a read outage, and still hears a starter
    for _ in range(also_failing_reads):
        faults.service_error("GetItem", "InternalServerError", status=500)
        clock.advance(30)
        hears_a_starter(dynamodb_device.intent("StarterIntent", new_session_=True))
        assert faults.calls["PutItem"] == 0
        faults.clear()
        assert favourites_of(dynamodb_store.get(USER)) == []
    # WHEN the store is healthy again and the household asks for anything that reads it
    clock.advance(30)
    hears_a_starter(dynamodb_device.intent("AMAZON.NextIntent", new_session_=True))
    # THEN the favourite is stored after all, and plays back
    assert favourites_of(dynamodb_store.get(USER)) == [starter]
    played = dynamodb_device.intent("PlayFavoritesIntent", new_session_=True)
    assert hears_a_starter(played) == starter


def test_save_that_one_after_a_starter_whose_write_failed_saves_that_starter(
    dynamodb_store: DynamoDbStore,
    dynamodb_device: Device,
    faults: DynamoDbFaults,
    clock: Clock,
) -> None:
    # GIVEN a household that heard one starter earlier
    said = dynamodb_device.intent("StarterIntent", DINNER, new_session_=True)
    earlier = hears_a_starter(said)
    clock.advance(60)
    # AND heard another while writes were throttled
    faults.service_error("PutItem", "ThrottlingException")
    latest = hears_a_starter(dynamodb_device.intent("AMAZON.NextIntent", new_session_=True))
    assert latest != earlier
    faults.clear()
    clock.advance(30)
    # WHEN, the store healthy again, they say "save that one"
    saved = dynamodb_device.intent("SaveFavoriteIntent", new_session_=True)
    assert speech(saved) in SAVED_LINES
    # THEN the starter they just heard is the one saved (and remembered as heard)
    stored = dynamodb_store.get(USER)
    assert favourites_of(stored) == [latest], f"saved {favourites_of(stored)}, heard {latest}"


@pytest.mark.parametrize("operation", ["GetItem", "PutItem"])
def test_a_hanging_table_is_given_up_on_before_alexa_stops_waiting(
    operation: str,
    dynamodb_store: DynamoDbStore,
    dynamodb_device: Device,
    faults: DynamoDbFaults,
) -> None:
    # GIVEN a table that takes connections but never answers one operation: each attempt
    # would wait the client's whole read timeout (counted here rather than slept)
    read_timeout = dynamodb_store.client.meta.config.read_timeout
    faults.network_error(operation, ReadTimeoutError)
    # WHEN the household asks for a starter
    started = time.monotonic()
    hears_a_starter(dynamodb_device.intent("StarterIntent", DINNER, new_session_=True))
    assert 1 < faults.sends[operation] <= MAX_HTTP_ATTEMPTS
    elapsed = time.monotonic() - started
    # THEN the skill has answered before Alexa stops waiting
    hung = faults.sends[operation] * read_timeout
    assert elapsed + hung < ALEXA_WAITS_SECONDS, (
        f"{faults.sends[operation]} attempts x {read_timeout} s read timeout"
    )


# --- SQLite -------------------------------------------------------------------------


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "households.db"


@pytest.fixture
def quick_sqlite_store(sqlite_path: Path) -> Iterator[SqliteStore]:
    """The SQLite store with a short busy timeout, so a held lock fails fast."""
    with SqliteStore(sqlite_path, merge=merge, busy_timeout=0.05) as store:
        yield store


@pytest.fixture
def sqlite_device(quick_sqlite_store: SqliteStore, services: SkillServices) -> Device:
    return Device(build_skill(quick_sqlite_store, services), USER)


def hold_every_lock(path: Path) -> sqlite3.Connection:
    """Another process's connection holding the file exclusively: no reads, no writes."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE households SET version = version")
    return holder


def hold_the_write_lock(path: Path) -> sqlite3.Connection:
    """Another process in the middle of a long write: reads work, writes wait and fail."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


@pytest.mark.parametrize(
    ("hold", "warning", "reads_work"),
    [(hold_every_lock, READ_FAILED, False), (hold_the_write_lock, WRITE_FAILED, True)],
    ids=["fully-locked", "write-locked"],
)
def test_a_locked_sqlite_file_still_gives_a_starter(
    quick_sqlite_store: SqliteStore,
    sqlite_device: Device,
    sqlite_path: Path,
    clock: Clock,
    caplog_info: pytest.LogCaptureFixture,
    hold: Callable[[Path], sqlite3.Connection],
    warning: str,
    reads_work: bool,
) -> None:
    # GIVEN a household with a favourite stored, and another connection holding the file
    # (exclusively, or in the middle of a long write)
    before = settled_household(sqlite_device, clock, quick_sqlite_store)
    if not reads_work:
        quick_sqlite_store.close()  # its idle connections would keep the holder out
    holder = hold(sqlite_path)
    caplog_info.clear()
    try:
        # WHEN they ask for a starter
        out = sqlite_device.intent("StarterIntent", new_session_=True)
    finally:
        holder.rollback()
        holder.close()
    # THEN they hear one (a new one, when the read worked), and the log warns without
    # naming them
    heard = hears_a_starter(out)
    if reads_work:
        assert heard not in favourites_of(before)
    assert_warned_without_user(caplog_info, warning)
    # AND once the lock is gone nothing stored was lost and the next turn is saved
    assert quick_sqlite_store.get(USER) == before
    clock.advance(60)
    hears_a_starter(sqlite_device.intent("AMAZON.NextIntent", new_session_=True))
    assert quick_sqlite_store.get(USER)["_version"] == before["_version"] + 1


def test_a_favourite_saved_while_the_sqlite_file_is_write_locked_is_not_confirmed_but_kept(
    quick_sqlite_store: SqliteStore,
    sqlite_device: Device,
    sqlite_path: Path,
    clock: Clock,
    caplog_info: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a household that just heard a starter, and then another connection's long write
    starter = hears_a_starter(sqlite_device.intent("StarterIntent", DINNER, new_session_=True))
    clock.advance(30)
    holder = hold_the_write_lock(sqlite_path)
    caplog_info.clear()
    try:
        # WHEN they say "save that one"
        saved = sqlite_device.intent("SaveFavoriteIntent", new_session_=True)
    finally:
        holder.rollback()
        holder.close()
    # THEN the skill says it could not save, and the log warns without naming them
    assert speech(saved) in NOT_SAVED
    assert_warned_without_user(caplog_info, WRITE_FAILED)
    assert favourites_of(quick_sqlite_store.get(USER)) == []
    # AND once the lock is gone, their next request stores the favourite
    clock.advance(30)
    hears_a_starter(sqlite_device.intent("AMAZON.NextIntent", new_session_=True))
    assert favourites_of(quick_sqlite_store.get(USER)) == [starter]


class QueryOnlySqliteStore(SqliteStore):
    """A store whose connections may only read, as with a read-only file (which root,
    unlike a service account, can still write; see the chmod test below)."""

    def _connect(self) -> sqlite3.Connection:
        connection = super()._connect()
        connection.execute("PRAGMA query_only = ON")
        return connection


def test_a_read_only_sqlite_store_still_gives_a_starter(
    sqlite_path: Path, services: SkillServices, clock: Clock, caplog_info: pytest.LogCaptureFixture
) -> None:
    # GIVEN a household stored in a file that can now only be read
    with SqliteStore(sqlite_path, merge=merge) as writable:
        before = settled_household(Device(build_skill(writable, services), USER), clock, writable)
    with QueryOnlySqliteStore(sqlite_path, merge=merge) as read_only:
        device = Device(build_skill(read_only, services), USER)
        caplog_info.clear()
        # WHEN they ask for a starter
        out = device.intent("StarterIntent", new_session_=True)
        # THEN they hear one (one they have not heard: the read worked), and the log warns
        assert hears_a_starter(out) not in favourites_of(before)
        assert_warned_without_user(caplog_info, WRITE_FAILED)
        assert "readonly" in caplog_info.text
        assert read_only.get(USER) == before


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes read-only files"
)
def test_a_chmod_read_only_sqlite_file_still_gives_a_starter(
    sqlite_path: Path, services: SkillServices, clock: Clock, caplog_info: pytest.LogCaptureFixture
) -> None:
    # GIVEN a household stored in a file (and folder) made read-only
    with SqliteStore(sqlite_path, merge=merge) as writable:
        before = settled_household(Device(build_skill(writable, services), USER), clock, writable)
    modes = {
        path: path.stat().st_mode for path in [sqlite_path.parent, *sqlite_path.parent.iterdir()]
    }
    for path in modes:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        with SqliteStore(sqlite_path, merge=merge, busy_timeout=0.05) as read_only:
            device = Device(build_skill(read_only, services), USER)
            caplog_info.clear()
            # WHEN they ask for a starter
            out = device.intent("StarterIntent", new_session_=True)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    # THEN they hear one, and the log warns without naming them
    hears_a_starter(out)
    assert_warned_without_user(caplog_info, "household store unavailable")
    with SqliteStore(sqlite_path, merge=ours_wins) as store:
        assert store.get(USER) == before


def test_a_file_that_is_not_a_database_still_gives_a_starter(
    sqlite_path: Path, services: SkillServices, caplog_info: pytest.LogCaptureFixture
) -> None:
    # GIVEN a store file overwritten with something else entirely
    sqlite_path.parent.mkdir(parents=True)
    sqlite_path.write_bytes(b"this is not a database, " * 100)
    with SqliteStore(sqlite_path, merge=merge) as store:
        device = Device(build_skill(store, services), USER)
        # WHEN the household asks for a starter
        out = device.intent("StarterIntent", DINNER, new_session_=True)
    # THEN it hears one, and the log warns without naming it
    hears_a_starter(out)
    assert_warned_without_user(caplog_info, READ_FAILED)
