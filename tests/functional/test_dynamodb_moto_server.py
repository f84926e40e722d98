"""The DynamoDB store over real HTTP: a moto server on loopback, reached through a store URL.

Runs the same contract as the unit suite, so wire-level details (serialisation, condition
expressions, error codes over HTTP) are checked the way Lambda would meet them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skill.storage import DynamoDbStore, open_store, ours_wins
from tests.unit.storage.helpers import moto_server
from tests.unit.storage.store_contract import DynamoDbHarness, StoreContract

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    """A moto server on a free loopback port, and the store URL that points at it."""
    with moto_server() as endpoint:
        yield f"dynamodb://households?region=us-east-1&endpoint={endpoint}"


@pytest.fixture
def harness(store_url: str) -> Iterator[DynamoDbHarness]:
    """A fresh households table on the server for each test."""

    def open_households(**options: Any) -> DynamoDbStore:
        store = open_store(store_url, **{"merge": ours_wins, **options})
        assert isinstance(store, DynamoDbStore)
        return store

    admin = open_households()
    admin.ensure_table()
    yield DynamoDbHarness(open_households)
    admin.client.delete_table(TableName=admin.table_name)


class TestDynamoDbOverHttp(StoreContract):
    """Every contract test, against the moto server."""

    def test_url_reaches_the_server_table_with_ttl(
        self, store_url: str, harness: DynamoDbHarness
    ) -> None:
        # GIVEN the store URL of the running server
        store = open_store(store_url, merge=ours_wins)
        assert isinstance(store, DynamoDbStore)
        # WHEN its table is described over HTTP
        client = store.client
        ttl = client.describe_time_to_live(TableName="households")["TimeToLiveDescription"]
        # THEN it is the table the harness created, with TTL on expires_at
        assert client.meta.endpoint_url == store_url.split("endpoint=")[1]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
