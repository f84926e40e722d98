"""Part 3: cold start from the built Lambda zip, fresh interpreters, ours and a baseline.

Both sides run from the same unpacked zip (the same precompiled dependency set) under
`python -I -S`, against DynamoDB on moto's server over loopback HTTP, and are timed from
the first line of the process to the answer of its first request:

- ours: import `skill.doors.lambda_function` (which builds the skill and its DynamoDB
  client at import, as on Lambda) and answer the request through `handler`;
- the baseline, a hello-world ASK skill: `CustomSkillBuilder`, a boto3 DynamoDB client,
  GetItem on a launch, GetItem and PutItem on an intent, a fixed line spoken.

Figures: import plus the first LaunchRequest, and import plus the first StarterIntent,
each as ours / baseline (medians, the two sides alternating); the import alone is an
info row, since the work done at import is what the first request no longer waits for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks import Figure, Goal, median, ratio
from skill.tools.envelopes import envelope, intent_request, launch_request, new_session

__all__ = ["measure", "run"]

GOAL = Goal("<=", 1.0)
TABLE = "heart-to-heart-cold-start"

OURS = """
import time
started = time.perf_counter()
import json, sys
sys.path.insert(0, sys.argv[1])
import skill.doors.lambda_function as entry
imported = time.perf_counter()
entry.handler(json.loads(sys.argv[2]), None)
answered = time.perf_counter()
print(json.dumps({"import": imported - started, "first": answered - started}))
"""

BASELINE = """
import time
started = time.perf_counter()
import json, os, sys
sys.path.insert(0, sys.argv[1])
import boto3
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import RequestEnvelope

client = boto3.client("dynamodb")
table = os.environ["TABLE_NAME"]


class Hello(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        envelope = handler_input.request_envelope
        key = {"id": {"S": "hello#" + envelope.context.system.user.user_id}}
        item = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item") or {}
        if envelope.request.object_type != "LaunchRequest":
            count = int(item.get("count", {}).get("N", "0")) + 1
            client.put_item(TableName=table, Item={**key, "count": {"N": str(count)}})
        return handler_input.response_builder.speak("Hello.").response


builder = CustomSkillBuilder()
builder.add_request_handler(Hello())
skill = builder.create()
imported = time.perf_counter()
request = skill.serializer.deserialize(sys.argv[2], RequestEnvelope)
skill.serializer.serialize(skill.invoke(request_envelope=request, context=None))
answered = time.perf_counter()
print(json.dumps({"import": imported - started, "first": answered - started}))
"""


def _child(code: str, bundle: Path, event: str, endpoint: str) -> dict[str, float]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_CONFIG_FILE": "/nonexistent/cold-start/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/cold-start/credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "TABLE_NAME": TABLE,
        "LOG_LEVEL": "WARNING",
        "LANG": "C.UTF-8",
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(bundle), event],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _events() -> dict[str, str]:
    user = "amzn1.ask.account.cold-start"
    session = new_session(user_id=user)
    return {
        "launch": json.dumps(envelope(launch_request(), user_id=user, session=session)),
        "starter": json.dumps(
            envelope(intent_request("StarterIntent"), user_id=user, session=session)
        ),
    }


def measure(runs: int) -> dict[str, dict[str, list[dict[str, float]]]]:
    """Seconds per phase, per run, per event; ours and the baseline alternate."""
    from skill.doors.wiring import dynamodb_store
    from skill.tools import packaging
    from tests.unit.storage.helpers import moto_server

    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="cold-start-") as work:
        bundle = Path(work) / "task"
        with zipfile.ZipFile(packaging.build_lambda_zip(Path(work) / "lambda.zip")) as archive:
            archive.extractall(bundle)
        with moto_server() as endpoint:
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
            try:
                dynamodb_store(TABLE).ensure_table()
            finally:
                del os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
            for name, event in _events().items():
                results[name] = {"ours": [], "baseline": []}
                for number in range(runs):
                    sides = [("ours", OURS), ("baseline", BASELINE)]
                    for side, code in sides if number % 2 == 0 else reversed(sides):
                        results[name][side].append(_child(code, bundle, event, endpoint))
    return results


def run(quick: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (3 if quick else 9)
    results = measure(runs)

    def phase(event: str, side: str, name: str) -> float:
        return median([r[name] for r in results[event][side]])

    base = phase("launch", "baseline", "first")
    return [
        Figure(
            f"import + first LaunchRequest, from the zip, DynamoDB on moto"
            f" (baseline {base * 1000:.0f} ms), n={runs}",
            (ratio(phase("launch", "ours", "first"), base),),
            goals=(GOAL,),
        ),
        Figure(
            "import + first StarterIntent, from the zip, DynamoDB on moto",
            (ratio(phase("starter", "ours", "first"), phase("starter", "baseline", "first")),),
            goals=(GOAL,),
        ),
        Figure(
            "import alone (ours builds the skill at import)",
            (ratio(phase("launch", "ours", "import"), phase("launch", "baseline", "import")),),
            note="info",
        ),
    ]
