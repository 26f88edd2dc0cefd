"""Managed policies and their versions (CreatePolicy ... SetDefaultPolicyVersion).

Customer managed policies live in the store; AWS managed ones come from the built-in
catalogue, can be read and attached, and cannot be changed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms, from_epoch_ms
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.services.iam import aws_managed, paging, policy_document, tags
from irisops.services.iam.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    no_such_policy,
)
from irisops.services.iam.identifiers import POLICY_PREFIX, iam_arn, unique_id
from irisops.services.iam.lookups import Conn, IamLookups, ManagedPolicy, check_arn

MAX_VERSIONS = 5


def _no_such_version(arn: str, version_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {arn} version {version_id} does not exist or is not attachable.")


def _aws_managed_is_read_only(arn: str) -> AwsError:
    return AwsError(
        f"AWS managed policy {arn} cannot be modified.", code="AccessDenied", status=403
    )


class ManagedPolicyHandlers(IamLookups):
    # -- policies ---------------------------------------------------------------------

    async def create_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, document = params["PolicyName"], params["PolicyDocument"]
        policy_document.validate(document)
        policy_document.check_managed_policy_size(document)
        new_tags = params.get("Tags") or []
        tags.check_new(new_tags)
        path = params.get("Path") or "/"
        arn = iam_arn(ctx.account, "policy", path, name)
        now = epoch_ms()

        def insert(conn: sqlite3.Connection) -> None:
            if self._one(
                conn,
                "SELECT 1 FROM iam_policies WHERE account = ? AND policy_name = ?",
                (ctx.account, name),
            ):
                raise EntityAlreadyExists(
                    f"A policy called {name} already exists. Duplicate names are not allowed."
                )
            conn.execute(
                "INSERT INTO iam_policies (arn, account, policy_name, policy_id, path,"
                " description, default_version, next_version, created_ms, updated_ms, tags)"
                " VALUES (?, ?, ?, ?, ?, ?, 'v1', 2, ?, ?, ?)",
                (
                    arn,
                    ctx.account,
                    name,
                    unique_id(POLICY_PREFIX),
                    path,
                    params.get("Description"),
                    now,
                    now,
                    tags.dump(new_tags),
                ),
            )
            conn.execute(
                "INSERT INTO iam_policy_versions (policy_arn, version_id, version_number,"
                " document, created_ms) VALUES (?, 'v1', 1, ?, ?)",
                (arn, document, now),
            )

        await self.store.write(insert)
        self.publish(ctx, "iam.PolicyCreated", arn, policyName=name)
        return {"Policy": self._policy_shape(ctx.account, self._policy(ctx.account, arn))}

    async def get_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy(ctx.account, params["PolicyArn"])
        return {"Policy": self._policy_shape(ctx.account, policy)}

    async def list_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        scope = params.get("Scope") or "All"
        prefix = params.get("PathPrefix") or "/"
        policies: list[ManagedPolicy] = []
        if scope in ("All", "AWS"):
            policies += [ManagedPolicy.from_catalogue(p) for p in aws_managed.CATALOGUE]
        if scope in ("All", "Local"):
            rows = await self.store.query(
                "SELECT * FROM iam_policies WHERE account = ?", (ctx.account,)
            )
            policies += [ManagedPolicy.from_row(r) for r in rows]
        counts = {
            r["policy_arn"]: r["n"]
            for r in await self.store.query(
                "SELECT policy_arn, COUNT(*) AS n FROM iam_attachments WHERE account = ?"
                " GROUP BY policy_arn",
                (ctx.account,),
            )
        }
        policies = sorted(
            (
                p
                for p in policies
                if p.path.startswith(prefix)
                and (not params.get("OnlyAttached") or counts.get(p.arn, 0) > 0)
            ),
            key=lambda p: (p.name.lower(), p.arn),
        )
        chosen, out = paging.page(policies, params, "Policies")
        out["Policies"] = [
            self._policy_shape(ctx.account, p, detail=False, attachments=counts.get(p.arn, 0))
            for p in chosen
        ]
        return out

    async def delete_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["PolicyArn"]

        def delete(conn: sqlite3.Connection) -> None:
            row = self._customer_policy_row(ctx.account, arn, conn)
            if self.attachment_count(ctx.account, arn, conn):
                raise DeleteConflict("Cannot delete a policy attached to entities.")
            versions = conn.execute(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_arn = ?", (arn,)
            ).fetchone()[0]
            if versions > 1:
                raise DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you"
                    " must delete the policy's versions. The default version is deleted with"
                    " the policy."
                )
            conn.execute("DELETE FROM iam_policy_versions WHERE policy_arn = ?", (arn,))
            conn.execute("DELETE FROM iam_policies WHERE arn = ?", (row["arn"],))

        await self.store.write(delete)
        self.publish(ctx, "iam.PolicyDeleted", arn)
        return {}

    # -- versions ---------------------------------------------------------------------

    async def create_policy_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        arn, document = params["PolicyArn"], params["PolicyDocument"]
        self._customer_policy_row(ctx.account, arn)
        policy_document.validate(document)
        policy_document.check_managed_policy_size(document)
        make_default = bool(params.get("SetAsDefault"))
        now = epoch_ms()

        def insert(conn: sqlite3.Connection) -> str:
            row = self._customer_policy_row(ctx.account, arn, conn)
            count = conn.execute(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_arn = ?", (arn,)
            ).fetchone()[0]
            if count >= MAX_VERSIONS:
                raise LimitExceeded(
                    f"A managed policy can have up to {MAX_VERSIONS} versions. Before you"
                    " create a new version, you must delete an existing version."
                )
            number = row["next_version"]
            version_id = f"v{number}"
            conn.execute(
                "INSERT INTO iam_policy_versions (policy_arn, version_id, version_number,"
                " document, created_ms) VALUES (?, ?, ?, ?, ?)",
                (arn, version_id, number, document, now),
            )
            default = version_id if make_default else row["default_version"]
            conn.execute(
                "UPDATE iam_policies SET next_version = ?, default_version = ?, updated_ms = ?"
                " WHERE arn = ?",
                (number + 1, default, now, arn),
            )
            return version_id

        version_id = await self.store.write(insert)
        self.publish(
            ctx, "iam.PolicyVersionCreated", arn, versionId=version_id, isDefault=make_default
        )
        return {
            "PolicyVersion": {
                "VersionId": version_id,
                "IsDefaultVersion": make_default,
                "CreateDate": from_epoch_ms(now),
            }
        }

    async def get_policy_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        arn, version_id = params["PolicyArn"], params["VersionId"]
        policy = self._policy(ctx.account, arn)
        for version in self._versions(policy):
            if version["VersionId"] == version_id:
                return {"PolicyVersion": version}
        raise _no_such_version(arn, version_id)

    async def list_policy_versions(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        policy = self._policy(ctx.account, params["PolicyArn"])
        versions = [
            {k: v for k, v in ver.items() if k != "Document"} for ver in self._versions(policy)
        ]
        _, out = paging.page(versions, params, "Versions")
        return out

    async def delete_policy_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        arn, version_id = params["PolicyArn"], params["VersionId"]

        def delete(conn: sqlite3.Connection) -> None:
            row = self._customer_policy_row(ctx.account, arn, conn)
            if version_id == row["default_version"]:
                raise DeleteConflict("Cannot delete the default version of a policy.")
            deleted = conn.execute(
                "DELETE FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?",
                (arn, version_id),
            ).rowcount
            if not deleted:
                raise _no_such_version(arn, version_id)
            conn.execute("UPDATE iam_policies SET updated_ms = ? WHERE arn = ?", (epoch_ms(), arn))

        await self.store.write(delete)
        self.publish(ctx, "iam.PolicyVersionDeleted", arn, versionId=version_id)
        return {}

    async def set_default_policy_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        arn, version_id = params["PolicyArn"], params["VersionId"]

        def update(conn: sqlite3.Connection) -> None:
            self._customer_policy_row(ctx.account, arn, conn)
            if not conn.execute(
                "SELECT 1 FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?",
                (arn, version_id),
            ).fetchone():
                raise _no_such_version(arn, version_id)
            conn.execute(
                "UPDATE iam_policies SET default_version = ?, updated_ms = ? WHERE arn = ?",
                (version_id, epoch_ms(), arn),
            )

        await self.store.write(update)
        self.publish(ctx, "iam.PolicyDefaultVersionSet", arn, versionId=version_id)
        return {}

    # -- tags -------------------------------------------------------------------------

    async def tag_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn, new_tags = params["PolicyArn"], params["Tags"]

        def tag(conn: sqlite3.Connection) -> None:
            row = self._customer_policy_row(ctx.account, arn, conn)
            updated = tags.merged(tags.load(row["tags"]), new_tags, "Policy")
            conn.execute(
                "UPDATE iam_policies SET tags = ? WHERE arn = ?", (tags.dump(updated), arn)
            )

        await self.store.write(tag)
        self.publish(ctx, "iam.PolicyTagged", arn)
        return {}

    async def untag_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn, keys = params["PolicyArn"], params["TagKeys"]

        def untag(conn: sqlite3.Connection) -> None:
            row = self._customer_policy_row(ctx.account, arn, conn)
            remaining = tags.without(tags.load(row["tags"]), keys)
            conn.execute(
                "UPDATE iam_policies SET tags = ? WHERE arn = ?", (tags.dump(remaining), arn)
            )

        await self.store.write(untag)
        self.publish(ctx, "iam.PolicyUntagged", arn)
        return {}

    async def list_policy_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy(ctx.account, params["PolicyArn"])
        _, out = paging.page(policy.tags, params, "Tags")
        return out

    # -- helpers ----------------------------------------------------------------------

    def _policy(self, account: str, arn: str) -> ManagedPolicy:
        check_arn(arn)
        policy = self.managed_policy(account, arn)
        if policy is None:
            raise no_such_policy(arn)
        return policy

    def _customer_policy_row(self, account: str, arn: str, conn: Conn = None) -> sqlite3.Row:
        check_arn(arn)
        if arn in aws_managed.BY_ARN:
            raise _aws_managed_is_read_only(arn)
        row = self._one(
            conn, "SELECT * FROM iam_policies WHERE arn = ? AND account = ?", (arn, account)
        )
        if row is None:
            raise no_such_policy(arn)
        return row

    def _versions(self, policy: ManagedPolicy) -> list[dict[str, Any]]:
        """Every version of ``policy``, newest first, as ``PolicyVersion`` shapes."""
        if policy.aws_managed:
            entry = aws_managed.BY_ARN[policy.arn]
            return [
                {
                    "Document": policy_document.encode(entry.document),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": aws_managed.CATALOGUE_DATE,
                }
            ]
        rows = self.store.read(
            "SELECT * FROM iam_policy_versions WHERE policy_arn = ? ORDER BY version_number DESC",
            (policy.arn,),
        )
        return [
            {
                "Document": policy_document.encode(r["document"]),
                "VersionId": r["version_id"],
                "IsDefaultVersion": r["version_id"] == policy.default_version,
                "CreateDate": from_epoch_ms(r["created_ms"]),
            }
            for r in rows
        ]

    def _policy_shape(
        self,
        account: str,
        policy: ManagedPolicy,
        *,
        detail: bool = True,
        attachments: int | None = None,
    ) -> dict[str, Any]:
        """A ``Policy``; ListPolicies (``detail`` off) answers no description nor tags."""
        if attachments is None:
            attachments = self.attachment_count(account, policy.arn)
        boundary_uses = self.store.read_one(
            "SELECT (SELECT COUNT(*) FROM iam_roles WHERE account = ?1"
            " AND permissions_boundary = ?2) + (SELECT COUNT(*) FROM iam_users"
            " WHERE account = ?1 AND permissions_boundary = ?2) AS n",
            (account, policy.arn),
        )
        out: dict[str, Any] = {
            "PolicyName": policy.name,
            "PolicyId": policy.policy_id,
            "Arn": policy.arn,
            "Path": policy.path,
            "DefaultVersionId": policy.default_version,
            "AttachmentCount": attachments,
            "PermissionsBoundaryUsageCount": boundary_uses["n"] if boundary_uses else 0,
            "IsAttachable": True,
            "CreateDate": policy.created,
            "UpdateDate": policy.updated,
        }
        if detail:
            if policy.description:
                out["Description"] = policy.description
            if policy.tags:
                out["Tags"] = policy.tags
        return out
