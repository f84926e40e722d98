"""Whatever is posted to the dev-mode app: never a 5xx, and every 200 is a response Alexa takes.

Envelopes start from tests/events/*.json and the intents of interaction_models/en-US.json,
then get mutated: wrong types anywhere, missing fields, unknown request types and intents,
random slots, odd unicode, strings up to ~100 KB.
"""

from __future__ import annotations

import copy
import json
import random
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skill.alexa import build_skill
from skill.core.household import merge
from skill.doors.web import create_app
from skill.service import SkillServices
from skill.storage import SqliteStore
from skill.tools.envelopes import envelope, intent_request, launch_request, new_session

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = [
    json.loads(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "tests" / "events").glob("*.json"))
]
MODEL = json.loads((ROOT / "interaction_models" / "en-US.json").read_text(encoding="utf-8"))
LANGUAGE = MODEL["interactionModel"]["languageModel"]
INTENTS = {intent["name"]: intent.get("slots", []) for intent in LANGUAGE["intents"]}
SLOT_VALUES = {
    kind["name"]: [(value.get("id"), value["name"]["value"]) for value in kind["values"]]
    for kind in LANGUAGE.get("types", [])
}
# What Alexa puts in NUMBER, TIME and FirstName slots, and a few things it should not.
SPOKEN = ["7", "0", "-3", "11", "\u0663", "1e3", "99999999999999999999", "?", "21:30", "24:00"]
SPOKEN += ["MO", "AF", "EV", "NI", "T09:00", "sam", "Sam\n", "Zoë", "O'Neil", "x" * 30]
OFFERS = ["starter", "checkin", "deep", "light", "more", ""]
USERS = [f"amzn1.ask.account.fuzz-{n}" for n in range(3)]
REQUEST_TYPES = [
    "LaunchRequest",
    "IntentRequest",
    "SessionEndedRequest",
    "CanFulfillIntentRequest",
    "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillDisabled",
    "AlexaSkillEvent.SkillPermissionChanged",
    "Connections.Response",
    "Alexa.Presentation.APL.UserEvent",
    "Reminders.ReminderCreated",
    "Messaging.MessageReceived",
    "System.ExceptionEncountered",
]
SSML_TAGS = {
    "speak",
    "audio",
    "break",
    "emphasis",
    "lang",
    "p",
    "phoneme",
    "prosody",
    "s",
    "say-as",
    "sub",
    "voice",
    "w",
    "amazon:domain",
    "amazon:effect",
    "amazon:emotion",
}
AMAZON_NS = "urn:heart-to-heart:amazon-ssml"
MAX_SPEECH = 8000

# Odd unicode: controls, surrogates, combining marks, bidi marks, emoji, private use.
odd_text = st.text(
    alphabet=st.characters(
        categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs", "Co"],
    ),
    max_size=40,
)
huge_text = st.tuples(odd_text, st.integers(1_000, 100_000)).map(
    lambda pair: ((pair[0] or "x") * (pair[1] // max(len(pair[0]), 1) + 1))[: pair[1]]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
    st.sampled_from(["", " ", "null", "LaunchRequest", "en-US", "2026-11-25T23:30:00Z"]),
)


# Deep nesting is spliced into the JSON text for a marker, so this test never recurses itself.
DEEP_MARKER = re.compile(r'"@@deep-(\d+)@@"')
deep = st.sampled_from([4, 63, 65, 300, 600, 1200, 2500]).map(lambda depth: f"@@deep-{depth}@@")


def deep_json(marker: re.Match[str]) -> str:
    """Lists and objects nested `depth` levels (the SDK recurses; Python's stack does not)."""
    half = int(marker.group(1)) // 2
    return '[{"k": ' * half + '"bottom"' + "}]" * half


anything = st.one_of(
    huge_text,
    deep,
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
        max_leaves=8,
    ),
)


def slot_for(name: str, kind: str, value: str, canonical: str | None) -> dict[str, Any]:
    slot: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE"}
    if canonical is not None:
        slot["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.fuzz.{kind}",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": canonical}}],
                }
            ]
        }
    return slot


@st.composite
def model_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed request for one of the model's intents (or a launch), with slots."""
    user = draw(st.sampled_from(USERS))
    name = draw(st.sampled_from([None, *INTENTS]))
    if name is None:
        request = launch_request()
    else:
        slots = {}
        for slot in INTENTS[name]:
            if not draw(st.booleans()):
                continue
            known = SLOT_VALUES.get(slot["type"], [])
            canonical, value = draw(
                st.sampled_from(known) if known and draw(st.booleans()) else st.just((None, None))
            )
            if value is None:
                value = draw(st.one_of(odd_text, huge_text, st.sampled_from(SPOKEN)))
            slots[slot["name"]] = slot_for(slot["name"], slot["type"], value, canonical)
        request = intent_request(name, slots)
    session = new_session(user_id=user, new=draw(st.booleans()))
    if draw(st.booleans()):
        session["attributes"] = draw(
            st.dictionaries(st.just("offer") | odd_text, st.sampled_from(OFFERS) | anything)
        )
    return envelope(request, user_id=user, session=session, screen=draw(st.booleans()))


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON tree, parents before children, down to 8 levels."""
    found = [prefix]
    if len(prefix) >= 8:
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def parent_of(tree: Any, path: tuple) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    tree = draw(base)
    for _ in range(draw(st.integers(0, 4))):
        if not isinstance(tree, dict):
            break
        operation = draw(st.sampled_from(["set", "delete", "add", "type", "intent"]))
        path = draw(st.sampled_from(paths(tree)))
        if operation == "set":
            if not path:
                tree = draw(anything)
            else:
                parent_of(tree, path)[path[-1]] = draw(anything)
        elif operation == "delete" and path:
            parent = parent_of(tree, path)
            del parent[path[-1]]
        elif operation == "add":
            node = parent_of(tree, (*path, None))
            if isinstance(node, dict):
                node[draw(odd_text)] = draw(anything)
        elif operation == "type" and isinstance(tree.get("request"), dict):
            tree["request"]["type"] = draw(st.sampled_from(REQUEST_TYPES) | odd_text)
        elif operation == "intent" and isinstance(tree.get("request"), dict):
            tree["request"]["type"] = "IntentRequest"
            tree["request"]["intent"] = {
                "name": draw(st.sampled_from(list(INTENTS)) | odd_text),
                "slots": draw(
                    st.dictionaries(
                        odd_text,
                        st.builds(slot_for, odd_text, odd_text, odd_text | huge_text, odd_text)
                        | anything,
                        max_size=3,
                    )
                ),
            }
    return tree


envelopes = mutated(st.sampled_from(FIXTURES).map(copy.deepcopy) | model_envelopes())


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("fuzz") / "households.db", merge=merge)
    services = SkillServices(rng=random.Random(7), time_zone_override="America/New_York")
    return create_app(build_skill(store, services), verify=False).test_client()


def ssml_problem(ssml: Any) -> str | None:
    """Why Alexa would reject this SSML, or None."""
    if not isinstance(ssml, str):
        return "ssml is not a string"
    if len(ssml) >= MAX_SPEECH:
        return f"ssml is {len(ssml)} characters"
    declared = ssml.replace("<speak", f'<speak xmlns:amazon="{AMAZON_NS}"', 1)
    try:
        root = ElementTree.fromstring(declared)
    except ElementTree.ParseError as error:
        return f"ssml is not XML: {error}"
    for element in root.iter():
        tag = element.tag.replace(f"{{{AMAZON_NS}}}", "amazon:")
        if tag not in SSML_TAGS:
            return f"ssml has a <{tag}> tag"
    return None if root.tag == "speak" else "ssml does not start with <speak>"


def response_problem(body: Any) -> str | None:
    if not isinstance(body, dict) or "version" not in body:
        return "no version"
    response = body.get("response")
    if not isinstance(response, dict):
        return "no response"
    for speech in (
        response.get("outputSpeech"),
        (response.get("reprompt") or {}).get("outputSpeech"),
    ):
        if speech is not None:
            if speech.get("type") == "SSML":
                problem = ssml_problem(speech.get("ssml"))
                if problem:
                    return problem
            elif len(speech.get("text") or "") >= MAX_SPEECH:
                return "plain speech too long"
    card = response.get("card") or {}
    for field in ("content", "text"):
        if len(card.get(field) or "") >= MAX_SPEECH:
            return f"card {field} is {len(card[field])} characters"
    return None


@pytest.mark.parametrize(
    ("ssml", "fine"),
    [
        ('<speak>Hi <break time="300ms"/> there</speak>', True),
        ('<speak><amazon:effect name="whispered">psst</amazon:effect></speak>', True),
        ("<speak>Tom &amp; Jerry</speak>", True),
        ("<speak>Tom & Jerry</speak>", False),
        ("<speak>a\x01b</speak>", False),
        ("<speak><script>x</script></speak>", False),
        ("<speak><amazon:shout>x</amazon:shout></speak>", False),
        ("plain words", False),
        ("<speak>" + "x" * MAX_SPEECH + "</speak>", False),
    ],
)
def test_the_ssml_check_knows_what_alexa_accepts(ssml, fine):
    assert (ssml_problem(ssml) is None) is fine


def encode(tree: Any, ascii_only: bool) -> bytes:
    """The envelope as JSON text (with lone surrogates, not even valid UTF-8)."""
    text = DEEP_MARKER.sub(deep_json, json.dumps(tree, ensure_ascii=ascii_only))
    return text.encode("utf-8", "surrogatepass")


# Bodies, not trees, are the examples, so Hypothesis prints a failing one as it was sent.
bodies = st.builds(encode, envelopes, st.booleans())


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_no_envelope_breaks_the_skill(client, body):
    # GIVEN any (mutated) envelope WHEN it is posted
    response = client.post("/", data=body, content_type="application/json; charset=utf-8")
    event(f"status {response.status_code}")
    # THEN never a server error; a 200 is a response Alexa accepts; a refusal is short JSON
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 200:
        problem = response_problem(response.json)
        assert problem is None, f"{problem}: {json.dumps(response.json)[:2000]}"
    else:
        assert response.status_code in (400, 413), response.status_code
        assert set(response.json) == {"error"}
        assert "Traceback" not in response.get_data(as_text=True)
