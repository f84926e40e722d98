"""Dependencies point inward, and no module waits on itself through a circle of imports.

The rooms, from the inside out (docs/design.md draws them):
core (the domain, plain Python) <- storage, service <- alexa, language <- tools, doors.

The doors are three thin adapters over the same service and core: Alexa (the ASK SDK, in
`skill.alexa`, served by Lambda and the web door), Home Assistant's Wyoming door and the
MCP door. None imports another, however deep the imports go.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SKILL = Path(__file__).resolve().parents[2] / "skill"

# What each room may not import, at any depth of the module (function-level imports too).
# The other doors' protocol packages: no room inside the doors may know them.
DOOR_PACKAGES = ("wyoming", "mcp", "starlette", "uvicorn")

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (
        "ask_sdk", "boto3", "botocore", "flask", "werkzeug", "gunicorn", "gevent", "hassil",
        *DOOR_PACKAGES, "skill.storage", "skill.service", "skill.alexa", "skill.language",
        "skill.tools", "skill.doors",
    ),
    "storage": (
        "ask_sdk", "flask", "werkzeug", *DOOR_PACKAGES, "skill.core", "skill.service",
        "skill.alexa", "skill.language", "skill.tools", "skill.doors",
    ),
    "service": (
        "ask_sdk", "boto3", "flask", "werkzeug", *DOOR_PACKAGES, "skill.alexa", "skill.language",
        "skill.tools", "skill.doors",
    ),
    "alexa": ("boto3", "flask", "werkzeug", "hassil", *DOOR_PACKAGES, "skill.language",
              "skill.tools", "skill.doors"),
    "language": ("ask_sdk", "boto3", "flask", *DOOR_PACKAGES, "skill.storage",
                 "skill.service", "skill.alexa", "skill.tools", "skill.doors"),
    "tools": ("skill.doors",),
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(SKILL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SKILL.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, wherever in the file: `from a import b` names `a.b`
    when that is a module of ours, else `a`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return found


def room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 else ""


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_each_room_imports_only_from_rooms_inside_it(module):
    forbidden = FORBIDDEN.get(room_of(module), ())
    outward = sorted(name for name in imports_of(MODULES[module]) if name.startswith(forbidden))
    assert not outward, f"{module} imports {outward}, outside what its room may use"


# Each door's own modules, and what they may not reach, directly or through any module of
# ours they import. (`skill.doors.wiring`, the composition root, builds every door.)
DOORS = {
    "alexa": ("skill.alexa",),
    "wyoming": ("skill.doors.wyoming",),
    "mcp": ("skill.doors.mcp_server", "skill.doors.mcp_auth"),
}
DOOR_LIBRARIES = {"alexa": ("ask_sdk",), "wyoming": ("wyoming",), "mcp": ("mcp", "starlette")}


def reachable(module: str) -> set[str]:
    """Every module of ours `module` imports, at any depth, and itself."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += [name for name in imports_of(MODULES[current]) if name in MODULES]
    return seen


@pytest.mark.parametrize("door", sorted(DOORS))
def test_each_door_imports_nothing_of_the_others(door):
    others = tuple(
        prefix for name, prefixes in DOORS.items() if name != door for prefix in prefixes
    )
    foreign = tuple(lib for name, libs in DOOR_LIBRARIES.items() if name != door for lib in libs)
    own = [name for name in MODULES if name.startswith(DOORS[door])]
    assert own, f"no modules found for the {door} door"
    for module in own:
        ours = reachable(module)
        reached = sorted(name for name in ours if name.startswith(others))
        assert not reached, f"{module} reaches {reached}: doors meet only in skill.service"
        outside = sorted(
            name
            for mine in ours
            for name in imports_of(MODULES[mine])
            if name.startswith(foreign) and name.split(".")[0] in foreign
        )
        assert not outside, f"{module} imports {outside}, another door's library"


def test_the_doors_share_one_way_to_run_a_turn():
    # Alexa's handlers, the Wyoming door and the MCP tools all answer through the flows.
    for module in ("skill.alexa.handlers", "skill.doors.wyoming", "skill.doors.mcp_server"):
        assert any(name.startswith("skill.service") for name in reachable(module)), module
    assert "skill.service.flows" in reachable("skill.alexa.handlers")
    assert "skill.service.intents" in reachable("skill.doors.wyoming")
    assert "skill.service.flows" in reachable("skill.doors.mcp_server")


def test_the_storage_room_knows_nothing_of_alexa():
    # The store moves households' records; reading a request is the Alexa adapter's job.
    for module in (name for name in MODULES if name.startswith("skill.storage")):
        assert not any(
            name.startswith(("ask_sdk", "skill.alexa")) for name in imports_of(MODULES[module])
        ), module


def test_no_import_circles():
    graph = {
        module: {name for name in imports_of(path) if name in MODULES and name != module}
        for module, path in MODULES.items()
    }
    # A package imports its own modules to re-export them: that edge is not a circle.
    for module in graph:
        graph[module] = {name for name in graph[module] if not module_contains(name, module)}
    circles = strongly_connected(graph)
    assert not circles, f"import circles: {circles}"


def module_contains(name: str, module: str) -> bool:
    return MODULES[module].name == "__init__.py" and name.startswith(module + ".")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: every group of two or more modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


ALEXA = SKILL / "alexa"


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


def test_every_store_is_built_with_the_household_merge_in_one_place():
    # One composition root opens stores for every door; a store built anywhere else in the
    # skill could be given a different merge (or, before, none: "ours wins").
    builders = ("open_store(", "SqliteStore(", "DynamoDbStore(", "MemoryStore(")
    places = sorted(
        module
        for module, path in MODULES.items()
        if not module.startswith("skill.storage")
        and any(call in path.read_text(encoding="utf-8") for call in builders)
    )
    assert places == ["skill.doors.wiring"]
