"""The production WSGI server for `heart-to-heart serve`: gunicorn with gevent workers.

Why gevent: the thread-per-request worker used before (gunicorn's gthread, 2 workers x 4
threads) gave a thread to every connection that had begun a request until the request was
complete, so ten clients sending a header byte a second kept /health and Alexa waiting for
as long as they kept going. In a gevent worker each connection is a greenlet on one event
loop, so a slow or idle client costs a few kilobytes, not a thread. gunicorn also closes a
connection whose headers have not all arrived `KEEPALIVE_SECONDS` after it opened (or after
its last answer), which ends idle keep-alive connections too. Then `read_bodies_first` reads
the body in full, within `MAX_BODY_BYTES` and `BODY_SECONDS`, before Flask sees the request.

Importing this module monkey-patches the standard library for gevent (see below): import it
only in the process that is going to serve. Each worker process builds its own skill and
store connection after the fork, so no SQLite handle or HTTP pool is shared between processes.
"""

from __future__ import annotations

# gevent's workers patch the standard library when they start, but by then the process may
# hold modules that copied the unpatched `ssl.SSLContext` (botocore does, through urllib3),
# and a DynamoDB store then fails in every worker with a RecursionError.
# `serve` in skill/doors/cli.py imports this module before it opens the store: patching
# here is early enough.
from gevent import monkey

monkey.patch_all()

import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from collections.abc import Callable, Iterable  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import gevent  # noqa: E402
from gunicorn import util  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402
from gunicorn.http.errors import (  # type: ignore[attr-defined]  # noqa: E402
    InvalidResponseHeader,  # this and the next came in gunicorn 27; types-gunicorn is at 26
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.workers.ggevent import GeventWorker  # noqa: E402

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from ask_sdk_webservice_support.verifier import AbstractVerifier

__all__ = ["BODY_SECONDS", "KEEPALIVE_SECONDS", "WORKER_CONNECTIONS", "read_bodies_first", "serve"]

# Connections one worker holds at once; past that it stops accepting until one closes.
WORKER_CONNECTIONS = 1000
# Time a client has to send a request's headers, on a new or a kept-alive connection.
KEEPALIVE_SECONDS = 2
# Time a client has to send a request's body once its headers are in. Alexa's are a few KB.
BODY_SECONDS = 5


def _error_body(message: str) -> bytes:
    """The app's own kind of refusal (skill/doors/web.py): a short JSON error."""
    return json.dumps({"error": message}).encode() + b"\n"


def _refusal(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = _error_body(message)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


# What gunicorn's parser refuses before the app sees a request, answered like the app would.
_PARSE_REFUSALS: tuple[tuple[type[Exception], str, str], ...] = (
    (LimitRequestHeaders, "431 Request Header Fields Too Large", "the headers are too large"),
    (LimitRequestLine, "414 URI Too Long", "the request line is too long"),
    (UnsupportedTransferCoding, "501 Not Implemented", "that transfer coding is not supported"),
)


class JsonRefusingWorker(GeventWorker):
    """gunicorn's gevent worker, but a request it cannot parse gets the same short JSON
    refusal as everything the app refuses, instead of gunicorn's HTML page (which also
    echoes the offending header back)."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if not isinstance(exc, ParseException) or isinstance(
            exc, InvalidResponseHeader | InvalidResponseHeaderName
        ):
            # Not the client's fault (an app error, or a header the app tried to send).
            super().handle_error(req, client, addr, exc)
            return
        status, message = "400 Bad Request", "the request could not be read"
        for kind, kind_status, kind_message in _PARSE_REFUSALS:
            if isinstance(exc, kind):
                status, message = kind_status, kind_message
                break
        self.log.warning("refused an unreadable request: %s (%s)", status, type(exc).__name__)
        body = _error_body(message)
        head = (
            f"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("could not send the refusal")


def read_bodies_first(app: WSGIApplication, limit: int, seconds: float) -> WSGIApplication:
    """Read each request body in full, at most `limit` bytes within `seconds`, before `app`.

    A chunked body over Flask's limit would otherwise reach the app cut off at the limit
    (werkzeug stops reading there without a 413), and a body sent a byte a second would keep
    its connection for as long as the client liked. Over the limit is a 413, too slow a 408.
    A declared length over the limit passes straight through: Flask refuses it unread.
    """

    def read_first(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and (not declared.isdigit() or int(declared) > limit):
            return app(environ, start_response)
        deadline = gevent.Timeout(seconds)
        try:
            with deadline:
                body = environ["wsgi.input"].read(limit + 1)
        except gevent.Timeout as error:
            if error is not deadline:
                raise
            return _refusal(start_response, "408 Request Timeout", "the body came too slowly")
        if len(body) > limit:
            return _refusal(start_response, "413 Content Too Large", "the body is too large")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return read_first


class _Server(BaseApplication):
    def __init__(self, factory: Callable[[], WSGIApplication], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def serve(
    store_url: str | None,
    *,
    host: str,
    port: int,
    verify: bool,
    workers: int | None = None,
    connections: int = WORKER_CONNECTIONS,
    verifier: AbstractVerifier | None = None,
) -> None:
    """Serve until interrupted. `verify=False` is dev mode: no signature checks.

    `verifier` replaces the default `AlexaRequestVerifier` (the load harness passes one
    that trusts its private certificate authority). `HEART_TO_HEART_SKILL_ID`, when set,
    is checked by the verifier as well as by the skill.
    """
    from skill.doors.web import MAX_BODY_BYTES
    from skill.doors.wiring import ready_household_store, web_app

    def factory() -> WSGIApplication:
        app = web_app(ready_household_store(store_url), verify=verify, verifier=verifier)
        return read_bodies_first(app, MAX_BODY_BYTES, BODY_SECONDS)

    _Server(
        factory,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers or (os.cpu_count() or 1),
            "worker_class": JsonRefusingWorker,
            "worker_connections": connections,
            "keepalive": KEEPALIVE_SECONDS,
            # gunicorn's own header limits (its defaults, stated): past them the worker answers
            # 431 (too many or too long header fields) or 414 (request line), in JSON.
            "limit_request_line": 4094,
            "limit_request_fields": 100,
            "limit_request_field_size": 8190,
            "timeout": 30,
            "graceful_timeout": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        },
    ).run()
