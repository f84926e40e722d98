"""Small test doubles shared by the storage tests (kept import-light for spawned workers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from skill.storage import SqliteStore

if TYPE_CHECKING:
    from multiprocessing import Queue
    from multiprocessing.synchronize import Barrier

    import pytest

__all__ = [
    "FakeClock",
    "append_ids",
    "moto_server",
    "run_spawned",
    "union_merge",
    "use_fake_aws",
]

START = 1_750_000_000.0
DAY = 24 * 60 * 60


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def union_merge(stored: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """Ours wins per key, except lists, which keep every item from both sides."""
    merged = {**stored, **ours}
    for name, value in ours.items():
        theirs = stored.get(name)
        if isinstance(value, list) and isinstance(theirs, list):
            merged[name] = theirs + [item for item in value if item not in theirs]
    return merged


def use_fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and nothing from the developer's AWS setup."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/heart-to-heart-test/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/heart-to-heart-test/creds")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def append_ids(path: str, worker: str, count: int, start: Barrier, merges: Queue) -> None:
    """One process's share of the two-process test: read, append a unique id, save.

    Meets the other process at ``start`` so the two really overlap, then reports how often
    it had to merge.
    """
    merged = 0

    def counting_union(stored: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
        nonlocal merged
        merged += 1
        return union_merge(stored, ours)

    store = SqliteStore(path, merge=counting_union)
    try:
        store.get("household")  # open the file (racing the other process to create it)
        start.wait(timeout=30)
        for number in range(count):
            attributes = store.get("household") or {}
            attributes.setdefault("ids", []).append(f"{worker}-{number}")
            time.sleep(0.0005)  # a handler thinking: the other process gets to save meanwhile
            store.put("household", attributes)
    finally:
        store.close()
        merges.put(merged)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on a free loopback port, with fake AWS settings; yields its endpoint URL.

    Real HTTP, so what crosses the wire is what botocore would send to DynamoDB.
    """
    import threading

    import pytest
    from moto.dynamodb.models import DynamoDBBackend
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as monkeypatch:
        use_fake_aws(monkeypatch)
        # DynamoDB makes a conditional write atomic. moto 5.2 checks the condition and then
        # writes, with no lock between, and its server answers each request on a thread:
        # two racing conditional puts could both win (seen 1 to 3 times in 345 racing
        # updates on a loaded machine), which no real table allows. One lock over writes.
        lock = threading.Lock()
        for name in ("put_item", "update_item", "delete_item"):
            original = getattr(DynamoDBBackend, name)

            def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                with lock:
                    return _original(self, *args, **kwargs)

            monkeypatch.setattr(DynamoDBBackend, name, atomic)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def run_spawned(target: Any, args: list[tuple[Any, ...]], timeout: float) -> list[Any]:
    """Run `target` in freshly spawned processes that meet at a barrier (passed as the
    second-to-last argument) and each put one result on a queue (the last); return the
    results and check every process exited cleanly."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(len(args)), context.Queue()
    workers = [context.Process(target=target, args=(*a, start, results)) for a in args]
    for worker in workers:
        worker.start()
    try:
        reports = [results.get(timeout=timeout) for _ in workers]
        for worker in workers:
            worker.join(timeout=10)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    assert [worker.exitcode for worker in workers] == [0] * len(workers), reports
    return reports
