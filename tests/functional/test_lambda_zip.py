"""The Lambda zip as AWS would run it: built once, unpacked alone, answering Alexa.

Building installs the locked Lambda dependencies as manylinux wheels, from uv's cache or
the package index; without either the build fails, and so do these tests (they never skip).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from skill.doors.lambda_function import TABLE_ENV
from skill.doors.wiring import SKILL_ID_ENV
from skill.storage import DynamoDbStore, ours_wins
from skill.tools import packaging
from tests.conftest import ends_session, load_event, speech
from tests.unit.storage.helpers import moto_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("zip")]

ROOT = Path(__file__).resolve().parents[2]
TABLE = "heart-to-heart-zip"
REQUIRED = {
    "skill",
    "ask_sdk_core",
    "ask_sdk_model",
    "ask_sdk_runtime",
    "boto3",
    "botocore",
    "yaml",
}
#: Lambda's limits are 50 MB zipped (direct upload) and 250 MB unzipped; the project's own,
#: which keeps a cold start's unpacking and imports small, is 10 MB zipped.
MAX_ZIPPED, MAX_UNZIPPED = 10_000_000, 250_000_000

# Runs with `python -I -S`: no site-packages, no PYTHON* variables, no current directory on
# sys.path. Only the standard library and the unpacked bundle can be imported.
RUN_IN_BUNDLE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import skill.doors.lambda_function as entry
replies = [entry.handler(event, None) for event in json.load(sys.stdin)]
import ask_sdk_core, boto3, botocore, yaml
origins = {m.__name__: m.__file__ for m in (entry, ask_sdk_core, boto3, botocore, yaml)}
loaded = sorted({name.split(".")[0] for name in sys.modules})
ours = sorted(name for name in sys.modules if name == "skill" or name.startswith("skill."))
print(json.dumps({"replies": replies, "origins": origins, "loaded": loaded, "ours": ours}))
"""


@pytest.fixture(scope="module")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip `make lambda-zip` builds, built once for this module."""
    return packaging.build_lambda_zip(tmp_path_factory.mktemp("zip") / "lambda.zip")


@pytest.fixture(scope="module")
def names(lambda_zip: Path) -> list[str]:
    with zipfile.ZipFile(lambda_zip) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def bundle(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip unpacked into an empty folder, as Lambda unpacks it into /var/task."""
    target = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(lambda_zip) as archive:
        archive.extractall(target)
    return target


@pytest.fixture(scope="module")
def dynamodb_endpoint() -> Iterator[str]:
    """A moto server on loopback with the households table; the zip carries no moto."""
    with moto_server() as endpoint:
        # ensure_table: a CreateTable retried after a timeout on a busy machine finds the
        # table its first try made, instead of failing the whole module
        DynamoDbStore(
            TABLE, region="us-east-1", endpoint_url=endpoint, merge=ours_wins
        ).ensure_table()
        yield endpoint


def top_levels(names: list[str]) -> set[str]:
    """Import names at the root of the zip ("six.py" is six, "PyYAML-6.0.dist-info" is pyyaml)."""
    roots = {name.split("/")[0] for name in names}
    return {root.removesuffix(".py").split("-")[0].split(".")[0].lower() for root in roots}


def test_zip_holds_the_lambda_set_and_nothing_of_the_web_or_the_tests(names: list[str]) -> None:
    present = top_levels(names)
    assert present & packaging.FORBIDDEN_IN_ZIP == set()
    assert {"flask", "oscrypto", "werkzeug", "gunicorn", "pytest", "moto", "hypothesis"}.isdisjoint(
        present
    )
    assert present >= REQUIRED


def test_zip_holds_the_lambda_path_of_the_skill_and_its_compiled_content(
    names: list[str],
) -> None:
    shipped = {name for name in names if name.startswith("skill/") and "__pycache__" not in name}
    assert {"skill/doors/lambda_function.py", "skill/content/apl/starter.json"} <= shipped
    assert {
        "skill/content/compiled/starters.json",
        "skill/content/compiled/phrases.json",
        "skill/content/compiled/retired.json",
    } <= shipped
    # nothing of the other doors, the tools, the voice grammar, SQLite or the YAML sources
    for left_out in ("skill/doors/web.py", "skill/doors/cli.py", "skill/tools/", "skill/language/",
                     "skill/storage/sqlite.py", "skill/content/starters/",
                     "skill/content/retired/"):  # fmt: skip
        assert not any(name.startswith(left_out) for name in shipped), left_out
    # precompiled, so a cold start does not compile the whole dependency tree
    assert "skill/doors/__pycache__/lambda_function.cpython-311.pyc" in names
    # and only DynamoDB's part of the AWS SDK's service data
    services = {name.split("/")[2] for name in names if name.startswith("botocore/data/")}
    assert services <= packaging.BOTOCORE_DATA_KEPT and "dynamodb" in services


def test_zip_fits_lambda_and_is_reproducible(lambda_zip: Path) -> None:
    with zipfile.ZipFile(lambda_zip) as archive:
        entries = archive.infolist()
    assert [entry.filename for entry in entries] == sorted(entry.filename for entry in entries)
    assert {entry.date_time for entry in entries} == {packaging.ZIP_DATE_TIME}
    assert all((entry.external_attr >> 16) & 0o444 == 0o444 for entry in entries)
    assert lambda_zip.stat().st_size < MAX_ZIPPED
    assert sum(entry.file_size for entry in entries) < MAX_UNZIPPED


def test_same_files_give_the_same_zip_bytes(tmp_path: Path) -> None:
    # GIVEN a tree zipped once
    tree = tmp_path / "tree"
    (tree / "b").mkdir(parents=True)
    (tree / "b" / "x.py").write_text("x = 1\n", encoding="utf-8")
    (tree / "a.txt").write_text("a\n", encoding="utf-8")
    first = packaging.write_zip(tree, tmp_path / "first.zip").read_bytes()
    # WHEN the files are touched (new times, another mode) and zipped again
    for path in (tree / "a.txt", tree / "b" / "x.py"):
        path.touch()
        path.chmod(0o600)
    second = packaging.write_zip(tree, tmp_path / "second.zip").read_bytes()
    # THEN the bytes are the same
    assert first == second


def test_unpacked_zip_alone_answers_alexa_and_remembers_in_dynamodb(
    bundle: Path, dynamodb_endpoint: str
) -> None:
    # GIVEN the unpacked zip and Lambda-like settings, with DynamoDB on the moto server
    launch, starter = load_event("launch.json"), load_event("starter_intent.json")
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_CONFIG_FILE": "/nonexistent/heart-to-heart-test/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/heart-to-heart-test/creds",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        TABLE_ENV: TABLE,
        SKILL_ID_ENV: launch["context"]["System"]["application"]["applicationId"],
    }
    # WHEN an isolated interpreter imports the entry point from it and sends two requests
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUN_IN_BUNDLE, str(bundle)],
        input=json.dumps([launch, starter]),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    # THEN everything came from the bundle, with no web or test package loaded
    for module, origin in report["origins"].items():
        assert Path(origin).is_relative_to(bundle), f"{module} came from {origin}"
    assert packaging.FORBIDDEN_IN_ZIP.isdisjoint(report["loaded"])
    # AND every module of the skill in the zip is one the function imports: nothing dead
    shipped = {
        path.relative_to(bundle)
        .with_suffix("")
        .as_posix()
        .replace("/", ".")
        .removesuffix(".__init__")
        for path in (bundle / "skill").rglob("*.py")
    }
    assert shipped == set(report["ours"])
    # AND the launch greets and prompts, the starter is spoken
    launched, asked = report["replies"]
    assert speech(launched) and not ends_session(launched)
    assert speech(asked) and asked["response"]["card"]["content"]
    # AND the household was saved in the table, with its TTL
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=dynamodb_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    items = client.scan(TableName=TABLE)["Items"]
    user = launch["context"]["System"]["user"]["userId"]
    assert [item["id"]["S"] for item in items] == [user]
    assert "expires_at" in items[0], result.stderr
