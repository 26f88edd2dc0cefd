"""The ECR side of the ``/v2/`` registry: repositories and images of the token's
account and region, pushes and deletes through the shared :class:`ImageStore` path."""

from __future__ import annotations

from irisops.engines.registry.backend import Principal, StoredManifest
from irisops.engines.registry.digests import is_digest
from irisops.engines.registry.errors import RegistryError
from irisops.services.ecr.errors import repository_not_found_message
from irisops.services.ecr.image_store import ImageStore, check_tag


class RegistryBackendOperations(ImageStore):
    def _repository_id(self, principal: Principal, name: str) -> int:
        row = self.store.read_one(
            "SELECT id FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
            (principal.account, principal.region, name),
        )
        if row is None:
            raise RegistryError(
                "NAME_UNKNOWN",
                repository_not_found_message(name, principal.account),
                detail={"name": name},
            )
        return int(row["id"])

    def check_repository(self, principal: Principal, name: str) -> None:
        self._repository_id(principal, name)

    async def put_manifest(
        self, principal: Principal, name: str, reference: str, body: bytes, content_type: str
    ) -> str:
        by_digest = is_digest(reference)
        if not by_digest:
            check_tag(reference)
        manifest = await self.push_image(
            principal.account,
            principal.region,
            name,
            body,
            content_type,
            tag=None if by_digest else reference,
            digest=reference if by_digest else None,
            via="registry",
        )
        return manifest.digest

    def get_manifest(self, principal: Principal, name: str, reference: str) -> StoredManifest:
        repo_id = self._repository_id(principal, name)
        if is_digest(reference):
            row = self.store.read_one(
                "SELECT digest, media_type, manifest FROM ecr_images "
                "WHERE repository_id = ? AND digest = ?",
                (repo_id, reference),
            )
        else:
            row = self.store.read_one(
                "SELECT i.digest, i.media_type, i.manifest FROM ecr_image_tags t "
                "JOIN ecr_images i ON i.repository_id = t.repository_id AND i.digest = t.digest "
                "WHERE t.repository_id = ? AND t.tag = ?",
                (repo_id, reference),
            )
        if row is None:
            raise RegistryError(
                "MANIFEST_UNKNOWN",
                f"Requested image not found: {name}:{reference}",
                detail={"name": name, "reference": reference},
            )
        return StoredManifest(bytes(row["manifest"]), row["media_type"], row["digest"])

    async def delete_manifest(self, principal: Principal, name: str, reference: str) -> None:
        key = "imageDigest" if is_digest(reference) else "imageTag"
        _, failures = await self.delete_images(
            principal.account, principal.region, name, [{key: reference}], via="registry"
        )
        if failures:
            raise RegistryError(
                "MANIFEST_UNKNOWN",
                f"Requested image not found: {name}:{reference}",
                detail={"name": name, "reference": reference},
            )

    def list_tags(self, principal: Principal, name: str) -> list[str]:
        repo_id = self._repository_id(principal, name)
        rows = self.store.read(
            "SELECT tag FROM ecr_image_tags WHERE repository_id = ? ORDER BY tag", (repo_id,)
        )
        return [row["tag"] for row in rows]

    def list_repositories(self, principal: Principal) -> list[str]:
        rows = self.store.read(
            "SELECT name FROM ecr_repositories WHERE account = ? AND region = ? ORDER BY name",
            (principal.account, principal.region),
        )
        return [row["name"] for row in rows]

    def locate_repository(
        self, name: str, account: str | None = None, region: str | None = None
    ) -> tuple[str, str] | None:
        """``(account, region)`` of a repository for an image reference: the account and
        region the reference names, else the server's default ones, else the one
        repository of that name anywhere (so an image URI written with a real AWS
        account id still finds the repository pushed here); None when none fits."""
        candidates = [(self.config.account, self.config.region)]
        if account and region:
            candidates.insert(0, (account, region))
        for acct, reg in candidates:
            if self.store.read_one(
                "SELECT 1 FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
                (acct, reg, name),
            ):
                return acct, reg
        rows = self.store.read(
            "SELECT account, region FROM ecr_repositories WHERE name = ? LIMIT 2", (name,)
        )
        if len(rows) == 1:
            return rows[0]["account"], rows[0]["region"]
        return None
