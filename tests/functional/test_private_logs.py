"""No log line carries a user id, a name or what people said, at any level (issue 13): the
skill's own lines name households by a keyed digest, and the libraries that log whole
requests and DynamoDB items are held at WARNING even with LOG_LEVEL=DEBUG."""

from __future__ import annotations

import logging

import pytest
from moto import mock_aws

from skill.alexa import build_skill
from skill.core.household import merge
from skill.logs import QUIET_LIBRARIES, configure_logging
from skill.service import SkillServices
from skill.storage import DynamoDbStore, key_digest
from tests.conftest import Device, custom_slot, plain_slot
from tests.unit.storage.helpers import use_fake_aws

USER = "amzn1.ask.account.PRIVATE-household-id"
NAMES = ("Marisol", "Thaddeus")


@pytest.fixture
def debug_logging(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    saved = {name: logging.getLogger(name).level for name in ("", *QUIET_LIBRARIES)}
    configure_logging("WARNING", handler=False)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_a_debug_evening_over_dynamodb_logs_no_id_name_or_words(debug_logging, caplog, monkeypatch):
    use_fake_aws(monkeypatch)
    with mock_aws():
        store = DynamoDbStore("households", region="us-east-1", merge=merge)
        store.create_table()
        device = Device(build_skill(store, SkillServices()), user_id=USER)
        with caplog.at_level(logging.DEBUG):
            names = {**plain_slot("firstName", NAMES[0]), **plain_slot("secondName", NAMES[1])}
            device.intent("SetNamesIntent", names, new_session_=True)
            device.intent("StarterIntent", custom_slot("moment", "dinner", "dinner"))
            device.intent("SaveFavoriteIntent", new_session_=True)
            device.intent("CheckInIntent", new_session_=True)
            device.intent("RatingIntent", plain_slot("rating", "4"))
            device.intent("AMAZON.FallbackIntent")
    lines = [record.getMessage() for record in caplog.records]
    assert lines, "the evening logged something (at least one line a request)"
    assert any(key_digest(USER) in line for line in lines), "households named by digest"
    for line in lines:
        assert USER not in line and "PRIVATE" not in line
        assert not any(name in line for name in NAMES), line
    assert not [r for r in caplog.records if r.name.split(".")[0] in ("botocore", "urllib3")]


def test_the_log_digest_is_keyed_not_a_plain_hash() -> None:
    import hashlib

    assert key_digest(USER) != hashlib.sha256(USER.encode()).hexdigest()[:12]
    assert key_digest(USER) == key_digest(USER)


def test_an_unknown_log_level_falls_back_instead_of_failing(monkeypatch, caplog) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.DEBUG)
        with caplog.at_level(logging.WARNING, logger="skill.logs"):
            configure_logging("WARNING", handler=False)
            assert root.level == logging.WARNING
        assert "not a log level" in caplog.text
    finally:
        root.setLevel(level)
