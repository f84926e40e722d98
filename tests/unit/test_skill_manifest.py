"""infra/skill-package/skill.json and the skill package built from it for the ASK CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skill.language.models import LOCALES, MODELS_DIR
from skill.language.nlu import FALLBACK_INTENT, Resolver
from skill.tools import packaging

ROOT = Path(__file__).resolve().parents[2]
ASK_RESOURCES = ROOT / "infra" / "ask-resources.json"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:heart-to-heart-SkillFunction-X1"

#: What each example phrase must do: launch the skill, or reach an intent with these slot ids.
EXAMPLES: dict[str, tuple[str, dict[str, str]]] = {
    "Alexa, open heart to heart": ("LaunchRequest", {}),
    "Alexa, ask heart to heart for a bedtime question": ("StarterIntent", {"moment": "bedtime"}),
    "Alexa, ask heart to heart to start our check in": ("CheckInIntent", {}),
}


def load_manifest() -> dict[str, Any]:
    return json.loads(packaging.MANIFEST_PATH.read_text(encoding="utf-8"))["manifest"]


MANIFEST = load_manifest()
PUBLISHED = MANIFEST["publishingInformation"]["locales"]


def test_manifest_publishes_exactly_the_locales_with_a_voice_model() -> None:
    assert list(PUBLISHED) == list(LOCALES)
    for locale in LOCALES:
        assert (MODELS_DIR / f"{locale}.json").exists()


def test_distribution_countries_are_the_locales_countries() -> None:
    info = MANIFEST["publishingInformation"]
    assert info["isAvailableWorldwide"] is False
    assert sorted(info["distributionCountries"]) == sorted(loc.split("-")[1] for loc in LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_store_listing_fits_alexas_limits(locale: str) -> None:
    listing = PUBLISHED[locale]
    assert listing["name"] == "Heart to Heart"
    assert 0 < len(listing["summary"]) <= 160
    assert 0 < len(listing["description"]) <= 4000
    assert 1 <= len(listing["examplePhrases"]) <= 3
    assert 0 < len(listing["keywords"]) <= 30


@pytest.mark.parametrize(
    ("locale", "phrase"),
    [(locale, phrase) for locale in LOCALES for phrase in PUBLISHED[locale]["examplePhrases"]],
)
def test_example_phrase_reaches_the_intent_it_advertises(locale: str, phrase: str) -> None:
    # GIVEN the locale's own voice model, as the chat console resolves it
    assert phrase in EXAMPLES, f"add {phrase!r} to EXAMPLES with the intent it should reach"
    intent, slot_ids = EXAMPLES[phrase]
    resolver = Resolver.for_locale(locale)
    assert phrase.startswith("Alexa, ") and resolver.invocation_name in phrase.lower()
    # WHEN the phrase is said
    invocation = resolver.parse_invocation(phrase)
    # THEN it launches the skill, or reaches the intent with the slots it promises
    if intent == "LaunchRequest":
        assert invocation.kind == "launch"
        return
    assert invocation.kind == "oneshot"
    resolution = resolver.resolve(invocation.rest)
    assert resolution.intent != FALLBACK_INTENT
    assert resolution.intent == intent
    assert {name: slot.id for name, slot in resolution.slots.items()} == slot_ids


@pytest.mark.parametrize("locale", LOCALES)
def test_first_example_phrase_opens_the_skill(locale: str) -> None:
    first = PUBLISHED[locale]["examplePhrases"][0]
    assert EXAMPLES[first][0] == "LaunchRequest"


def test_privacy_answers_are_honest() -> None:
    privacy = MANIFEST["privacyAndCompliance"]
    # The skill keeps the first names a household gives it: that is personal information.
    assert privacy["usesPersonalInfo"] is True
    assert privacy["allowsPurchases"] is False
    assert privacy["isChildDirected"] is False
    assert privacy["containsAds"] is False
    assert privacy["isExportCompliant"] is True


def test_permissions_events_and_interfaces() -> None:
    assert {"name": "alexa::alerts:reminders:skill:readwrite"} in MANIFEST["permissions"]
    events = {entry["eventName"] for entry in MANIFEST["events"]["subscriptions"]}
    assert {"SKILL_ENABLED", "SKILL_DISABLED"} <= events
    interfaces = {entry["type"]: entry for entry in MANIFEST["apis"]["custom"]["interfaces"]}
    assert set(interfaces) == {"ALEXA_PRESENTATION_APL", "CAN_FULFILL_INTENT_REQUEST"}
    viewports = interfaces["ALEXA_PRESENTATION_APL"]["supportedViewports"]
    assert {"ROUND", "RECTANGLE"} <= {viewport["shape"] for viewport in viewports}
    for viewport in viewports:
        assert viewport["minWidth"] <= viewport["maxWidth"]
        assert viewport["minHeight"] <= viewport["maxHeight"]


def test_checked_in_endpoints_are_the_placeholder_the_packager_replaces() -> None:
    assert MANIFEST["apis"]["custom"]["endpoint"] == {"uri": packaging.PLACEHOLDER_ENDPOINT}
    assert MANIFEST["events"]["endpoint"] == {"uri": packaging.PLACEHOLDER_ENDPOINT}


def test_ask_cli_project_deploys_the_built_package() -> None:
    resources = json.loads(ASK_RESOURCES.read_text(encoding="utf-8"))
    source = resources["profiles"]["default"]["skillMetadata"]["src"]
    assert (ASK_RESOURCES.parent / source).resolve() == packaging.DIST_DIR / "skill-package"


# ----------------------------------------------------------------------------- the built package


def test_package_holds_the_manifest_and_every_model_unchanged(tmp_path: Path) -> None:
    package = packaging.build_skill_package(tmp_path, endpoint=FUNCTION_ARN)
    assert package == tmp_path / "skill-package"
    models = package / "interactionModels" / "custom"
    assert sorted(path.name for path in models.iterdir()) == sorted(f"{x}.json" for x in LOCALES)
    for locale in LOCALES:
        built = (models / f"{locale}.json").read_bytes()
        assert built == (MODELS_DIR / f"{locale}.json").read_bytes()
    manifest = json.loads((package / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert manifest["apis"]["custom"]["endpoint"] == {"uri": FUNCTION_ARN}
    assert manifest["events"]["endpoint"] == {"uri": FUNCTION_ARN}
    assert manifest["publishingInformation"] == MANIFEST["publishingInformation"]


def test_package_without_endpoint_can_create_the_skill_first(tmp_path: Path) -> None:
    package = packaging.build_skill_package(tmp_path)
    manifest = json.loads((package / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert "endpoint" not in manifest["apis"]["custom"]
    assert "events" not in manifest  # events need an endpoint
    assert manifest["permissions"] == MANIFEST["permissions"]
    assert packaging.PLACEHOLDER_ENDPOINT not in (package / "skill.json").read_text("utf-8")


def test_rebuilding_drops_files_of_an_earlier_build(tmp_path: Path) -> None:
    stale = tmp_path / "skill-package" / "interactionModels" / "custom" / "de-DE.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    packaging.build_skill_package(tmp_path)
    assert not stale.exists()


@pytest.mark.parametrize(
    "endpoint",
    ["https://example.com/alexa", "arn:aws:lambda:us-east-1:1234:function:x", "heart-to-heart"],
)
def test_an_endpoint_that_is_not_a_function_arn_is_refused(tmp_path: Path, endpoint: str) -> None:
    with pytest.raises(packaging.PackagingError, match="not a Lambda function ARN"):
        packaging.build_skill_package(tmp_path, endpoint=endpoint)
    assert packaging.main(["skill-package", "--out", str(tmp_path), "--endpoint", endpoint]) == 2


def test_packaging_never_overwrites_the_manifest_source() -> None:
    with pytest.raises(packaging.PackagingError, match="manifest source"):
        packaging.build_skill_package(packaging.MANIFEST_PATH.parent.parent)


def test_command_line_writes_the_package(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["skill-package", "--out", str(tmp_path), "--endpoint", FUNCTION_ARN]
    assert packaging.main(argv) == 0
    assert (tmp_path / "skill-package" / "skill.json").exists()
    assert FUNCTION_ARN in capsys.readouterr().out
