"""What the registry protocol asks of the service that owns repositories and images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Principal:
    """Who a registry request acts as: the account and region its token was issued in."""

    account: str
    region: str


@dataclass(frozen=True)
class StoredManifest:
    body: bytes
    media_type: str
    digest: str


class RegistryBackend(Protocol):
    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal of an ``Authorization`` header, None when it is not valid."""

    def challenge(self, host: str) -> str:
        """The ``WWW-Authenticate`` value of a 401."""

    def check_repository(self, principal: Principal, name: str) -> None:
        """Raise NAME_UNKNOWN unless the repository exists."""

    async def put_manifest(
        self, principal: Principal, name: str, reference: str, body: bytes, content_type: str
    ) -> str:
        """Record a pushed manifest under a tag or digest; returns its digest."""

    def get_manifest(self, principal: Principal, name: str, reference: str) -> StoredManifest:
        """The manifest a tag or digest names (MANIFEST_UNKNOWN otherwise)."""

    async def delete_manifest(self, principal: Principal, name: str, reference: str) -> None:
        """Delete an image by digest, or remove a tag."""

    def list_tags(self, principal: Principal, name: str) -> list[str]:
        """The repository's tags, sorted."""

    def list_repositories(self, principal: Principal) -> list[str]:
        """The principal's repository names, sorted."""
