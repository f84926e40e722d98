"""Part 3: cold start, each run a fresh interpreter, ours and the baseline taking turns.

Ours: ``import skill.doors.lambda_function``. Baseline: what any ASK SDK Lambda with a DynamoDB
client imports, ``ask_sdk_core.skill_builder`` and ``boto3`` (the bare ``ask_sdk_core``
package imports next to nothing). The same child also times, as information, loading
the content (starters and phrases) and everything up to the first answer (import,
content, building the skill on an in-memory store in place of DynamoDB, answering a
LaunchRequest through ``handler``), against the baseline importing, building and
invoking a hello-world. Work the import defers shows up there, not in the import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import Figure, Goal, median, ratio
from skill.tools.envelopes import envelope, launch_request, new_session

__all__ = ["measure", "run"]

ROOT = Path(__file__).resolve().parent.parent
GOAL = Goal("<=", 1.15)

OURS = """
import json, sys, time
started = time.perf_counter()
import skill.doors.lambda_function as entry
imported = time.perf_counter()
from skill.core.speech import load_phrases
from skill.core.starters import load_library
load_library(); load_phrases("en-US")
content = time.perf_counter()
from skill.alexa import build_skill
from skill.core.household import merge
from skill.storage.memory import MemoryStore
entry._skill = build_skill(MemoryStore(merge=merge))
entry.handler(json.loads(sys.argv[1]), None)
answered = time.perf_counter()
print(json.dumps({"import": imported - started, "content": content - imported,
                  "first": answered - started}))
"""

BASELINE = """
import json, sys, time
started = time.perf_counter()
import ask_sdk_core.skill_builder
import boto3
imported = time.perf_counter()
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_model import RequestEnvelope

class Hello(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Hello.").response

builder = ask_sdk_core.skill_builder.CustomSkillBuilder()
builder.add_request_handler(Hello())
skill = builder.create()
envelope = skill.serializer.deserialize(sys.argv[1], RequestEnvelope)
skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None))
answered = time.perf_counter()
print(json.dumps({"import": imported - started, "first": answered - started}))
"""


def _child(code: str, event: str) -> dict[str, float]:
    skip = ("TABLE_NAME", "PYTHONPROFILEIMPORTTIME", "HEART_TO_HEART_SKILL_ID")
    env = {name: value for name, value in os.environ.items() if name not in skip}
    env["LOG_LEVEL"] = "WARNING"
    result = subprocess.run(
        [sys.executable, "-c", code, event],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(runs: int) -> dict[str, list[dict[str, float]]]:
    """Seconds per phase, per run; ours and the baseline alternate."""
    user = "amzn1.ask.account.cold-start"
    event = json.dumps(envelope(launch_request(), user_id=user, session=new_session(user_id=user)))
    results: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
    for number in range(runs):
        sides = [("ours", OURS), ("baseline", BASELINE)]
        for side, code in sides if number % 2 == 0 else reversed(sides):
            results[side].append(_child(code, event))
    return results


def run(quick: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (3 if quick else 7)
    results = measure(runs)

    def phase(side: str, name: str) -> float:
        return median([r[name] for r in results[side]])

    base_import = phase("baseline", "import")
    return [
        Figure(
            f"import skill.doors.lambda_function / ask_sdk_core.skill_builder + boto3"
            f" ({base_import * 1000:.0f} ms), n={runs}",
            (ratio(phase("ours", "import"), base_import),),
            goals=(GOAL,),
        ),
        Figure(
            "import + first LaunchRequest / the same for hello-world",
            (ratio(phase("ours", "first"), phase("baseline", "first")),),
            note="info",
        ),
        Figure(
            "content: load_library() + load_phrases(), fresh process",
            (phase("ours", "content") * 1000,),
            unit="ms",
            note=f"info, {phase('ours', 'content') / base_import:.2f}x baseline import",
        ),
    ]
