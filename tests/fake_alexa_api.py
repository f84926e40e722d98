"""A stand-in for the Alexa API endpoint on loopback, over real HTTP, recording each call."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str
    path: str
    authorization: str
    body: Any


@dataclass
class Route:
    status: int = 200
    body: Any = None
    delay: float = 0.0


@dataclass
class FakeAlexaApi:
    zone: str = "Europe/London"
    calls: list[Call] = field(default_factory=list)
    routes: dict[str, Route] = field(default_factory=dict)

    def __post_init__(self) -> None:
        api = self
        self.routes.setdefault("GET timezone", Route(body=self.zone))
        self.routes.setdefault("POST reminders", Route(201, {"alertToken": "alert-1"}))
        self.routes.setdefault("DELETE reminders", Route(200, None))

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                api.calls.append(
                    Call(self.command, self.path, self.headers.get("Authorization", ""), body)
                )
                kind = "timezone" if "System.timeZone" in self.path else "reminders"
                route = api.routes[f"{self.command} {kind}"]
                time.sleep(route.delay)
                payload = b"" if route.body is None else json.dumps(route.body).encode()
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the skill gave up waiting, as it should

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
