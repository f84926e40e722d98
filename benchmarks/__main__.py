"""`python -m benchmarks [--quick] [--only PART ...]`: run the parts, print one table."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence

from benchmarks import Figure

PARTS = ("latency", "store_calls", "cold_start", "web", "growth", "understanding", "age")
TITLES = {
    "latency": "1. in-process latency (thread CPU time), ours / hello-world ASK SDK skill",
    "store_calls": "2. store calls per turn (DynamoDB under moto), Settings API calls",
    "cold_start": "3. cold start, fresh interpreters (median), ours / baseline",
    "web": "4. web: gunicorn, loopback, verification on, ours / flask-ask-sdk hello-world",
    "growth": "5. growth: time per pick / the 1,000-starter, 0%-heard case",
    "understanding": "6. understanding a typed line (console, grammar matched with hassil)",
    "age": "7. flat with age: a household after a year of nightly use / on its first evening",
}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(argv: Sequence[str]) -> list[str]:
    command = shlex.join(["python", "-m", "benchmarks", *argv])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        "Heart to Heart benchmarks",
        f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}"
        f" ({platform.python_implementation()}), {platform.system()} {platform.release()}",
        f"command: {command}",
        f"load average at start: {load}",
    ]


def table(sections: list[tuple[str, list[Figure]]]) -> list[str]:
    rows = [("figure", "value", "goal", "verdict")]
    for title, figures in sections:
        rows.append((title, "", "", ""))
        for figure in figures:
            rows.append(
                ("  " + figure.name, figure.value_text(), figure.goal_text(), figure.verdict)
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        if index > 0 and row[1:] == ("", "", ""):
            lines.append(row[0])
            continue
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return [line.rstrip() for line in lines]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run only these parts")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a goal is missed"
    )
    args = parser.parse_args(argv)
    print("\n".join(header(argv)), flush=True)
    sections = []
    started = time.monotonic()
    for part in args.only or PARTS:
        part_started = time.monotonic()
        print(f"... {TITLES[part]}", file=sys.stderr, flush=True)
        module = importlib.import_module(f"benchmarks.{part}")
        figures = module.run(quick=args.quick)
        sections.append((TITLES[part], figures))
        print(f"    {time.monotonic() - part_started:.0f} s", file=sys.stderr, flush=True)
    print()
    print("\n".join(table(sections)))
    figures = [figure for _, part_figures in sections for figure in part_figures]
    missed = [figure.name for figure in figures if figure.verdict == "MISS"]
    print()
    print(
        f"{len(figures)} figures, {len(missed)} goals missed, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
