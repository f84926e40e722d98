"""The performance harness: `python -m benchmarks` (or `make bench`) prints one table.

Every figure is a ratio against a baseline measured in the same run on the same machine,
or a count, with its goal beside it. One module per part:

    latency      in-process latency per request type, against a hello-world ASK SDK skill
    store_calls  DynamoDB calls per turn (moto) and Settings API calls per household
    cold_start   importing the Lambda entry point, against importing the SDK and boto3
    web          throughput and p99 through gunicorn with verification, against a bare
                 flask-ask-sdk hello-world app served the same way
    growth       time per pick as the library and a household's history grow
    understanding  how long the console takes to understand a typed line (information)

Each part's ``run(quick=...)`` returns a list of ``Figure``; ``--quick`` is a fast smoke run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Figure", "Goal", "median", "percentile", "ratio"]


@dataclass(frozen=True)
class Goal:
    """A bound a value must meet: ``value <op> limit`` with op one of <=, >=, ==."""

    op: str
    limit: float

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.op == "<=":
            return value <= self.limit
        if self.op == ">=":
            return value >= self.limit
        return value == self.limit

    def text(self, unit: str) -> str:
        limit = _number(self.limit, unit)
        return limit if self.op == "==" else f"{self.op} {limit}"


@dataclass(frozen=True)
class Figure:
    """One row of the table. ``values`` share a unit; ``goals`` pair with them (None: info).

    A row may carry a few related values, e.g. median and p99, or reads and writes.
    """

    name: str
    values: tuple[float, ...]
    unit: str = "x"  # "x" ratio, "" count, "ms" informational time
    goals: tuple[Goal | None, ...] = ()
    note: str = ""
    labels: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> str:
        checks = [g.met(v) for v, g in zip(self.values, self.goals, strict=False) if g]
        if not checks:
            return "info"
        return "PASS" if all(checks) else "MISS"

    def value_text(self) -> str:
        parts = [_number(v, self.unit) for v in self.values]
        if self.labels:
            parts = [f"{label} {part}" for label, part in zip(self.labels, parts, strict=True)]
        return " / ".join(parts)

    def goal_text(self) -> str:
        if not any(self.goals):
            return self.note or "-"
        texts = [g.text(self.unit) if g else "-" for g in self.goals]
        unique = set(texts)
        text = texts[0] if len(unique) == 1 else " / ".join(texts)
        return f"{text} {self.note}".strip()


def _number(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "x":
        return f"{value:.2f}x"
    if unit in ("ms", "us"):
        return f"{value:.1f} {unit}"
    if unit == "":
        return f"{value:g}"
    return f"{value:g} {unit}"


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 2,000 samples is the 1,980th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline > 0 else math.nan
