"""Registry credentials: GetAuthorizationToken and the registry's Basic auth check.

The password is ``<payload>.<mac>``: the payload (base64url JSON) names the account,
the region and the expiry; the mac is an HMAC-SHA256 of it with a secret kept in the
data dir, so tokens stay valid across restarts and cannot be forged. A registry request
acts in the account and region of its token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from irisops.core.clock import utcnow
from irisops.core.context import RequestContext
from irisops.core.files import atomic_write
from irisops.engines.registry.backend import Principal
from irisops.services.base import Service
from irisops.services.ecr.records import registry_host

USER = "AWS"
TOKEN_LIFETIME = timedelta(hours=12)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    def __init__(self, secret_path: Path) -> None:
        self.secret_path = secret_path
        self._secret: bytes | None = None

    def load(self) -> None:
        """Read the secret, creating it on first start (blocking: call at start)."""
        if self.secret_path.exists():
            self._secret = self.secret_path.read_bytes()
            return
        secret = secrets.token_bytes(32)
        atomic_write(self.secret_path, secret)
        os.chmod(self.secret_path, 0o600)
        self._secret = secret

    def _mac(self, payload: str) -> str:
        assert self._secret is not None, "token secret not loaded"
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def password(self, account: str, region: str, expires: float) -> str:
        payload = _b64url(json.dumps({"a": account, "r": region, "e": int(expires)}).encode())
        return f"{payload}.{self._mac(payload)}"

    def verify(self, password: str, now: float | None = None) -> Principal | None:
        payload, _, mac = password.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            claims = json.loads(_unb64url(payload))
        except (ValueError, binascii.Error):
            return None
        if claims.get("e", 0) < (time.time() if now is None else now):
            return None
        return Principal(account=str(claims["a"]), region=str(claims["r"]))

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal of an ``Authorization: Basic base64(AWS:<password>)`` header."""
        if not authorization:
            return None
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = (
                base64.b64decode(value.strip(), validate=True).decode().partition(":")
            )
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if user != USER:
            return None
        return self.verify(password)

    def basic_token(self, account: str, region: str) -> tuple[str, Any]:
        """``(base64("AWS:<password>"), expiresAt)``."""
        expires = utcnow() + TOKEN_LIFETIME
        password = self.password(account, region, expires.timestamp())
        return base64.b64encode(f"{USER}:{password}".encode()).decode(), expires


class AuthOperations(Service):
    tokens: TokenIssuer

    async def get_authorization_token(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        proxy = f"http://{registry_host(self.config)}"
        accounts = params.get("registryIds") or [ctx.account]
        data = []
        for account in accounts:
            token, expires = self.tokens.basic_token(account, ctx.region)
            data.append({"authorizationToken": token, "expiresAt": expires, "proxyEndpoint": proxy})
        return {"authorizationData": data}

    def challenge(self, host: str) -> str:
        return f'Basic realm="http://{host}/",service="ecr.amazonaws.com"'

    def authenticate(self, authorization: str | None) -> Principal | None:
        return self.tokens.authenticate(authorization)

    def registry_auth(self, account: str, region: str) -> dict[str, str]:
        """Docker engine credentials (``X-Registry-Auth``) for our own registry."""
        host = registry_host(self.config)
        password = self.tokens.password(account, region, (utcnow() + TOKEN_LIFETIME).timestamp())
        return {"username": USER, "password": password, "serveraddress": host}
