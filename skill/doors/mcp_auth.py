"""Who is calling the MCP door: bearer tokens, each standing for one household.

Today the tokens are static and configured outside the repository: a file (named by
`--tokens` or HEART_TO_HEART_MCP_TOKENS) with one `USER TOKEN` pair per line, `#` for
comments. Only each token's SHA-256 digest is held in memory. The household behind a call
is the token's user (`AccessToken.subject`), so two people's tokens never reach each
other's households.

OAuth, which the Alexa+ MCP toolkit requires, is one more `TokenVerifier` beside
`StaticTokens`: it checks a JWT access token from the authorization server (its signature
against the server's published keys, issuer, audience = this server's public URL, expiry)
and returns an `AccessToken` whose `subject` is the account; its `AuthSettings` name the
authorization server as `issuer_url` and this server's public URL as
`resource_server_url` (with `validate_token_resource`), so the SDK publishes RFC 9728
protected-resource metadata for clients to find where to sign in. Nothing else in the door
changes (docs/design.md, "The MCP door").
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings

__all__ = [
    "TOKENS_ENV",
    "StaticTokens",
    "TokenFileError",
    "bearer_settings",
    "read_token_file",
]

TOKENS_ENV = "HEART_TO_HEART_MCP_TOKENS"
SCOPE = "heart-to-heart"
MIN_TOKEN_LENGTH = 20
_USER = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")


class TokenFileError(ValueError):
    """The token file cannot be used; the message says which line and why."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_token_file(path: Path) -> dict[str, str]:
    """token digest -> user, from a file of `USER TOKEN` lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TokenFileError(f"cannot read the token file {str(path)!r}: {error}") from None
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not _USER.match(parts[0]):
            raise TokenFileError(f"{path}:{number}: expected `USER TOKEN`")
        user, token = parts
        if len(token) < MIN_TOKEN_LENGTH:
            raise TokenFileError(
                f"{path}:{number}: a token needs at least {MIN_TOKEN_LENGTH} characters"
                " (make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if _digest(token) in users:
            raise TokenFileError(f"{path}:{number}: that token is already given to another user")
        users[_digest(token)] = user
    if not users:
        raise TokenFileError(f"the token file {str(path)!r} names no `USER TOKEN` pair")
    return users


class StaticTokens(TokenVerifier):
    """Bearer tokens configured by the operator, each for one user (one household)."""

    def __init__(self, users_by_digest: dict[str, str]) -> None:
        self._users = dict(users_by_digest)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | None = None) -> StaticTokens:
        """The tokens in `path`, else in the file HEART_TO_HEART_MCP_TOKENS names."""
        name = path or os.environ.get(TOKENS_ENV)
        if not name:
            raise TokenFileError(
                f"no tokens: pass --tokens FILE or set {TOKENS_ENV} to a file of `USER TOKEN` lines"
            )
        return cls(read_token_file(Path(name)))

    async def verify_token(self, token: str) -> AccessToken | None:
        user = self._users.get(_digest(token))
        if user is None:
            return None
        return AccessToken(token=token, client_id=user, scopes=[SCOPE], subject=user)


def bearer_settings(public_url: str) -> AuthSettings:
    """What the SDK needs to require a bearer token on every MCP request. With static
    tokens this server is its own issuer and publishes no metadata."""
    return AuthSettings(
        issuer_url=public_url,  # type: ignore[arg-type]  # pydantic reads the URL
        resource_server_url=None,
        required_scopes=[SCOPE],
    )
