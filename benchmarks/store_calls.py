"""Part 2: store calls per turn, and Settings API calls per household per week.

DynamoDB runs under moto's ``mock_aws``; a botocore ``before-call`` hook on the store's
own client counts every operation, so nothing the store does is missed. The Settings API
is a stand-in HTTP server on loopback (``tests/fake_alexa_api.py``): one household's 50
requests over six days should ask it for the time zone once.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks import Figure, Goal
from benchmarks.workload import (
    EVENING,
    QUIET,
    SECONDS_BETWEEN_TURNS,
    VISIT,
    Clock,
    Visit,
    households,
    invoke,
    our_skill,
    seed_record,
)
from skill.core.household import merge
from skill.storage import MemoryStore

__all__ = ["count_settings_calls", "count_store_calls", "run"]

TABLE = "heart-to-heart-bench"
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
NEVER_WRITE = ("help", "repeat", "stop", "can_fulfill")
LABELS = {
    "launch": "launch",
    "starter": "starter",
    "next": "next",
    "deeper": "deeper",
    "save": "save favourite",
    "help": "help",
    "checkin": "check-in: CheckInIntent",
    "rating": "check-in: RatingIntent",
    "skill_disabled": "SkillDisabled (NOT_PERSISTED)",
    "repeat": "repeat",
    "stop": "stop",
    "can_fulfill": "CanFulfillIntentRequest",
}
AT_MOST_ONE = Goal("<=", 1)
NONE = Goal("==", 0)


@contextmanager
def _fake_aws() -> Iterator[None]:
    """moto with fake credentials; the environment is put back afterwards."""
    from moto import mock_aws

    fake = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in fake}
    os.environ.update(fake)
    try:
        with mock_aws():
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class CallCounter:
    """botocore hook: counts DynamoDB operations by name."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        self.calls[getattr(model, "name", "?")] += 1

    def take(self) -> tuple[int, int]:
        """(reads, writes) since the last take."""
        reads = sum(n for op, n in self.calls.items() if op in READS)
        writes = sum(n for op, n in self.calls.items() if op in WRITES)
        self.calls.clear()
        return reads, writes


def count_store_calls(visits: int) -> dict[str, list[tuple[int, int]]]:
    """(reads, writes) of every turn, by request kind, on DynamoDB under moto."""
    from skill.storage import DynamoDbStore

    per_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with _fake_aws():
        clock = Clock()
        store = DynamoDbStore(TABLE, region="us-east-1", merge=merge, clock=clock)
        store.create_table()
        counter = CallCounter()
        store.client.meta.events.register("before-call.dynamodb.*", counter)
        skill = our_skill(store, clock)
        seed = seed_record(MemoryStore(merge=merge, clock=clock), clock)
        users = households("calls")
        for _ in range(visits):
            user = next(users)
            store.put(user, dict(seed))
            visit = Visit(user)
            clock.now = EVENING
            # The quiet requests come after a starter, so "repeat" has something to repeat.
            script = (*VISIT[:2], *QUIET, *VISIT[2:])
            counter.take()
            for step in script:
                visit.heard(invoke(skill, visit.event(step)))
                per_kind[step.kind].append(counter.take())
                clock.now += SECONDS_BETWEEN_TURNS
    return per_kind


def count_settings_calls(requests: int = 50, days: float = 6.0) -> int:
    """Time zone lookups for one household over `requests` spread evenly across `days`."""
    from tests.fake_alexa_api import FakeAlexaApi

    api = FakeAlexaApi(zone="America/Chicago")
    try:
        clock = Clock()
        skill = our_skill(MemoryStore(merge=merge, clock=clock), clock, time_zone_override=None)
        visit = Visit(
            "amzn1.ask.account.settings-household",
            api_endpoint=api.endpoint,
            api_access_token="bench-token",
        )
        script = [step for step in (*VISIT[:-1], *QUIET) if step.kind != "can_fulfill"]
        gap = days * 86400.0 / max(1, requests - 1)
        for number in range(requests):
            clock.now = EVENING + number * gap
            visit.heard(invoke(skill, visit.event(script[number % len(script)])))
        return sum("System.timeZone" in call.path for call in api.calls)
    finally:
        api.close()


def run(quick: bool = False, visits: int | None = None) -> list[Figure]:
    visits = visits or (3 if quick else 20)
    per_kind = count_store_calls(visits)
    figures = []
    for kind, label in LABELS.items():
        turns = per_kind.get(kind, [])
        reads = max((r for r, _ in turns), default=float("nan"))
        writes = max((w for _, w in turns), default=float("nan"))
        figures.append(
            Figure(
                f"per turn, max of {len(turns)}: {label}",
                (reads, writes),
                unit="",
                labels=("reads", "writes"),
                goals=(AT_MOST_ONE, NONE if kind in NEVER_WRITE else AT_MOST_ONE),
            )
        )
    figures.append(
        Figure(
            "Settings API calls: 1 household, 50 requests, 6 days",
            (count_settings_calls(),),
            unit="",
            goals=(AT_MOST_ONE,),
            note="(expect 1)",
        )
    )
    return figures
