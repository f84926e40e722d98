"""The skill reads request envelopes through the SDK's public API only, into the same
objects the SDK's own serializer builds (and faster on timestamps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa.serializer import SkillSerializer
from skill.tools.envelopes import envelope, intent_request, launch_request, new_session

EVENTS = sorted((Path(__file__).resolve().parents[1] / "events").glob("*.json"))


def built(payload: str) -> list[object]:
    ours = SkillSerializer().deserialize(payload, RequestEnvelope)
    theirs = DefaultSerializer().deserialize(payload, RequestEnvelope)
    return [ours, theirs]


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.stem)
def test_every_recorded_event_reads_as_the_sdk_reads_it(path: Path) -> None:
    ours, theirs = built(path.read_text(encoding="utf-8"))
    serializer = DefaultSerializer()
    assert serializer.serialize(ours) == serializer.serialize(theirs)
    assert ours.request.timestamp == theirs.request.timestamp
    assert type(ours.request) is type(theirs.request)


def test_an_intent_with_slots_and_a_session_reads_as_the_sdk_reads_it() -> None:
    slots = {"moment": {"name": "moment", "value": "dinner", "confirmationStatus": "NONE"}}
    body = envelope(
        intent_request("StarterIntent", slots),
        user_id="u",
        session=new_session(user_id="u", attributes={"said": {"x": 1}}),
    )
    ours, theirs = built(json.dumps(body))
    assert DefaultSerializer().serialize(ours) == DefaultSerializer().serialize(theirs)
    assert ours.request.intent.slots["moment"].value == "dinner"
    assert ours.session.attributes == {"said": {"x": 1}}


def test_a_skill_disabled_event_keeps_its_body() -> None:
    payload = (EVENTS[0].parent / "skill_disabled.json").read_text(encoding="utf-8")
    ours = SkillSerializer().deserialize(payload, RequestEnvelope)
    assert ours.request.body == {"userInformationPersistenceStatus": "NOT_PERSISTED"}


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body["request"].update(timestamp="not a time"),
        lambda body: body["request"].update(type="NoSuchRequest"),
    ],
    ids=["bad timestamp", "unknown request type"],
)
def test_what_cannot_be_read_is_a_serialization_error(change) -> None:
    body = envelope(launch_request(), user_id="u", session=new_session(user_id="u"))
    change(body)
    with pytest.raises(SerializationException):
        SkillSerializer().deserialize(json.dumps(body), RequestEnvelope)


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.stem)
def test_an_event_already_parsed_reads_as_its_text_does(path: Path) -> None:
    # The Lambda event arrives as a dict: read as it is, not written out and parsed again.
    text = path.read_text(encoding="utf-8")
    serializer = SkillSerializer()
    from_text = serializer.deserialize(text, RequestEnvelope)
    from_dict = serializer.read_envelope(json.loads(text))
    assert serializer.serialize(from_dict) == serializer.serialize(from_text)
    assert getattr(from_dict.request, "body", None) == getattr(from_text.request, "body", None)
