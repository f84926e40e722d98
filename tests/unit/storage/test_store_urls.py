"""Store URLs: what users type after --store or put in HEART_TO_HEART_STORE."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.storage import (
    DynamoDbStore,
    DynamoDbUrl,
    SqliteStore,
    SqliteUrl,
    StoreUrl,
    default_store_url,
    open_store,
    ours_wins,
    parse_store_url,
    user_data_dir,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///households.db", SqliteUrl(Path("households.db"))),
        ("sqlite:///data/households.db", SqliteUrl(Path("data/households.db"))),
        ("sqlite:////var/lib/h2h/households.db", SqliteUrl(Path("/var/lib/h2h/households.db"))),
        (
            "sqlite:////Users/ana/Library/Application Support/heart-to-heart/households.db",
            SqliteUrl(Path("/Users/ana/Library/Application Support/heart-to-heart/households.db")),
        ),
        ("  SQLite:///households.db\n", SqliteUrl(Path("households.db"))),
        ("dynamodb://households", DynamoDbUrl("households")),
        ("dynamodb://Heart-To-Heart.prod_1/", DynamoDbUrl("Heart-To-Heart.prod_1")),
        ("dynamodb://households?region=eu-west-1", DynamoDbUrl("households", "eu-west-1")),
        (
            "dynamodb://households?endpoint=http://127.0.0.1:8000",
            DynamoDbUrl("households", endpoint="http://127.0.0.1:8000"),
        ),
        (
            "dynamodb://households?region=us-east-1&endpoint=http%3A%2F%2Flocalhost%3A4566",
            DynamoDbUrl("households", "us-east-1", "http://localhost:4566"),
        ),
    ],
)
def test_valid_urls_are_understood(url: str, expected: StoreUrl) -> None:
    # GIVEN a store URL in one of the documented forms
    # WHEN parsed THEN it names the right backend and location
    assert parse_store_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("", "no scheme"),
        ("households.db", "no scheme"),
        ("postgres://db/households", "sqlite:///relative/path.db"),
        ("redis://localhost", "dynamodb://TABLE"),
        ("sqlite://households.db", "three slashes"),
        ("sqlite://", "three slashes"),
        ("sqlite:///", "needs a file path"),
        ("sqlite:///:memory:", "needs a file path"),
        ("sqlite:///data/", "directory"),
        ("sqlite:///households.db?mode=ro", "no query"),
        ("dynamodb://", "table name"),
        ("dynamodb://ab", "table name"),
        ("dynamodb://bad name", "table name"),
        ("dynamodb://households:8000", "table name"),
        ("dynamodb://households/extra", "no path"),
        ("dynamodb://households?regoin=us-east-1", "unknown option 'regoin'"),
        ("dynamodb://households?region=us-east-1&region=eu-west-1", "twice"),
        ("dynamodb://households?region=", "no value"),
        ("dynamodb://households?region=US_EAST", "invalid region"),
        ("dynamodb://households?endpoint=localhost:8000", "http"),
        ("dynamodb://households?endpoint=ftp://host", "http"),
    ],
)
def test_bad_urls_are_refused_with_a_helpful_message(url: str, complaint: str) -> None:
    # GIVEN a mistyped or unsupported store URL
    # WHEN parsed THEN a ValueError says what is wrong
    with pytest.raises(ValueError, match=complaint.replace("?", r"\?")):
        parse_store_url(url)


def test_unknown_scheme_names_every_accepted_form() -> None:
    # GIVEN a scheme the skill does not know WHEN parsed
    with pytest.raises(ValueError) as refused:
        parse_store_url("mysql://localhost/households")
    # THEN the message shows each form that would work
    for form in ("sqlite:///relative/path.db", "sqlite:////absolute/path.db", "dynamodb://TABLE"):
        assert form in str(refused.value)


def test_environment_variable_sets_the_default() -> None:
    # GIVEN HEART_TO_HEART_STORE is set WHEN the default is asked for THEN it is used
    environ = {"HEART_TO_HEART_STORE": "dynamodb://households", "HOME": "/home/ana"}
    assert default_store_url(environ) == "dynamodb://households"


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({"HOME": "/home/ana"}, "linux", "/home/ana/.local/share"),
        ({"HOME": "/home/ana", "XDG_DATA_HOME": "/data/ana"}, "linux", "/data/ana"),
        ({"HOME": "/home/ana", "XDG_DATA_HOME": "relative"}, "linux", "/home/ana/.local/share"),
        ({"HOME": "/Users/ana"}, "darwin", "/Users/ana/Library/Application Support"),
        ({"HOME": "/Users/ana", "XDG_DATA_HOME": "/xdg"}, "darwin", "/xdg"),
        (
            {"HOME": "/c/ana", "APPDATA": "/c/ana/AppData/Roaming"},
            "win32",
            "/c/ana/AppData/Roaming",
        ),
        ({"HOME": "/c/ana"}, "win32", "/c/ana/AppData/Roaming"),
    ],
    ids=[
        "linux",
        "xdg",
        "relative-xdg-ignored",
        "macos",
        "macos-xdg",
        "windows",
        "windows-no-appdata",
    ],
)
def test_user_data_dir_follows_the_platform(
    environ: dict[str, str], platform: str, expected: str
) -> None:
    # GIVEN a platform and its environment WHEN the data directory is resolved
    # THEN it is where that platform keeps application data
    assert user_data_dir(environ, platform) == Path(expected)


def test_blank_environment_variable_is_ignored() -> None:
    # GIVEN HEART_TO_HEART_STORE set but blank WHEN the default is asked for
    environ = {"HEART_TO_HEART_STORE": "  ", "XDG_DATA_HOME": "/srv/data"}
    # THEN the built-in default applies
    assert default_store_url(environ) == "sqlite:////srv/data/heart-to-heart/households.db"


def test_default_store_is_a_sqlite_file_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no HEART_TO_HEART_STORE and a known data directory
    monkeypatch.delenv("HEART_TO_HEART_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/data")
    # WHEN the default URL is built
    url = default_store_url()
    # THEN it is an absolute SQLite URL that parses back to the file
    assert url == "sqlite:////srv/data/heart-to-heart/households.db"
    assert parse_store_url(url) == SqliteUrl(Path("/srv/data/heart-to-heart/households.db"))


def test_open_store_without_url_uses_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN HEART_TO_HEART_STORE names a SQLite file
    monkeypatch.setenv("HEART_TO_HEART_STORE", f"sqlite:///{tmp_path}/chosen.db")
    # WHEN a store is opened with no URL
    store = open_store(merge=ours_wins)
    # THEN it is that file, not created until first use
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "chosen.db"
    assert not store.path.exists()


def test_open_store_resolves_relative_sqlite_paths_against_cwd(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a relative SQLite URL opened in some working directory
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///data/households.db", merge=ours_wins)
    # WHEN the working directory changes later
    monkeypatch.chdir("/")
    store.put("household", {"heard": ["s-001"]})
    # THEN the file is where the URL pointed when the store was opened
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "data" / "households.db"
    assert store.path.is_file()
    store.close()


def test_open_store_passes_region_and_endpoint_to_dynamodb(fake_aws: None) -> None:
    # GIVEN a DynamoDB URL with region and endpoint
    url = "dynamodb://households?region=eu-west-1&endpoint=http://127.0.0.1:8000"
    # WHEN opened
    store = open_store(url, merge=ours_wins)
    # THEN the store targets that table, region and endpoint (without calling AWS)
    assert isinstance(store, DynamoDbStore)
    assert store.table_name == "households"
    assert store.region_name == "eu-west-1"
    assert store.client.meta.endpoint_url == "http://127.0.0.1:8000"


def test_open_store_refuses_a_bad_url() -> None:
    # GIVEN a URL with an unknown scheme WHEN opened THEN ValueError, nothing created
    with pytest.raises(ValueError, match="Unsupported store URL"):
        open_store("mongodb://localhost/households", merge=ours_wins)
