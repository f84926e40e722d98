"""An ASK ApiClient with a hard timeout, on the standard library.

The SDK's default client waits as long as the server likes; Alexa gives a skill 8 seconds
in all, so every Alexa API call here gives up after `timeout` seconds.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services.api_client import ApiClient
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.api_client_response import ApiClientResponse

__all__ = ["TimeoutApiClient"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_BODY = 256 * 1024


class TimeoutApiClient(ApiClient):
    """HTTPS only, except plain HTTP to loopback for local stand-ins of the Alexa API."""

    def __init__(self, timeout: float = 1.0) -> None:
        self.timeout = timeout

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        url = urlsplit(request.url or "")
        if url.scheme != "https" and not (url.scheme == "http" and url.hostname in _LOOPBACK):
            raise ApiClientException("Alexa API calls must use HTTPS")
        headers = dict(request.headers or [])
        body = request.body
        data = None
        if body is not None:
            data = (json.dumps(body) if not isinstance(body, str) else body).encode("utf-8")
        http_request = urllib.request.Request(
            request.url, data=data, headers=headers, method=request.method or "GET"
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout) as response:
                return ApiClientResponse(
                    headers=list(response.headers.items()),
                    status_code=response.status,
                    body=response.read(_MAX_BODY).decode("utf-8", "replace"),
                )
        except urllib.error.HTTPError as error:
            return ApiClientResponse(
                headers=list(error.headers.items()) if error.headers else [],
                status_code=error.code,
                body=error.read(_MAX_BODY).decode("utf-8", "replace"),
            )
        except (OSError, ValueError) as error:
            raise ApiClientException(f"Alexa API call failed: {error}") from error
