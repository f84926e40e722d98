"""Content compiled from its YAML source into JSON, which loads in a few milliseconds.

YAML stays the source people edit; `heart-to-heart content build` (`make content`) writes
`content/compiled/<name>.json`: the parsed data and a digest of the source files' bytes.
Reading the starters as YAML took about 70 ms of a cold start, as JSON about 2. Where the
sources are present (a checkout), a compiled file whose digest does not match them is
stale: it is not used, the YAML is read instead and a warning says to rebuild; a test
fails on it too. The Lambda zip ships the compiled files, and the check costs a hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["COMPILED_DIR", "CONTENT_DIR", "build", "load", "read_yaml", "sources_of", "stale"]

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
COMPILED_DIR = CONTENT_DIR / "compiled"
# Each compiled file: where its sources are, relative to the content directory.
SOURCES = {
    "starters": "starters/*.yaml",
    "phrases": "phrases/*.yaml",
    "retired": "retired/*.yaml",  # read only when an id is not in the library
}
log = logging.getLogger(__name__)


def read_yaml(path: Path) -> Any:
    # Imported here: the Lambda function reads only the compiled JSON, so it never pays
    # for loading PyYAML.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def sources_of(name: str, content_dir: Path = CONTENT_DIR) -> list[Path]:
    return sorted(content_dir.glob(SOURCES[name]))


def _digest(paths: Sequence[Path]) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def _compiled(name: str, content_dir: Path) -> dict[str, Any]:
    paths = sources_of(name, content_dir)
    return {
        "source_digest": _digest(paths),
        "content": {path.name: read_yaml(path) for path in paths},
    }


def load(name: str, compiled_dir: Path = COMPILED_DIR) -> dict[str, Any]:
    """`{file name: parsed data}` of a content set: compiled if fresh, else its YAML."""
    content_dir = compiled_dir.parent
    path = compiled_dir / f"{name}.json"
    sources = sources_of(name, content_dir)
    if path.exists():
        compiled = json.loads(path.read_text(encoding="utf-8"))
        if not sources or compiled.get("source_digest") == _digest(sources):
            return dict(compiled["content"])
        log.warning("content/compiled/%s.json is stale: reading the YAML (run make content)", name)
    return {source.name: read_yaml(source) for source in sources}


def build(
    compiled_dir: Path = COMPILED_DIR, check: Callable[[str, dict[str, Any]], None] | None = None
) -> list[Path]:
    """Write every compiled file; `check(name, content)` may refuse bad content first."""
    compiled_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SOURCES:
        compiled = _compiled(name, compiled_dir.parent)
        if check is not None:
            check(name, compiled["content"])
        path = compiled_dir / f"{name}.json"
        text = json.dumps(compiled, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


def stale(compiled_dir: Path = COMPILED_DIR) -> list[str]:
    """The compiled files that are missing or do not match their sources."""
    found = []
    for name in SOURCES:
        path = compiled_dir / f"{name}.json"
        digest = _digest(sources_of(name, compiled_dir.parent))
        if not path.exists():
            found.append(f"{path.name} is missing")
        elif json.loads(path.read_text(encoding="utf-8")).get("source_digest") != digest:
            found.append(f"{path.name} does not match its sources")
    return found
