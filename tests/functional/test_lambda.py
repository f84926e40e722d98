"""The Lambda entry point with JSON event fixtures, against DynamoDB under moto."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from skill.storage import FORGOTTEN_KEY, KEY_ATTRIBUTE, TTL_ATTRIBUTE, DynamoDbStore, ours_wins
from skill.storage.dynamodb import ATTRIBUTES_ATTRIBUTE, VERSION_ATTRIBUTE
from tests.conftest import ends_session, load_event, speech

TABLE = "heart-to-heart-test"


@pytest.fixture
def lambda_handler(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", TABLE)
    with mock_aws():
        DynamoDbStore(TABLE, client=boto3.client("dynamodb"), merge=ours_wins).create_table()
        from skill.doors import lambda_function

        monkeypatch.setattr(lambda_function, "_skill", None)
        yield lambda_function.handler


def test_launch_answers_with_a_greeting_and_a_prompt(lambda_handler):
    out = lambda_handler(load_event("launch.json"), None)
    assert speech(out) and not ends_session(out)


def test_a_starter_is_remembered_across_invocations(lambda_handler):
    # GIVEN a starter asked through Lambda
    first = lambda_handler(load_event("starter_intent.json"), None)
    starter = first["response"]["card"]["content"]
    # WHEN the household asks to hear it again in a new invocation
    again = lambda_handler(load_event("repeat_intent.json"), None)
    # THEN DynamoDB kept the conversation
    assert starter in speech(again)
    item = boto3.resource("dynamodb").Table(TABLE).scan()["Items"]
    assert len(item) == 1 and "expires_at" in item[0]


@pytest.mark.parametrize(
    ("event", "ends"),
    [("help_intent.json", False), ("stop_intent.json", True), ("next_intent.json", True)],
)
def test_intents_answer_through_lambda(lambda_handler, event, ends):
    out = lambda_handler(load_event(event), None)
    assert speech(out) and ends_session(out) is ends


@pytest.mark.parametrize("event", ["session_ended.json", "skill_disabled.json"])
def test_events_without_speech_get_an_empty_answer(lambda_handler, event):
    out = lambda_handler(load_event(event), None)
    assert "outputSpeech" not in out.get("response", {})


def test_importing_the_lambda_entry_imports_no_flask():
    code = (
        "import sys, skill.doors.lambda_function; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_ask_sdk', "
        "'oscrypto', 'werkzeug', 'gunicorn')]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_skill_disabled_not_persisted_deletes_the_household_from_dynamodb(lambda_handler):
    lambda_handler(load_event("starter_intent.json"), None)
    table = boto3.resource("dynamodb").Table(TABLE)
    assert table.scan()["Items"]
    lambda_handler(load_event("skill_disabled.json"), None)
    # Only a tombstone is left: the key, when it was forgotten, its version and expiry.
    (item,) = table.scan()["Items"]
    assert set(json.loads(item["attributes"])) == {FORGOTTEN_KEY}
    assert set(item) == {KEY_ATTRIBUTE, ATTRIBUTES_ATTRIBUTE, VERSION_ATTRIBUTE, TTL_ATTRIBUTE}
