"""infra/template.yaml: it lints clean, and it agrees with the code it deploys.

Every name the template shares with the code (table key, TTL attribute, environment
variables, handler, runtime, the zip it points at) is checked against the code's own
constants, and its IAM policy against the DynamoDB calls the store really makes. The ASK
CLI's infra/package.json and its lock pin ask-cli exactly, with the antlr4ts override that
keeps it from crashing (read as JSON: no node, no network).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cfnlint.api import ManualArgs, lint_file
from moto import mock_aws

from skill.core.household import SCHEMA_VERSION, WRITE_SCHEMAS, merge
from skill.doors.lambda_function import TABLE_ENV
from skill.doors.wiring import RECORD_SCHEMA_ENV, SKILL_ID_ENV, record_schema
from skill.storage import KEY_ATTRIBUTE, TTL_ATTRIBUTE, VERSION_KEY, DynamoDbStore, ours_wins
from skill.tools import packaging
from tests.unit.storage.helpers import use_fake_aws

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
EVENTS = ROOT / "tests" / "events"
#: Alexa's Lambda regions: North America, Europe, Far East.
ALEXA_REGIONS = ["us-east-1", "eu-west-1", "us-west-2"]
TABLE = "households"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !GetAtt, !Sub ...) as their long form."""


def _short_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _short_tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def only(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = resources_of(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


@pytest.fixture(scope="module")
def function(template: dict[str, Any]) -> dict[str, Any]:
    return only(template, "AWS::Serverless::Function")[1]["Properties"]


@pytest.fixture(scope="module")
def table(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return only(template, "AWS::DynamoDB::Table")


# ----------------------------------------------------------------------------- lint


def test_cfn_lint_finds_no_errors_or_warnings_in_alexa_regions() -> None:
    matches = lint_file(TEMPLATE, ManualArgs(regions=ALEXA_REGIONS))
    serious = [match for match in matches if not match.rule.id.startswith("I")]
    assert not serious, "\n".join(str(match) for match in serious)


# ----------------------------------------------------------------------------- the table


def test_table_key_and_ttl_are_the_stores_attributes(table: tuple[str, dict[str, Any]]) -> None:
    properties = table[1]["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}
    ]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": TTL_ATTRIBUTE,
        "Enabled": True,
    }


def test_table_is_on_demand_recoverable_encrypted_and_kept(
    table: tuple[str, dict[str, Any]],
) -> None:
    resource = table[1]
    properties = resource["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


# ----------------------------------------------------------------------------- the function


def test_environment_names_the_table_and_skill_the_code_reads(
    function: dict[str, Any], table: tuple[str, dict[str, Any]]
) -> None:
    assert function["Environment"]["Variables"] == {
        TABLE_ENV: {"Ref": table[0]},
        SKILL_ID_ENV: {"Ref": "SkillId"},
        RECORD_SCHEMA_ENV: {"Ref": "RecordSchema"},
    }


def test_the_record_schema_parameter_offers_what_the_code_writes(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    parameter = template["Parameters"]["RecordSchema"]
    assert parameter["AllowedValues"] == [str(n) for n in WRITE_SCHEMAS]
    assert parameter["Default"] == str(SCHEMA_VERSION)
    for value in parameter["AllowedValues"]:
        monkeypatch.setenv(RECORD_SCHEMA_ENV, value)
        assert record_schema() == int(value)
    monkeypatch.setenv(RECORD_SCHEMA_ENV, "4")
    with pytest.raises(ValueError, match="must be 2 or 3"):
        record_schema()


def test_handler_is_the_lambda_entry_point(function: dict[str, Any]) -> None:
    module_name, _, name = function["Handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), name)
    assert callable(handler)
    assert function["Handler"] == "skill.doors.lambda_function.handler"


def test_runtime_and_architecture_match_the_project_and_the_zip(function: dict[str, Any]) -> None:
    python = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert function["Runtime"] == f"python{python}" == f"python{packaging.LAMBDA_PYTHON}"
    assert function["Architectures"] == [packaging.LAMBDA_ARCHITECTURE]
    assert packaging.LAMBDA_PLATFORM.startswith(packaging.LAMBDA_ARCHITECTURE)


def test_code_is_the_zip_make_lambda_zip_builds(function: dict[str, Any]) -> None:
    assert (TEMPLATE.parent / function["CodeUri"]).resolve() == packaging.DEFAULT_ZIP


def test_function_answers_within_alexas_eight_seconds(function: dict[str, Any]) -> None:
    assert 3 <= function["Timeout"] < 8
    assert function["MemorySize"] >= 256


def test_only_the_configured_skill_may_invoke_the_function(function: dict[str, Any]) -> None:
    assert function["Events"] == {
        "AlexaSkill": {"Type": "AlexaSkill", "Properties": {"SkillId": {"Ref": "SkillId"}}}
    }


def test_logs_have_a_retention(template: dict[str, Any]) -> None:
    name, function_resource = only(template, "AWS::Serverless::Function")
    log_group = only(template, "AWS::Logs::LogGroup")[1]["Properties"]
    assert function_resource["Properties"].get("LoggingConfig") is None
    assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{name}}}"}
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_outputs_give_the_function_arn_and_table_name(template: dict[str, Any]) -> None:
    name = only(template, "AWS::Serverless::Function")[0]
    table_name = only(template, "AWS::DynamoDB::Table")[0]
    values = [output["Value"] for output in template["Outputs"].values()]
    assert {"Fn::GetAtt": [name, "Arn"]} in values
    assert {"Ref": table_name} in values


# ----------------------------------------------------------------------------- IAM


def policy_statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    """The function's only policy: an inline document (no SAM policy templates)."""
    policies = function["Policies"]
    assert len(policies) == 1 and isinstance(policies[0], dict), policies
    assert set(policies[0]) == {"Version", "Statement"}, "an inline document, not a template"
    return policies[0]["Statement"]


def granted_actions(function: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in policy_statements(function):
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


class DynamoDbCalls:
    """Every DynamoDB operation made through clients of one boto3 session."""

    def __init__(self) -> None:
        self.session = boto3.session.Session(region_name="us-east-1")
        self.names: set[str] = set()
        self.session.events.register("before-call.dynamodb", self._record)

    def _record(self, event_name: str, **_: Any) -> None:
        self.names.add(event_name.rsplit(".", 1)[-1])

    @property
    def actions(self) -> set[str]:
        return {f"dynamodb:{name}" for name in self.names}


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoDbCalls]:
    """moto DynamoDB with the households table; calls after setup are recorded."""
    use_fake_aws(monkeypatch)
    monkeypatch.delenv(SKILL_ID_ENV, raising=False)
    with mock_aws():
        admin = boto3.client("dynamodb", region_name="us-east-1")
        DynamoDbStore(TABLE, client=admin, merge=ours_wins).create_table()
        yield DynamoDbCalls()


def test_policy_allows_exactly_what_the_household_store_calls(
    function: dict[str, Any], dynamodb: DynamoDbCalls
) -> None:
    # GIVEN the store the Lambda function uses, on a recorded connection
    store = DynamoDbStore(TABLE, client=dynamodb.session.client("dynamodb"), merge=merge)
    # WHEN two devices read, save, one loses the race (re-read and merge), and it is deleted
    first = store.read("household")
    stale = store.read("household")
    store.put("household", {**first, "names": ["Sam", "Alex"]})
    store.put("household", {**stale, "audience": "friends"})
    assert store.read("household")[VERSION_KEY] == 2
    store.delete("household")
    # THEN the policy grants exactly those calls: a new call fails here until it is granted,
    # and a grant the code no longer needs fails here until it is removed.
    assert granted_actions(function) == dynamodb.actions


def test_every_event_through_the_lambda_entry_stays_within_the_policy(
    function: dict[str, Any], dynamodb: DynamoDbCalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skill.doors import lambda_function
    from skill.storage import dynamodb as dynamodb_module

    monkeypatch.setenv(TABLE_ENV, TABLE)
    monkeypatch.setattr(dynamodb_module, "_session", dynamodb.session._session)
    monkeypatch.setattr(lambda_function, "_skill", None)
    for event in sorted(EVENTS.glob("*.json")):
        lambda_function.handler(json.loads(event.read_text(encoding="utf-8")), None)
    assert "dynamodb:PutItem" in dynamodb.actions  # the events did reach the table
    assert dynamodb.actions <= granted_actions(function)


def test_policy_reaches_only_the_households_table(
    function: dict[str, Any], table: tuple[str, dict[str, Any]]
) -> None:
    for statement in policy_statements(function):
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == {"Fn::GetAtt": [table[0], "Arn"]}
        listed = statement["Action"]
        assert all(
            action.startswith("dynamodb:") and "*" not in action
            for action in ([listed] if isinstance(listed, str) else listed)
        )


# ----------------------------------------------------------------------------- the ASK CLI

ASK_CLI_PACKAGE = ROOT / "infra" / "package.json"
ASK_CLI_LOCK = ROOT / "infra" / "package-lock.json"
#: A version, exactly: no range (^, ~, >=, x, *) for npm to float on.
EXACT_VERSION = r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?"
#: antlr4ts builds that make every ask command crash ("Class extends value undefined").
BROKEN_ANTLR4TS = {"0.5.0-dev"}


def npm_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_ask_cli_is_pinned_exactly_with_the_antlr4ts_override() -> None:
    package = npm_json(ASK_CLI_PACKAGE)
    assert package["private"] is True
    assert list(package["dependencies"]) == ["ask-cli"]
    assert re.fullmatch(EXACT_VERSION, package["dependencies"]["ask-cli"])
    override = package["overrides"]["antlr4ts"]
    assert re.fullmatch(EXACT_VERSION, override)
    assert override not in BROKEN_ANTLR4TS


def test_lock_installs_the_pinned_ask_cli_and_the_overridden_antlr4ts() -> None:
    package, lock = npm_json(ASK_CLI_PACKAGE), npm_json(ASK_CLI_LOCK)
    installed = lock["packages"]
    # npm ci refuses a lock out of step with package.json; this says so without npm
    assert installed[""]["dependencies"] == package["dependencies"]
    assert installed["node_modules/ask-cli"]["version"] == package["dependencies"]["ask-cli"]
    antlr4ts = {
        name: entry["version"]
        for name, entry in installed.items()
        if name == "node_modules/antlr4ts" or name.endswith("/node_modules/antlr4ts")
    }
    assert antlr4ts, "the lock installs no antlr4ts: is @alexa/acdl still a dependency?"
    assert set(antlr4ts.values()) == {package["overrides"]["antlr4ts"]}, antlr4ts


def test_installed_ask_cli_stays_out_of_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "infra/node_modules/" in ignored
