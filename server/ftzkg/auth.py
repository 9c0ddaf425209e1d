"""Who may change the graph: operators holding a write token, and nobody when none is set.

Writes are off unless the operator configures at least one token (``FTZKG_WRITE_TOKEN`` or a
file named by ``FTZKG_WRITE_TOKEN_FILE``, one token per line). A write then needs
``Authorization: Bearer <token>``; the comparison runs in constant time against every token,
so response timing says nothing about how much of a guess was right. The audit log records a
token *id* (a short hash), never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ftzkg.config import ConfigurationError, Settings
from ftzkg.errors import Forbidden, Unauthorized

MINIMUM_TOKEN_LENGTH = 16
"""Shorter secrets are guessable over the network; the server refuses to start with one."""

BEARER_CHALLENGE = 'Bearer realm="ftzkg writes"'
"""The ``WWW-Authenticate`` value sent with every 401."""


def token_id(token: str) -> str:
    """A stable, non-secret name for a token, for the audit log and metrics."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class WriteAccess:
    """The configured write tokens; empty means the server is read-only."""

    tokens: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> WriteAccess:
        """Collect tokens from the setting and the token file; refuse unusable ones."""
        tokens: list[str] = []
        if settings.write_token:
            tokens.append(settings.write_token.strip())
        if settings.write_token_file is not None:
            try:
                lines = settings.write_token_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise ConfigurationError(
                    f"FTZKG_WRITE_TOKEN_FILE {settings.write_token_file}: {error.strerror}"
                ) from None
            tokens.extend(
                line.strip() for line in lines if line.strip() and not line.startswith("#")
            )
        for token in tokens:
            if len(token) < MINIMUM_TOKEN_LENGTH or any(ch.isspace() for ch in token):
                raise ConfigurationError(
                    f"a write token must be at least {MINIMUM_TOKEN_LENGTH} characters "
                    "without spaces (token " + token_id(token) + ")"
                )
        return cls(tuple(tokens))

    @property
    def writes_enabled(self) -> bool:
        return bool(self.tokens)

    def authenticate(self, authorization: str | None) -> str:
        """The id of the token in an ``Authorization`` header, or 401/403.

        401 when no bearer credentials were sent (the client should ask for them), 403 when
        credentials were sent and are wrong (asking again will not help).
        """
        if not authorization or not authorization.strip():
            raise Unauthorized(
                "this write needs an operator's token: send 'Authorization: Bearer <token>'"
            )
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized(
                f"the Authorization header uses {scheme!r}; this server accepts only "
                "'Authorization: Bearer <token>'"
            )
        offered = credentials.strip().encode("utf-8")
        matched: str | None = None
        for token in self.tokens:
            # Compare against every token, no early exit, so timing reveals nothing.
            if hmac.compare_digest(offered, token.encode("utf-8")):
                matched = token
        if matched is None:
            raise Forbidden("the bearer token is not valid for writes on this server")
        return token_id(matched)
