"""Store URLs: one string picks the backend, so the CLI, the web service and Lambda agree.

Paths follow SQLAlchemy: ``sqlite:///relative/path.db`` (relative to the working directory),
``sqlite:////absolute/path.db``; DynamoDB is ``dynamodb://TABLE?region=REGION&endpoint=URL``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "ACCEPTED_FORMS",
    "STORE_ENV_VAR",
    "DynamoDbUrl",
    "SqliteUrl",
    "StoreUrl",
    "default_store_url",
    "parse_store_url",
    "user_data_dir",
]

STORE_ENV_VAR = "HEART_TO_HEART_STORE"
ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db "
    "or dynamodb://TABLE?region=REGION&endpoint=URL"
)
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_REGION = re.compile(r"[a-z0-9-]+")
_DYNAMODB_OPTIONS = ("region", "endpoint")


class SqliteUrl(NamedTuple):
    """A SQLite file; a relative path is relative to the working directory."""

    path: Path


class DynamoDbUrl(NamedTuple):
    """A DynamoDB table; None leaves region or endpoint to boto3's usual resolution."""

    table: str
    region: str | None = None
    endpoint: str | None = None


StoreUrl = SqliteUrl | DynamoDbUrl


def parse_store_url(url: str) -> StoreUrl:
    """Parse a store URL, or raise ValueError saying which forms are accepted."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator:
        raise ValueError(f"Store URL {url!r} has no scheme; use {ACCEPTED_FORMS}.")
    if scheme.lower() == "sqlite":
        return _parse_sqlite(url, rest)
    if scheme.lower() == "dynamodb":
        return _parse_dynamodb(url.strip())
    raise ValueError(f"Unsupported store URL {url!r}; use {ACCEPTED_FORMS}.")


def _parse_sqlite(url: str, rest: str) -> SqliteUrl:
    if not rest.startswith("/"):
        raise ValueError(
            f"SQLite store URL {url!r} needs three slashes before a relative path "
            "(sqlite:///data/households.db) or four before an absolute one."
        )
    path = rest[1:]
    if not path or path == ":memory:":
        raise ValueError(f"SQLite store URL {url!r} needs a file path; use {ACCEPTED_FORMS}.")
    if "?" in path or "#" in path:
        raise ValueError(f"SQLite store URL {url!r} takes no query or fragment.")
    if path.endswith(("/", "\\")):
        raise ValueError(f"SQLite store URL {url!r} names a directory, not a file.")
    return SqliteUrl(Path(path))


def _parse_dynamodb(url: str) -> DynamoDbUrl:
    parts = urlsplit(url)
    if not _TABLE_NAME.fullmatch(parts.netloc):
        raise ValueError(
            f"DynamoDB store URL {url!r} needs a table name of 3-255 letters, digits, "
            "'_', '-' or '.' (dynamodb://TABLE?region=REGION&endpoint=URL)."
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"DynamoDB store URL {url!r} takes no path or fragment after the table.")
    options: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name not in _DYNAMODB_OPTIONS:
            raise ValueError(
                f"DynamoDB store URL {url!r} has unknown option {name!r}; "
                f"known: {', '.join(_DYNAMODB_OPTIONS)}."
            )
        if name in options:
            raise ValueError(f"DynamoDB store URL {url!r} gives {name!r} twice.")
        if not value:
            raise ValueError(f"DynamoDB store URL {url!r} gives {name!r} no value.")
        options[name] = value
    region, endpoint = options.get("region"), options.get("endpoint")
    if region is not None and not _REGION.fullmatch(region):
        raise ValueError(f"DynamoDB store URL {url!r} has an invalid region {region!r}.")
    if endpoint is not None:
        endpoint_parts = urlsplit(endpoint)
        if endpoint_parts.scheme not in ("http", "https") or not endpoint_parts.netloc:
            raise ValueError(
                f"DynamoDB store URL {url!r} needs an http(s) endpoint such as "
                "http://127.0.0.1:8000."
            )
    return DynamoDbUrl(parts.netloc, region, endpoint)


def user_data_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where this user's application data lives, without depending on platformdirs.

    $XDG_DATA_HOME if set (and absolute), else ~/Library/Application Support on macOS,
    %APPDATA% on Windows, else ~/.local/share.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    xdg = env.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg)
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    if platform == "darwin":
        return home / "Library" / "Application Support"
    if platform.startswith("win"):
        appdata = env.get("APPDATA", "")
        return Path(appdata) if appdata else home / "AppData" / "Roaming"
    return home / ".local" / "share"


def default_store_url(environ: Mapping[str, str] | None = None) -> str:
    """$HEART_TO_HEART_STORE, else a SQLite file in the user's data directory."""
    env = os.environ if environ is None else environ
    configured = env.get(STORE_ENV_VAR, "").strip()
    if configured:
        return configured
    return f"sqlite:///{user_data_dir(env) / 'heart-to-heart' / 'households.db'}"
