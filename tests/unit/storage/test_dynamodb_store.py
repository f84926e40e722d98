"""What only the DynamoDB store does: lazy connection, tables, and the item layout."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from skill.storage import KEY_ATTRIBUTE, TTL_ATTRIBUTE, DynamoDbStore, ours_wins
from tests.unit.storage.helpers import union_merge

HOUSEHOLD = "amzn1.ask.account.ADYNAMOHOUSEHOLD"


@pytest.fixture
def empty_moto(fake_aws: None) -> Iterator[None]:
    """In-process moto with no tables."""
    with mock_aws():
        yield


def test_import_and_construction_need_no_aws_setup(tmp_path: os.PathLike[str]) -> None:
    # GIVEN an interpreter with no AWS region, credentials or config at all
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name != "HEART_TO_HEART_STORE"
    }
    environ["AWS_CONFIG_FILE"] = str(tmp_path) + "/missing-config"
    environ["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path) + "/missing-credentials"
    script = (
        "from skill.storage.dynamodb import DynamoDbStore\n"
        "store = DynamoDbStore('households', merge=lambda stored, ours: ours)\n"
        "print(repr(store))\n"
    )
    # WHEN it imports the module and builds a store (as a Lambda module would at load time)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environ, timeout=30
    )
    # THEN nothing fails: no client or resource is made until the store is used
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DynamoDbStore('households')"


@pytest.mark.parametrize(
    ("explicit", "from_environment", "expected"),
    [
        (None, None, "us-east-1"),
        (None, "eu-west-1", "eu-west-1"),
        ("ap-south-1", "eu-west-1", "ap-south-1"),
    ],
    ids=["fallback", "boto3-default", "explicit"],
)
def test_region_comes_from_argument_then_boto3_then_us_east_1(
    fake_aws: None,
    monkeypatch: pytest.MonkeyPatch,
    explicit: str | None,
    from_environment: str | None,
    expected: str,
) -> None:
    # GIVEN a region given (or not) to the store and (or not) to boto3's usual resolution
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    if from_environment:
        monkeypatch.setenv("AWS_DEFAULT_REGION", from_environment)
    # WHEN the store makes its connection THEN the first region found is used
    assert DynamoDbStore("households", region=explicit, merge=ours_wins).region_name == expected


def test_create_table_makes_an_on_demand_table_with_ttl(empty_moto: None) -> None:
    # GIVEN no table WHEN a local run creates it
    store = DynamoDbStore("households", merge=ours_wins)
    store.create_table()
    # THEN it is keyed by the string id, billed on demand, and expires items by expires_at
    table = store.client.describe_table(TableName="households")["Table"]
    assert table["KeySchema"] == [{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = store.client.describe_time_to_live(TableName="households")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": TTL_ATTRIBUTE}


def test_ensure_table_creates_only_when_missing(empty_moto: None) -> None:
    # GIVEN no table
    store = DynamoDbStore("households", merge=ours_wins)
    # WHEN ensure_table runs twice, with a save in between
    assert store.ensure_table() is True
    store.put(HOUSEHOLD, {"heard": ["s-001"]})
    assert store.ensure_table() is False
    # THEN the table was made once and its data kept
    assert store.get(HOUSEHOLD) == {"heard": ["s-001"], "_version": 1}


def test_store_never_creates_a_table_by_itself(empty_moto: None) -> None:
    # GIVEN a store whose table does not exist
    store = DynamoDbStore("households", merge=ours_wins)
    # WHEN it is used THEN the error surfaces and no table appears
    with pytest.raises(ClientError) as failure:
        store.get(HOUSEHOLD)
    assert failure.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert store.client.list_tables()["TableNames"] == []


def test_items_hold_json_text_so_dynamodb_never_sees_floats(empty_moto: None) -> None:
    # GIVEN a household whose attributes include floats and nested numbers
    store = DynamoDbStore("households", merge=ours_wins)
    store.create_table()
    store.put(HOUSEHOLD, {"ratio": 0.25, "nested": {"scores": [1.5, 2]}})
    # WHEN the raw item is inspected with a plain low-level client
    raw_client = boto3.client("dynamodb", region_name="us-east-1")
    item = raw_client.get_item(TableName="households", Key={"id": {"S": HOUSEHOLD}})["Item"]
    # THEN it has the id, the JSON as a string, and only integer version and expiry numbers
    assert set(item) == {"id", "attributes", "version", TTL_ATTRIBUTE}
    assert item["id"] == {"S": HOUSEHOLD}
    assert item["attributes"] == {"S": '{"ratio":0.25,"nested":{"scores":[1.5,2]}}'}
    assert item["version"] == {"N": "1"}
    assert item[TTL_ATTRIBUTE]["N"].isdigit()


def test_item_written_by_hand_is_read_and_can_be_saved_over(empty_moto: None) -> None:
    # GIVEN an item an operator put in by hand: no version, no expiry
    store = DynamoDbStore("households", merge=union_merge)
    store.create_table()
    store.client.put_item(
        TableName="households",
        Item={"id": {"S": HOUSEHOLD}, "attributes": {"S": '{"heard": ["s-001"]}'}},
    )
    # WHEN the household reads it THEN its data shows, at version 0
    attributes = store.read(HOUSEHOLD)
    assert attributes == {"heard": ["s-001"], "_version": 0}
    # AND saving over it works rather than conflicting forever
    attributes["heard"].append("s-002")
    store.put(HOUSEHOLD, attributes)
    assert store.get(HOUSEHOLD) == {"heard": ["s-001", "s-002"], "_version": 1}
    assert list(store.keys()) == [HOUSEHOLD]
