"""Fixtures for the storage tests: fake AWS, and one harness per store backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from skill.storage import DynamoDbStore, ours_wins
from tests.unit.storage.helpers import use_fake_aws
from tests.unit.storage.store_contract import DynamoDbHarness, SqliteHarness, StoreHarness

TABLE = "households"


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region; no real AWS account can be reached."""
    use_fake_aws(monkeypatch)


@pytest.fixture
def sqlite_harness(tmp_path: Path) -> Iterator[SqliteHarness]:
    harness = SqliteHarness(tmp_path / "data" / "households.db")
    yield harness
    harness.close()


@pytest.fixture
def moto_dynamodb(fake_aws: None) -> Iterator[Any]:
    """An in-process moto DynamoDB (a boto3 resource on it) with the households table."""
    with mock_aws():
        admin = DynamoDbStore(TABLE, region="us-east-1", merge=ours_wins)
        admin.create_table()
        yield admin.client


@pytest.fixture
def dynamodb_harness(moto_dynamodb: Any) -> DynamoDbHarness:
    def open_store(**options: Any) -> DynamoDbStore:
        return DynamoDbStore(TABLE, client=moto_dynamodb, **options)

    return DynamoDbHarness(open_store)


@pytest.fixture(params=["sqlite", "dynamodb"])
def harness(request: pytest.FixtureRequest) -> StoreHarness:
    """Each contract test runs once per backend."""
    return request.getfixturevalue(f"{request.param}_harness")
