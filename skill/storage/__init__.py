"""Where households' attributes live: ``open_store(url)`` picks SQLite or DynamoDB.

The DynamoDB store (and so boto3) is imported only when a DynamoDB URL is opened or
``DynamoDbStore`` is asked for, so a local SQLite run does not pay for boto3.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from skill.storage.base import (
    KEY_ATTRIBUTE,
    MAX_RECORD_BYTES,
    TTL_ATTRIBUTE,
    VERSION_KEY,
    Clock,
    HouseholdStore,
    Merge,
    Sleep,
    StoreConflictError,
    household_key,
    key_digest,
    ours_wins,
)
from skill.storage.sqlite import SqliteStore
from skill.storage.urls import (
    STORE_ENV_VAR,
    DynamoDbUrl,
    SqliteUrl,
    StoreUrl,
    default_store_url,
    parse_store_url,
    user_data_dir,
)

if TYPE_CHECKING:
    from skill.storage.dynamodb import DynamoDbStore

__all__ = [
    "KEY_ATTRIBUTE",
    "MAX_RECORD_BYTES",
    "STORE_ENV_VAR",
    "TTL_ATTRIBUTE",
    "VERSION_KEY",
    "DynamoDbStore",
    "DynamoDbUrl",
    "HouseholdStore",
    "Merge",
    "SqliteStore",
    "SqliteUrl",
    "StoreConflictError",
    "StoreUrl",
    "default_store_url",
    "household_key",
    "key_digest",
    "open_store",
    "ours_wins",
    "parse_store_url",
    "user_data_dir",
]


def open_store(
    url: str | None = None,
    *,
    merge: Merge | None = None,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
) -> HouseholdStore:
    """The store a URL names (default: ``default_store_url()``); ValueError if it is bad.

    ``merge(stored, ours)`` resolves two devices saving at once (default: ours wins).
    Nothing is created or contacted until the store is first used.
    """
    location = parse_store_url(default_store_url() if url is None else url)
    if isinstance(location, SqliteUrl):
        return SqliteStore(location.path, merge=merge, clock=clock, sleep=sleep)
    from skill.storage.dynamodb import DynamoDbStore

    return DynamoDbStore(
        location.table,
        region=location.region,
        endpoint_url=location.endpoint,
        merge=merge,
        clock=clock,
        sleep=sleep,
    )


def __getattr__(name: str) -> Any:
    """Import the DynamoDB store (and boto3) only when someone asks for it."""
    if name == "DynamoDbStore":
        from skill.storage.dynamodb import DynamoDbStore

        return DynamoDbStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
