"""Dependencies point inward: the core stays plain Python, testable without Alexa."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "skill" / "core"
FORBIDDEN = ("ask_sdk", "boto3", "botocore", "flask", "werkzeug", "skill.alexa", "skill.storage",
             "skill.web", "skill.server", "skill.lambda_function", "skill.cli")  # fmt: skip


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_the_core_imports_nothing_from_the_edges(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    outward = sorted(name for name in imported if name.startswith(FORBIDDEN))
    assert not outward, f"{module.name} imports {outward}: keep skill/core free of the edges"


ALEXA = CORE.parent / "alexa"


@pytest.mark.parametrize("module", sorted(ALEXA.glob("*.py")), ids=lambda p: p.name)
def test_no_handler_dates_the_household_itself(module):
    # The core stamps `updated_at` when the settings change (Household.stamp, called by the
    # one save); a handler that did it too could forget it somewhere and lose a change.
    tree = ast.parse(module.read_text(encoding="utf-8"))
    stamps = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AugAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute) and target.attr == "updated_at"
    ]
    assert not stamps, f"{module.name} sets updated_at on lines {stamps}"
