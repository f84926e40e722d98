"""Where households' attributes live: ``open_store(url)`` picks SQLite or DynamoDB.

``MemoryStore`` keeps them in a dict in the process (benchmarks, tests).

Each store class is imported only when it is asked for (or its URL opened): a local
SQLite run does not pay for boto3, and the Lambda function does not pay for sqlite3.
"""

from __future__ import annotations

import importlib
import time
from typing import TYPE_CHECKING, Any

from skill.storage.base import (
    FORGOTTEN_KEY,
    KEY_ATTRIBUTE,
    MAX_RECORD_BYTES,
    TOMBSTONE_LIFETIME_SECONDS,
    TTL_ATTRIBUTE,
    VERSION_KEY,
    Clock,
    HouseholdStore,
    Merge,
    Sleep,
    StoreConflictError,
    StoreUnavailable,
    describe_error,
    key_digest,
    ours_wins,
)

if TYPE_CHECKING:
    from skill.storage.dynamodb import DynamoDbStore
    from skill.storage.memory import MemoryStore
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

__all__ = [
    "FORGOTTEN_KEY",
    "KEY_ATTRIBUTE",
    "MAX_RECORD_BYTES",
    "STORE_ENV_VAR",
    "TOMBSTONE_LIFETIME_SECONDS",
    "TTL_ATTRIBUTE",
    "VERSION_KEY",
    "DynamoDbStore",
    "DynamoDbUrl",
    "HouseholdStore",
    "MemoryStore",
    "Merge",
    "SqliteStore",
    "SqliteUrl",
    "StoreConflictError",
    "StoreUnavailable",
    "StoreUrl",
    "default_store_url",
    "describe_error",
    "key_digest",
    "open_store",
    "ours_wins",
    "parse_store_url",
    "user_data_dir",
]


def open_store(
    url: str | None = None,
    *,
    merge: Merge,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
) -> HouseholdStore:
    """The store a URL names (default: ``default_store_url()``); ValueError if it is bad.

    ``merge(stored, ours)`` resolves two devices saving at once (the domain's rule).
    Nothing is created or contacted until the store is first used.
    """
    from skill.storage.urls import SqliteUrl, default_store_url, parse_store_url

    location = parse_store_url(default_store_url() if url is None else url)
    if isinstance(location, SqliteUrl):
        from skill.storage.sqlite import SqliteStore

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


_LAZY = {
    "DynamoDbStore": "skill.storage.dynamodb",
    "MemoryStore": "skill.storage.memory",
    "SqliteStore": "skill.storage.sqlite",
    # Store URLs are for the doors that are told where the store is; the Lambda function
    # is given its table by name and never parses one.
    **dict.fromkeys(
        (
            "STORE_ENV_VAR",
            "DynamoDbUrl",
            "SqliteUrl",
            "StoreUrl",
            "default_store_url",
            "parse_store_url",
            "user_data_dir",
        ),
        "skill.storage.urls",
    ),
}


def __getattr__(name: str) -> Any:
    """Import a store class (and boto3 or sqlite3 with it), or the store URLs, only when
    someone asks for them."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
