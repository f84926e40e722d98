"""Build what a deployment ships: the Lambda zip and the ASK CLI skill package.

    uv run python -m skill.tools.packaging lambda-zip [--out dist/lambda.zip]
    uv run python -m skill.tools.packaging skill-package [--out dist] [--endpoint LAMBDA_ARN]

The Lambda zip holds the whole ``skill`` package (code and content, no tests) and the Lambda
dependency set only: the project's main dependencies as pinned in ``uv.lock`` (ask-sdk-core,
boto3, PyYAML and what they need), installed as manylinux wheels for CPython 3.11 on x86_64,
the platform of the function in ``infra/template.yaml``. No Flask, flask-ask-sdk, oscrypto or
gunicorn (the ``web`` group) and no test tools (the ``dev`` group). boto3 and botocore are
included although the Lambda runtime has its own copy, so the function runs exactly the
versions the tests ran. Python files are precompiled (hash-checked .pyc, deterministic), which
takes about half a second off a cold start. Entries are sorted and carry a fixed timestamp, so
the same sources and lock give the same bytes.

The skill package is the ASK CLI v2 layout (``skill-package/skill.json`` and
``skill-package/interactionModels/custom/<locale>.json``), made from
``infra/skill-package/skill.json`` and ``interaction_models/``. The checked-in manifest points
its endpoints at a placeholder ARN: ``--endpoint`` puts the real function ARN in its place;
without it the package has no endpoint and no event subscriptions (events need an endpoint),
which is what creating the skill before the function exists needs.
"""

from __future__ import annotations

import argparse
import compileall
import copy
import json
import os
import py_compile
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.language.models import LOCALES, MODELS_DIR, build_model, check_model, load_source, render

__all__ = [
    "DEFAULT_ZIP",
    "DIST_DIR",
    "FORBIDDEN_IN_ZIP",
    "LAMBDA_ARCHITECTURE",
    "LAMBDA_PLATFORM",
    "LAMBDA_PYTHON",
    "MANIFEST_PATH",
    "PLACEHOLDER_ENDPOINT",
    "ZIP_DATE_TIME",
    "PackagingError",
    "build_lambda_zip",
    "build_skill_package",
    "lambda_requirements",
    "main",
    "manifest_with_endpoint",
    "write_zip",
]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parents[1]
DIST_DIR = ROOT / "dist"
DEFAULT_ZIP = DIST_DIR / "lambda.zip"
MANIFEST_PATH = ROOT / "infra" / "skill-package" / "skill.json"

LAMBDA_PYTHON = "3.11"
LAMBDA_ARCHITECTURE = "x86_64"
#: The python3.11 runtime runs on Amazon Linux 2 (glibc 2.26): manylinux2014 wheels fit.
LAMBDA_PLATFORM = "x86_64-manylinux2014"
#: Top-level names that must never reach the function: the web service and the test tools.
FORBIDDEN_IN_ZIP = frozenset(
    {
        "flask",
        "flask_ask_sdk",
        "werkzeug",
        "oscrypto",
        "certvalidator",
        "asn1crypto",
        "gunicorn",
        "cryptography",
        "pytest",
        "_pytest",
        "xdist",
        "moto",
        "hypothesis",
        "cfnlint",
        "ruff",
        "tests",
    }
)
#: What of skill/ the function imports: the Lambda door and its wiring, the Alexa adapter,
#: the service and the core, the stores' shared code and DynamoDB, the compiled content and
#: the APL document. Not the other doors, the development tools, the voice grammar, SQLite
#: or the YAML sources (the compiled JSON is what loads).
SKILL_IN_ZIP = (
    "__init__.py",
    "logs.py",
    "core/*.py",
    "service/*.py",
    "alexa/*.py",
    "storage/__init__.py",
    "storage/base.py",
    "storage/dynamodb.py",
    "doors/__init__.py",
    "doors/wiring.py",
    "doors/lambda_function.py",
    "content/compiled/*.json",
    "content/apl/*.json",
)
#: In those rooms but not on the Lambda path: the web front door's envelope check, and the
#: router from understood text to a flow that only the Wyoming door uses.
SKILL_NOT_IN_ZIP = frozenset({"alexa/envelope.py", "service/intents.py"})
#: The AWS SDK's service data the function needs: DynamoDB's model and the endpoint rules.
#: (botocore ships every service's: about 16 MB of a 24 MB zip.)
BOTOCORE_DATA_KEPT = frozenset(
    {
        "dynamodb",
        "endpoints.json",
        "partitions.json",
        "sdk-default-configuration.json",
        "_retry.json",
    }
)
#: The earliest time a zip entry can carry; every entry gets it.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
PLACEHOLDER_ENDPOINT = "arn:aws:lambda:us-east-1:000000000000:function:heart-to-heart"
_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$"
)
_SKIPPED_NAMES = ("__pycache__", "*.pyc", "*.pyo", ".DS_Store")


class PackagingError(RuntimeError):
    """A build step failed; the message says which and why."""


# ----------------------------------------------------------------------------- the Lambda zip


def build_lambda_zip(
    out: Path = DEFAULT_ZIP,
    *,
    compile_bytecode: bool = True,
    progress: Callable[[str], None] = lambda step: None,
) -> Path:
    """Build the deployable zip at ``out`` (directories are created); return its path.

    Needs ``uv`` and the wheels of the locked Lambda dependencies (from uv's cache or the
    package index). ``progress`` hears each step as it starts (the whole takes 10-25 s).
    Raises PackagingError when a step fails.
    """
    if compile_bytecode and sys.version_info[:2] != (3, 11):
        raise PackagingError(
            f"The function runs Python {LAMBDA_PYTHON}; precompiling needs that interpreter, "
            f"not {sys.version.split()[0]}."
        )
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="heart-to-heart-lambda-") as work:
        work_dir = Path(work)
        bundle = work_dir / "bundle"
        progress("exporting the locked Lambda dependencies from uv.lock")
        requirements = lambda_requirements(work_dir / "requirements.txt")
        progress(f"installing them for {LAMBDA_PLATFORM}, Python {LAMBDA_PYTHON}")
        _install(requirements, bundle)
        _check_bundle(bundle)
        progress("keeping DynamoDB's part of the AWS SDK's service data")
        _trim_aws_data(bundle)
        progress("copying the skill's Lambda path")
        _copy_skill(bundle / "skill")
        if compile_bytecode:
            progress("precompiling to bytecode")
            _compile(bundle)
        progress(f"writing {out}")
        return write_zip(bundle, out)


def lambda_requirements(path: Path) -> Path:
    """Write the pinned, hashed Lambda dependency set from uv.lock to ``path``.

    The project's main dependencies only: no default groups (``web``, ``dev``), not the
    project itself.
    """
    _run(
        [
            _uv(),
            "export",
            "--frozen",
            "--no-default-groups",
            "--no-emit-project",
            "--format",
            "requirements-txt",
            "--no-header",
            "--no-annotate",
            "--output-file",
            str(path),
        ],
        "export the Lambda requirements from uv.lock",
    )
    return path


def _install(requirements: Path, target: Path) -> None:
    _run(
        [
            _uv(),
            "pip",
            "install",
            "--target",
            str(target),
            "--requirement",
            str(requirements),
            "--require-hashes",
            "--python",
            sys.executable,
            "--python-version",
            LAMBDA_PYTHON,
            "--python-platform",
            LAMBDA_PLATFORM,
            "--only-binary",
            ":all:",
            "--link-mode",
            "copy",
            "--quiet",
        ],
        f"install the Lambda dependencies for {LAMBDA_PLATFORM} (needs the package index "
        "or uv's cache)",
    )
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: useless on Lambda


def _check_bundle(bundle: Path) -> None:
    names = {_top_level(entry.name) for entry in bundle.iterdir()}
    leaked = sorted(names & FORBIDDEN_IN_ZIP)
    if leaked:
        raise PackagingError(
            f"The Lambda dependency set pulls in {', '.join(leaked)}: keep web and test "
            "packages out of the project's main dependencies (pyproject.toml)."
        )


def _copy_skill(target: Path) -> None:
    for pattern in SKILL_IN_ZIP:
        for path in sorted(PACKAGE_DIR.glob(pattern)):
            if path.relative_to(PACKAGE_DIR).as_posix() in SKILL_NOT_IN_ZIP:
                continue
            destination = target / path.relative_to(PACKAGE_DIR)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _trim_aws_data(bundle: Path) -> None:
    """Drop the service data of every AWS service but DynamoDB (and boto3's resource
    models: the store uses the client). What is kept came from the hash-checked wheels."""
    data = bundle / "botocore" / "data"
    if not data.is_dir():
        raise PackagingError("botocore's data directory is not where it used to be")
    for entry in data.iterdir():
        if entry.name not in BOTOCORE_DATA_KEPT:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.rmtree(bundle / "boto3" / "data", ignore_errors=True)


def _top_level(name: str) -> str:
    """The import name a file or directory of site-packages stands for."""
    for suffix in (".py", ".dist-info", ".data", ".pth"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.split("-")[0].split(".")[0].lower()


def _compile(bundle: Path) -> None:
    # ddir="" keeps the recorded file names relative (deterministic); Python replaces them
    # with the real path on import. CHECKED_HASH: no timestamps, and a changed source wins.
    ok = compileall.compile_dir(
        bundle,
        ddir="",
        quiet=1,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
    )
    if not ok:
        raise PackagingError("Some Python files of the bundle do not compile; see above.")


def write_zip(source_dir: Path, out: Path) -> Path:
    """Zip every file under ``source_dir`` into ``out``, deterministically.

    Entries are sorted by path and carry ZIP_DATE_TIME; files are world-readable (0644, or
    0755 if executable), as Lambda requires. Written beside ``out`` and moved into place.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path, name in sorted(_files(source_dir), key=lambda item: item[1]):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
                info.create_system = 3  # Unix, so the permission bits below are honoured
                executable = path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
                info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def _files(root: Path) -> Iterator[tuple[Path, str]]:
    for path in root.rglob("*"):
        if path.is_file():
            yield path, path.relative_to(root).as_posix()


def _uv() -> str:
    """The uv binary: the one running us (``uv run`` sets UV), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise PackagingError("uv is needed to build the Lambda zip: `python3 -m pip install uv`.")
    return found


def _run(command: Sequence[str], purpose: str) -> None:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run(
        list(command), cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise PackagingError(f"Could not {purpose}:\n$ {' '.join(command)}\n{detail}")


# ----------------------------------------------------------------------------- the skill package


def build_skill_package(out_dir: Path = DIST_DIR, *, endpoint: str | None = None) -> Path:
    """Write ``out_dir/skill-package`` in the ASK CLI v2 layout; return that directory.

    ``endpoint`` is the function's ARN (the stack output SkillFunctionArn). Refuses stale or
    invalid interaction models and a manifest whose locales differ from the models'.
    """
    package = (Path(out_dir) / "skill-package").resolve()
    if package == MANIFEST_PATH.parent.resolve():
        raise PackagingError(f"{package} holds the manifest source; choose another --out.")
    source = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    manifest = manifest_with_endpoint(source, endpoint)
    _check_locales(manifest)
    _check_models()
    if package.exists():
        shutil.rmtree(package)  # no stale locales from an earlier build
    models = package / "interactionModels" / "custom"
    models.mkdir(parents=True)
    (package / "skill.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for locale in LOCALES:
        shutil.copyfile(MODELS_DIR / f"{locale}.json", models / f"{locale}.json")
    return package


def manifest_with_endpoint(manifest: Mapping[str, Any], endpoint: str | None) -> dict[str, Any]:
    """A copy of the manifest with the placeholder endpoints replaced by ``endpoint``.

    With no endpoint, the custom endpoint and the events (which need one) are left out.
    """
    result = copy.deepcopy(dict(manifest))
    body = result.get("manifest") or {}
    custom = (body.get("apis") or {}).get("custom")
    if not isinstance(custom, dict):
        raise PackagingError(f"{MANIFEST_PATH} has no manifest.apis.custom.")
    holders = [custom, *([body["events"]] if isinstance(body.get("events"), dict) else [])]
    for holder in holders:
        uri = (holder.get("endpoint") or {}).get("uri")
        if uri != PLACEHOLDER_ENDPOINT:
            raise PackagingError(
                f"{MANIFEST_PATH} must point its endpoints at {PLACEHOLDER_ENDPOINT}, not {uri!r}: "
                "the real ARN goes in at packaging time (--endpoint)."
            )
    if endpoint:
        if not _LAMBDA_ARN.match(endpoint):
            raise PackagingError(f"{endpoint!r} is not a Lambda function ARN.")
        for holder in holders:
            holder["endpoint"] = {"uri": endpoint}
    else:
        custom.pop("endpoint", None)
        body.pop("events", None)
    return result


def _check_locales(manifest: Mapping[str, Any]) -> None:
    published = set(manifest["manifest"]["publishingInformation"]["locales"])
    if published != set(LOCALES):
        raise PackagingError(
            f"The manifest publishes {sorted(published)} but the models are {sorted(LOCALES)}."
        )


def _check_models() -> None:
    source = load_source()
    problems = []
    for locale in LOCALES:
        model = build_model(source, locale)
        committed = MODELS_DIR / f"{locale}.json"
        if not committed.exists() or committed.read_text(encoding="utf-8") != render(model):
            problems.append(f"{committed.name} differs from its source: run `make models`")
        problems += [f"{locale}: {problem}" for problem in check_model(model)]
    if problems:
        raise PackagingError("The interaction models are not ready:\n  " + "\n  ".join(problems))


# ----------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m skill.tools.packaging lambda-zip [--out FILE] | skill-package [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m skill.tools.packaging",
        description="Build the Lambda zip or the skill package.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    zip_command = commands.add_parser("lambda-zip", help="the deployable Lambda zip")
    zip_command.add_argument("--out", type=Path, default=DEFAULT_ZIP, help="the zip to write")
    zip_command.add_argument(
        "--no-compile", action="store_true", help="ship sources only, no precompiled .pyc"
    )
    package_command = commands.add_parser("skill-package", help="the ASK CLI skill package")
    package_command.add_argument(
        "--out", type=Path, default=DIST_DIR, help="writes OUT/skill-package (default: dist)"
    )
    package_command.add_argument(
        "--endpoint",
        default=os.environ.get("LAMBDA_ARN") or None,
        help="the function's ARN (default: $LAMBDA_ARN; none: no endpoint, no events)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help or bad usage; hand back its code
        return int(exc.code or 0)
    started = time.monotonic()

    def progress(step: str) -> None:
        print(f"[{time.monotonic() - started:5.1f} s] {step} ...", file=sys.stderr, flush=True)

    try:
        if args.command == "lambda-zip":
            path = build_lambda_zip(
                args.out, compile_bytecode=not args.no_compile, progress=progress
            )
            with zipfile.ZipFile(path) as archive:
                count = len(archive.infolist())
            print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {count} files)")
        else:
            path = build_skill_package(args.out, endpoint=args.endpoint)
            where = args.endpoint or "no endpoint yet (creating the skill)"
            print(f"wrote {path} ({len(LOCALES)} locales; endpoint: {where})")
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
