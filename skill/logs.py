"""Logging for every entry point: the level from LOG_LEVEL, and the libraries that would
log request and response bodies (user ids, names, what people said) held at WARNING even
when LOG_LEVEL=DEBUG, so no level of our logs carries them."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

__all__ = ["LOG_LEVEL_ENV", "QUIET_LIBRARIES", "Throttle", "configure_logging"]

LOG_LEVEL_ENV = "LOG_LEVEL"
#: Their DEBUG lines carry whole requests and responses (botocore logs DynamoDB items, the
#: ASK SDK and Werkzeug log envelopes and bodies).
QUIET_LIBRARIES = (
    "botocore",
    "boto3",
    "urllib3",
    "s3transfer",
    "ask_sdk_core",
    "ask_sdk_runtime",
    "ask_sdk_model",
    "flask_ask_sdk",
    "werkzeug",
    "hassil",
)


def configure_logging(default: str = "WARNING", *, handler: bool = True) -> None:
    """Set the root level from LOG_LEVEL (an unknown name falls back to `default`, with a
    warning) and cap the chatty libraries. `handler=False` where the platform already
    installed one (Lambda)."""
    wanted = os.environ.get(LOG_LEVEL_ENV, default).strip().upper()
    level = logging.getLevelName(wanted)
    unknown = not isinstance(level, int)
    if unknown:
        level = logging.getLevelName(default)
    if handler:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    if unknown:
        logging.getLogger(__name__).warning(
            "%s=%r is not a log level; using %s", LOG_LEVEL_ENV, wanted, default
        )


class Throttle:
    """At most one log line per `seconds` for each kind of failure: an outage is worth a
    line every few seconds with a count, not one per request (a five-second DynamoDB
    outage once wrote 22,800 lines)."""

    def __init__(self, seconds: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._seconds = seconds
        self._clock = clock
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, kind: str) -> int | None:
        """None to stay quiet; else how many lines of this kind were left out since the last."""
        now = self._clock()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self._seconds:
                self._left_out[kind] = self._left_out.get(kind, 0) + 1
                return None
            self._last[kind] = now
            return self._left_out.pop(kind, 0)
