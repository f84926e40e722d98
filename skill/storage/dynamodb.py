"""Households in a DynamoDB table: the production store behind the Lambda function.

Nothing here talks to AWS at import or construction time; the client is made on first use.
Writes are conditional on the version (no blind put_item), and each item carries the
``expires_at`` TTL attribute so a silent household's data goes away by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from skill.storage.base import (
    KEY_ATTRIBUTE,
    TTL_ATTRIBUTE,
    Clock,
    HouseholdStore,
    Merge,
    Sleep,
    StoredRecord,
)

__all__ = [
    "ATTRIBUTES_ATTRIBUTE",
    "DEFAULT_REGION",
    "KEY_ATTRIBUTE",
    "TTL_ATTRIBUTE",
    "VERSION_ATTRIBUTE",
    "DynamoDbStore",
]

ATTRIBUTES_ATTRIBUTE = "attributes"
VERSION_ATTRIBUTE = "version"
DEFAULT_REGION = "us-east-1"
_NEVER = 2**63 - 1  # an item without the TTL attribute never expires in DynamoDB either
# Alexa waits at most 8 s for an answer, and a turn may read and write: each call gets at
# most two attempts of about a second, so even a hanging table leaves time to answer.
# A gevent server worker runs many requests at once on one client: past urllib3's default
# pool of 10 connections each extra one is opened, used once and thrown away with a warning
# ("Connection pool is full"), 30-odd lines in a 5-second outage under load.
_CLIENT_CONFIG = Config(
    connect_timeout=0.5,
    read_timeout=1.0,
    retries={"total_max_attempts": 2, "mode": "standard"},
    max_pool_connections=50,
)


_session_lock = threading.Lock()
_session: botocore.session.Session | None = None


def _new_client(region: str | None, endpoint_url: str | None) -> Any:
    """A DynamoDB client from one process-wide botocore session.

    A low-level client, made with botocore itself: the records are four plain attributes,
    so boto3's resource layer buys nothing, and importing boto3 (s3transfer with it) and
    making a resource cost a Lambda cold start some 80-100 ms more. Sharing the session
    makes a second store cost milliseconds instead of ~100 ms of model loading; the lock is
    there because sessions are not thread-safe.
    """
    global _session
    with _session_lock:
        if _session is None:
            _session = botocore.session.get_session()
        return _session.create_client(
            "dynamodb",
            region_name=region or _session.get_config_variable("region") or DEFAULT_REGION,
            endpoint_url=endpoint_url,
            config=_CLIENT_CONFIG,
        )


def _number(item: dict[str, Any], name: str, default: int) -> int:
    """A number attribute of a low-level item ({"N": "12"}), or `default` when absent."""
    value = item.get(name)
    return int(value["N"]) if isinstance(value, dict) and "N" in value else default


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class DynamoDbStore(HouseholdStore):
    """A HouseholdStore in the DynamoDB table ``table_name`` (partition key ``id``, string).

    Pass ``client`` (a botocore or boto3 DynamoDB client) to choose the connection;
    otherwise one is made on first use for ``region`` (default: the AWS SDK's own
    resolution, else us-east-1) and
    ``endpoint_url`` (e.g. DynamoDB Local or a moto server). Only stateless item calls are
    made, so one store can serve several threads.
    """

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        merge: Merge,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(merge=merge, clock=clock, sleep=sleep)
        self.table_name = table_name
        self._client = client
        self._region = region
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DynamoDbStore({self.table_name!r})"

    @property
    def client(self) -> Any:
        """The DynamoDB client: the one passed in, or one made on first use."""
        with self._lock:
            if self._client is None:
                self._client = _new_client(self._region, self._endpoint_url)
            return self._client

    @property
    def region_name(self) -> str:
        """The region the store talks to (resolving it makes the client)."""
        return str(self.client.meta.region_name)

    # --- tables, for local use and tests (production tables come from infra) ------------

    def create_table(self) -> None:
        """Create the table (on-demand billing, key ``id`` S, TTL on ``expires_at``)."""
        self.client.create_table(
            TableName=self.table_name,
            KeySchema=[{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self._wait_until_active()
        self.client.update_time_to_live(
            TableName=self.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )

    def ensure_table(self) -> bool:
        """Create the table if it is missing; True if this call created it."""
        try:
            self.client.describe_table(TableName=self.table_name)
            return False
        except ClientError as error:
            if _error_code(error) != "ResourceNotFoundException":
                raise
        try:
            self.create_table()
        except ClientError as error:
            if _error_code(error) != "ResourceInUseException":  # someone else just made it
                raise
            self._wait_until_active()
            return False
        return True

    def _wait_until_active(self) -> None:
        self.client.get_waiter("table_exists").wait(
            TableName=self.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )

    # --- HouseholdStore I/O -------------------------------------------------------------

    def _read(self, key: str) -> StoredRecord | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={KEY_ATTRIBUTE: {"S": key}},
            ConsistentRead=True,  # a device must see what the other device just saved
        ).get("Item")
        if item is None:
            return None
        return StoredRecord(
            attributes_json=item.get(ATTRIBUTES_ATTRIBUTE, {}).get("S", ""),
            version=_number(item, VERSION_ATTRIBUTE, 0),
            expires_at=_number(item, TTL_ATTRIBUTE, _NEVER),
        )

    def _write(self, key: str, record: StoredRecord, expected_version: int, now: float) -> bool:
        if expected_version == 0:  # absent, expired but not yet removed, or never versioned
            condition = (
                "attribute_not_exists(#id) OR attribute_not_exists(#version) OR #expires <= :now"
            )
            names = {"#id": KEY_ATTRIBUTE, "#version": VERSION_ATTRIBUTE, "#expires": TTL_ATTRIBUTE}
            values = {":now": {"N": str(int(now))}}
        else:
            condition = "#version = :expected"
            names = {"#version": VERSION_ATTRIBUTE}
            values = {":expected": {"N": str(expected_version)}}
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    KEY_ATTRIBUTE: {"S": key},
                    ATTRIBUTES_ATTRIBUTE: {"S": record.attributes_json},
                    VERSION_ATTRIBUTE: {"N": str(record.version)},
                    TTL_ATTRIBUTE: {"N": str(record.expires_at)},
                },
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _stored_keys(self, now: float) -> Iterator[str]:
        options: dict[str, Any] = {
            "TableName": self.table_name,
            "ProjectionExpression": "#id, #expires",
            "ExpressionAttributeNames": {"#id": KEY_ATTRIBUTE, "#expires": TTL_ATTRIBUTE},
        }
        while True:
            page = self.client.scan(**options)
            for item in page.get("Items", []):
                if _number(item, TTL_ATTRIBUTE, _NEVER) > now:
                    yield item[KEY_ATTRIBUTE]["S"]
            if "LastEvaluatedKey" not in page:
                return
            options["ExclusiveStartKey"] = page["LastEvaluatedKey"]
